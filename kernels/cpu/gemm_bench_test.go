package cpu

import (
	"fmt"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// vitTokens is the token count of a ViT-S/14 batch of 8 images at 224 px:
// 8 × (1 cls + 4 registers + 16×16 patches) = 8 × 261.
const vitTokens = 8 * 261

// benchGemmShapes are the GEMMs of one ViT-S/14 block (width 384, MLP
// 1536) on vitTokens tokens, plus a square reference size.
var benchGemmShapes = []struct {
	name    string
	m, n, k int
}{
	{"qkv", vitTokens, 1152, 384},
	{"proj", vitTokens, 384, 384},
	{"fc1", vitTokens, 1536, 384},
	{"fc2", vitTokens, 384, 1536},
	{"square1024", 1024, 1024, 1024},
}

// BenchmarkGemm times the ViT-S shapes as a Linear layer computes them
// (y = x·Wᵀ with W stored out×in, TransB) and with B not transposed.
func BenchmarkGemm(b *testing.B) {
	for _, s := range benchGemmShapes {
		for _, tb := range []bool{true, false} {
			layout := "NT"
			if !tb {
				layout = "NN"
			}
			b.Run(fmt.Sprintf("%s_%dx%dx%d_%s", s.name, s.m, s.n, s.k, layout), func(b *testing.B) {
				benchGemm(b, kernels.Gemm{M: s.m, N: s.n, K: s.k, Alpha: 1, TransB: tb})
			})
		}
	}
}

func benchGemm(b *testing.B, p kernels.Gemm) {
	r := p.Resolved()
	la, lb, lc := r.Need()
	x, y, z := make([]float32, la), make([]float32, lb), make([]float32, lc)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range y {
		y[i] = float32(i%5) - 2
	}
	Gemm(p, x, y, z)
	b.ResetTimer()
	for b.Loop() {
		Gemm(p, x, y, z)
	}
	flops := 2 * float64(r.M) * float64(r.N) * float64(r.K) * float64(r.Batch)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
