package cpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// MeanRowEntropy writes to dst[0] the mean entropy (nats) of the first
// n = min(rows, maxRows) rows of the rows×cols matrix p (ref.MeanRowEntropy):
//
//	H_r = −Σ_k p[r,k]·ln p[r,k]   (p ≤ 0 contributes 0),   dst[0] = (1/n) Σ_{r<n} H_r
//
// Each row accumulates in float64 (its own slot, rows in parallel), and
// the mean adds the rows in order, so the result does not depend on the
// thread count. rows = 0 gives NaN; maxRows < 1 panics. No backward (a
// monitor of the teacher targets).
func MeanRowEntropy(dst, p []float32, rows, cols, maxRows int) {
	const op = "cpu.MeanRowEntropy"
	kernels.CheckRows(op, "p", len(p), rows, cols)
	kernels.CheckLen(op, "dst", len(dst), 1)
	if maxRows < 1 {
		panic(fmt.Sprintf("%s: maxRows=%d, want at least 1", op, maxRows))
	}
	n := min(rows, maxRows)
	h := make([]float64, n)
	parallelFor(n, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			h[r] = rowEntropy(p[r*cols : (r+1)*cols])
		}
	})
	var total float64
	for _, v := range h {
		total += v
	}
	dst[0] = float32(total / float64(n))
}

// rowEntropy returns −Σ v·ln v over the positive entries of p (a NaN entry
// makes it NaN).
func rowEntropy(p []float32) float64 {
	var s float64
	for _, v := range p {
		if !(v <= 0) {
			f := float64(v)
			s -= f * math.Log(f)
		}
	}
	return s
}
