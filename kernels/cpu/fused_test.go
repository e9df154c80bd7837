package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// geluGemmTol bounds pre and y of GemmBiasGelu: the GEMM's float32
// accumulation (gemmTol) plus Φ's 1e-7 absolute error.
const geluGemmTol = 1e-5

// checkGemmBiasGelu runs cpu.GemmBiasGelu and ref.GemmBiasGelu on the same
// data and compares the whole pre and y slices (LDC padding included, which
// both must leave as it was).
func checkGemmBiasGelu(t *testing.T, p kernels.Gemm, withBias bool, seed uint64) {
	t.Helper()
	rng := newRNG(seed)
	r := p.Resolved()
	la, lb, lc := r.Need()
	a, b, pre, y := randSlice(rng, la), randSlice(rng, lb), randSlice(rng, lc), randSlice(rng, lc)
	var bias []float32
	if withBias {
		bias = randSlice(rng, r.N)
	}
	if r.Beta == 0 {
		for i := range pre {
			if i%r.LDC < r.N {
				pre[i] = float32(math.NaN()) // β = 0 must not read pre
			}
		}
	}
	wpre, wy := to64(pre), to64(y)
	var bias64 []float64
	if bias != nil {
		bias64 = to64(bias)
	}
	ref.GemmBiasGelu(p, to64(a), to64(b), bias64, wpre, wy)
	GemmBiasGelu(p, a, b, bias, pre, y)
	name := fmt.Sprintf("%s %+v bias=%v", Path(), p, withBias)
	checkRel(t, name+" pre", pre, wpre, geluGemmTol)
	checkRel(t, name+" y", y, wy, geluGemmTol)
}

func TestGemmBiasGelu(t *testing.T) {
	shapes := [][3]int{ // M, N, K
		{1, 1, 1}, {1, 7, 13}, {7, 1, 13}, {7, 13, 1}, {13, 31, 7}, {31, 97, 13}, {12, 32, 16}, {25, 65, 300},
		{197, 2053, 389}, // crosses the mc, nc and kc blocks of both paths
	}
	forEachPath(t, func(t *testing.T) {
		for i, s := range shapes {
			for _, tb := range []bool{true, false} {
				p := kernels.Gemm{TransB: tb, TransA: i%2 == 1, M: s[0], N: s[1], K: s[2], Alpha: 1}
				checkGemmBiasGelu(t, p, i%3 != 2, uint64(i))
			}
		}
		// α, β, padded rows, a batch, K = 0, and thread counts.
		checkGemmBiasGelu(t, kernels.Gemm{M: 9, N: 11, K: 5, Alpha: 0.5, Beta: 0.7, LDC: 13, Batch: 3}, true, 40)
		checkGemmBiasGelu(t, kernels.Gemm{M: 5, N: 6, K: 0, Alpha: 1, Beta: 0.5}, true, 41)
		for _, th := range []int{1, 2, 3} {
			withThreads(th, func() {
				checkGemmBiasGelu(t, kernels.Gemm{TransB: true, M: 300, N: 130, K: 70, Alpha: 1}, true, 42)
				checkGemmBiasGelu(t, kernels.Gemm{TransB: true, M: 5, N: 700, K: 90, Alpha: 1}, true, 43)
			})
		}
	})
}

// addNormTol bounds AddScaledLayerNorm: LayerNorm's statistics (lnTol)
// after one float32 rounding of s more than the reference's.
const addNormTol = 2e-6

func TestAddScaledLayerNorm(t *testing.T) {
	shapes := append(rowShapes, [2]int{1, 384}, [2]int{7, 768}, [2]int{13, 1}, [2]int{31, 384}, [2]int{1, 0})
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(50)
		for _, sh := range shapes {
			for _, scaled := range []bool{true, false} {
				rows, cols := sh[0], sh[1]
				name := fmt.Sprintf("%s scaled=%v", shapeName(rows, cols), scaled)
				x, a := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
				for i := range x {
					x[i] = 3 + 2*x[i]
				}
				var gamma []float32
				if scaled {
					gamma = randSlice(rng, cols)
				}
				w, beta := randSlice(rng, cols), randSlice(rng, cols)
				ws, wy := make([]float64, rows*cols), make([]float64, rows*cols)
				wm, wr := make([]float64, rows), make([]float64, rows)
				var g64 []float64
				if scaled {
					g64 = to64(gamma)
				}
				ref.AddScaledLayerNorm(ws, wy, wm, wr, to64(x), to64(a), g64, to64(w), to64(beta), rows, cols, 1e-6)

				// In place: sum is x.
				y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
				AddScaledLayerNorm(x, y, mean, rstd, x, a, gamma, w, beta, rows, cols, 1e-6)
				checkRel(t, name+" sum", x, ws, addNormTol)
				checkRel(t, name+" y", y, wy, addNormTol)
				checkRel(t, name+" mean", mean, wm, addNormTol)
				checkRel(t, name+" rstd", rstd, wr, addNormTol)
			}
		}
	})
}

func TestFusedPanics(t *testing.T) {
	mustPanicWith(t, "cpu.GemmBiasGelu: len(bias)=3, want 2", func() {
		GemmBiasGelu(kernels.Gemm{M: 1, N: 2, K: 1, Alpha: 1}, []float32{1}, []float32{1, 2}, []float32{1, 2, 3},
			make([]float32, 2), make([]float32, 2))
	})
	c := make([]float32, 2)
	mustPanicWith(t, "cpu.GemmBiasGelu: pre and y are the same slice", func() {
		GemmBiasGelu(kernels.Gemm{M: 1, N: 2, K: 1, Alpha: 1}, []float32{1}, []float32{1, 2}, nil, c, c)
	})
	mustPanicWith(t, "cpu.AddScaledLayerNorm: len(gamma)=2, want 3", func() {
		AddScaledLayerNorm(make([]float32, 6), make([]float32, 6), make([]float32, 2), make([]float32, 2),
			make([]float32, 6), make([]float32, 6), make([]float32, 2), make([]float32, 3), make([]float32, 3), 2, 3, 1e-6)
	})
}

func mustPanicWith(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); fmt.Sprint(r) != want {
			t.Errorf("panic %v, want %q", r, want)
		}
	}()
	f()
}

// BenchmarkGemmBiasGelu times the fc1 GEMM of a ViT-S block with its bias
// and GELU, fused and as Gemm, AddBias and Gelu.
func BenchmarkGemmBiasGelu(b *testing.B) {
	rows, in, out := vitTokens, benchWidth, benchHidden
	p := kernels.Gemm{TransB: true, M: rows, N: out, K: in, Alpha: 1}
	x, w, bias := benchInput(rows*in), benchInput(out*in), benchInput(out)
	for i := range x {
		x[i] *= 0.05
	}
	pre, y := make([]float32, rows*out), make([]float32, rows*out)
	flops := 2 * float64(rows) * float64(out) * float64(in)
	report := func(b *testing.B) {
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	fused := func() { GemmBiasGelu(p, x, w, bias, pre, y) }
	unfused := func() {
		Gemm(p, x, w, pre)
		AddBias(pre, pre, bias, rows, out)
		Gelu(y, pre)
	}
	fused() // first touch of pre and y outside the timings
	for _, c := range []struct {
		name string
		f    func()
	}{{"fused", fused}, {"unfused", unfused}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.f()
			}
			report(b)
		})
	}
}

// BenchmarkAddScaledLayerNorm counts x and a read and s and y written once
// (16 bytes per element), fused and as ScaleCols, Add and LayerNorm.
func BenchmarkAddScaledLayerNorm(b *testing.B) {
	rows, cols := benchTokens, benchWidth
	x, a := benchInput(rows*cols), benchInput(rows*cols)
	gamma, w, beta := benchInput(cols), benchInput(cols), benchInput(cols)
	s, y, tmp := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows*cols)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	ScaleCols(tmp, a, gamma, rows, cols) // first touch of the outputs outside the timings
	AddScaledLayerNorm(s, y, mean, rstd, x, a, gamma, w, beta, rows, cols, 1e-6)
	b.Run("fused", func(b *testing.B) {
		benchPaths(b, func(b *testing.B) {
			for b.Loop() {
				AddScaledLayerNorm(s, y, mean, rstd, x, a, gamma, w, beta, rows, cols, 1e-6)
			}
			reportGBs(b, 16*rows*cols)
		})
	})
	b.Run("unfused", func(b *testing.B) {
		benchPaths(b, func(b *testing.B) {
			for b.Loop() {
				ScaleCols(tmp, a, gamma, rows, cols)
				Add(s, x, tmp)
				LayerNorm(y, mean, rstd, s, w, beta, rows, cols, 1e-6)
			}
			reportGBs(b, 16*rows*cols)
		})
	})
}
