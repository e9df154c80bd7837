package ref

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// GemmBiasGelu is the composition Gemm, AddBias, Gelu: checked element by
// element on a padded, batched, β ≠ 0 layout, and its backward (the
// composition of the documented rules) against finite differences.
func TestGemmBiasGelu(t *testing.T) {
	rng := newRNG(t)
	p := kernels.Gemm{TransB: true, M: 5, N: 7, K: 3, Alpha: 0.7, Beta: 0.5, LDC: 9, Batch: 2}
	r := p.Resolved()
	la, lb, lc := r.Need()
	a, b, bias := randn(rng, la), randn(rng, lb), randn(rng, r.N)
	c0 := randn(rng, lc)
	pre, y := append([]float64(nil), c0...), make([]float64, lc)
	for i := range y {
		y[i] = math.NaN() // padding must stay untouched
	}
	GemmBiasGelu(p, a, b, bias, pre, y)
	want := append([]float64(nil), c0...)
	Gemm(p, a, b, want)
	for bi := 0; bi < r.Batch; bi++ {
		for i := 0; i < r.M; i++ {
			for j := 0; j < r.LDC; j++ {
				k := bi*r.StrideC + i*r.LDC + j
				if k >= lc {
					break
				}
				if j >= r.N {
					if !math.IsNaN(y[k]) || pre[k] != c0[k] {
						t.Fatalf("padding element %d written", k)
					}
					continue
				}
				h := want[k] + bias[j]
				g := h * 0.5 * math.Erfc(-h/math.Sqrt2)
				if math.Abs(pre[k]-h) > 1e-12 || math.Abs(y[k]-g) > 1e-12 {
					t.Fatalf("[%d]: pre %v y %v, want %v %v", k, pre[k], y[k], h, g)
				}
			}
		}
	}

	// Backward of a Linear+GELU (rows×in → rows×out): dpre = GELU'(pre)⊙dy,
	// dx = dpre·W, dW = dpreᵀ·x, dbias = Σ_rows dpre.
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {7, 2, 3}} {
		rows, in, out := s[0], s[1], s[2]
		lp := kernels.Gemm{TransB: true, M: rows, N: out, K: in, Alpha: 1}
		x, w, bias, dy := randn(rng, rows*in), randn(rng, out*in), randn(rng, out), randn(rng, rows*out)
		pre, y := make([]float64, rows*out), make([]float64, rows*out)
		GemmBiasGelu(lp, x, w, bias, pre, y)
		dpre := make([]float64, rows*out)
		GeluBackward(dpre, pre, dy)
		dx, dw, db := make([]float64, rows*in), make([]float64, out*in), make([]float64, out)
		Gemm(kernels.Gemm{M: rows, N: in, K: out, Alpha: 1}, dpre, w, dx)
		Gemm(kernels.Gemm{TransA: true, M: out, N: in, K: rows, Alpha: 1}, dpre, x, dw)
		SumRows(db, dpre, rows, out)
		checkGrad(t, fmt.Sprintf("GemmBiasGelu %v", s),
			func() []float64 { GemmBiasGelu(lp, x, w, bias, pre, y); return y }, dy,
			wrt{"x", x, dx}, wrt{"w", w, dw}, wrt{"bias", bias, db})
	}
}

// AddScaledLayerNorm's two outputs (s and y, concatenated) against
// AddScaledLayerNormBackward by finite differences, with and without γ.
func TestAddScaledLayerNormGrad(t *testing.T) {
	rng := newRNG(t)
	for _, s := range shapes {
		for _, scaled := range []bool{true, false} {
			rows, cols := s[0], s[1]
			n := rows * cols
			x, a, w, beta := randn(rng, n), randn(rng, n), randn(rng, cols), randn(rng, cols)
			var gamma, dgamma []float64
			if scaled {
				gamma, dgamma = randn(rng, cols), make([]float64, cols)
			}
			ds, dy := randn(rng, n), randn(rng, n)
			sum, y := make([]float64, n), make([]float64, n)
			mean, rstd := make([]float64, rows), make([]float64, rows)
			const eps = 1e-5
			fwd := func() []float64 {
				AddScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, w, beta, rows, cols, eps)
				return append(append([]float64(nil), sum...), y...)
			}
			fwd()
			dx, da := make([]float64, n), make([]float64, n)
			dw, db := make([]float64, cols), make([]float64, cols)
			AddScaledLayerNormBackward(dx, da, dgamma, dw, db, ds, dy, a, sum, mean, rstd, gamma, w, rows, cols)
			params := []wrt{{"x", x, dx}, {"a", a, da}, {"lnW", w, dw}, {"lnB", beta, db}}
			if scaled {
				params = append(params, wrt{"gamma", gamma, dgamma})
			}
			checkGrad(t, fmt.Sprintf("AddScaledLayerNorm %d×%d scaled=%v", rows, cols, scaled), fwd,
				append(append([]float64(nil), ds...), dy...), params...)
		}
	}
}

func TestFusedPanics(t *testing.T) {
	expectPanic(t, "ref.AddScaledLayerNorm: len(a)=5, want 6", func() {
		AddScaledLayerNorm(make([]float64, 6), make([]float64, 6), make([]float64, 2), make([]float64, 2),
			make([]float64, 6), make([]float64, 5), nil, make([]float64, 3), make([]float64, 3), 2, 3, 1e-6)
	})
	expectPanic(t, "ref.GemmBiasGelu: len(bias)=3, want 2", func() {
		GemmBiasGelu(kernels.Gemm{M: 1, N: 2, K: 1, Alpha: 1}, []float64{1}, []float64{1, 2}, []float64{1, 2, 3},
			make([]float64, 2), make([]float64, 2))
	})
}
