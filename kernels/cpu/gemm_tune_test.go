package cpu

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gocx/gocx/kernels"
)

// TEMPORARY tuning harness (deleted before reporting).
func TestTuneGemm(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	SetThreads(1)
	defer SetThreads(0)
	shapes := []kernels.Gemm{
		{M: vitTokens, N: 384, K: 1536, Alpha: 1},
		{M: 1536, N: 384, K: vitTokens, Alpha: 1, TransA: true},
		{M: 1536, N: 384, K: vitTokens, Alpha: 1},
		{M: 384, N: 1536, K: vitTokens, Alpha: 1, TransA: true},
		{M: 261, N: 64, K: 261, Alpha: 1, Batch: 48, TransA: true},
		{M: 261, N: 64, K: 261, Alpha: 1, Batch: 48},
		{M: 261, N: 261, K: 64, Alpha: 1, Batch: 48, TransB: true},
	}
	for rep := 0; rep < 2; rep++ {
		line := ""
		for _, p := range shapes {
			r := p.Resolved()
			la, lb, lc := r.Need()
			x, y, z := make([]float32, la), make([]float32, lb), make([]float32, lc)
			Gemm(p, x, y, z)
			best := time.Hour
			for rep := 0; rep < 7; rep++ {
				st := time.Now()
				Gemm(p, x, y, z)
				best = min(best, time.Since(st))
			}
			line += fmt.Sprintf(" %6.1f", 2*float64(r.M*r.N*r.K*r.Batch)/best.Seconds()/1e9)
		}
		t.Log(line)
	}
}
