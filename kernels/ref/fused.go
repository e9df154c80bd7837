package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// Step-level fusions (issue 7): operators that do in one pass what a
// transformer block otherwise does in two or three. Each is defined here by
// the composition it replaces.

// GemmBiasGelu is a GEMM whose store adds a bias and applies the exact GELU,
// keeping the pre-activation (a Linear layer followed by GELU, with what its
// backward needs):
//
//	pre[i,j] = α·Σ_l op(A)[i,l]·op(B)[l,j] + β·pre[i,j] + bias[j]
//	y[i,j]   = GELU(pre[i,j]) = ½·pre·(1 + erf(pre/√2))
//
// for every batch entry (kernels.Gemm gives the layout; y has pre's layout
// and only its matrix elements are written). bias has length N, or is nil
// for none; β = 0 never reads pre.
//
// Backward, with dy given: dpre = dy ⊙ (Φ(pre) + pre·φ(pre)) (GeluBackward),
// then dA = dpre·op(B)ᵀ and dB = op(A)ᵀ·dpre as Gemm calls, dbias = Σ_i dpre.
func GemmBiasGelu[T Float](p kernels.Gemm, a, b, bias, pre, y []T) {
	const op = "ref.GemmBiasGelu"
	g := p.Check(op, len(a), len(b), len(pre))
	p.Check(op, len(a), len(b), len(y))
	if bias != nil {
		kernels.CheckLen(op, "bias", len(bias), g.N)
	}
	Gemm(p, a, b, pre)
	for bi := 0; bi < g.Batch; bi++ {
		for i := 0; i < g.M; i++ {
			for j := 0; j < g.N; j++ {
				k := bi*g.StrideC + i*g.LDC + j
				v := float64(pre[k])
				if bias != nil {
					v += float64(bias[j])
				}
				pre[k] = T(v)
				y[k] = T(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
			}
		}
	}
}

// AddScaledLayerNorm is a residual update (with LayerScale) followed by a
// LayerNorm, row by row over a rows×cols matrix:
//
//	s[r,c] = x[r,c] + γ[c]·a[r,c]      (s = x + a when gamma is nil)
//	μ_r = mean_c s[r,c],  rstd_r = 1/√(mean_c (s[r,c] − μ_r)² + eps)
//	y[r,c] = (s[r,c] − μ_r)·rstd_r·w[c] + β[c]
//
// sum receives s (the updated residual stream), y the normalised rows,
// mean and rstd (length rows) what the backward needs. w, β are the
// LayerNorm's weight and bias (lnW, lnB).
//
// Backward (AddScaledLayerNormBackward), with ds the gradient reaching s
// from its other uses and dy that of y; x̂ = (s − μ)·rstd, g = dy ⊙ w:
//
//	dŝ = ds + rstd·(g − mean_c g − x̂·mean_c(g ⊙ x̂))   (LayerNorm backward)
//	dx = dŝ,  da = γ ⊙ dŝ,  dγ = Σ_r a ⊙ dŝ
//	dw = Σ_r dy ⊙ x̂,  dβ = Σ_r dy
func AddScaledLayerNorm[T Float](sum, y, mean, rstd, x, a, gamma, lnW, lnB []T, rows, cols int, eps float64) {
	const op = "ref.AddScaledLayerNorm"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "a", len(a), rows*cols)
	kernels.CheckLen(op, "sum", len(sum), rows*cols)
	if gamma != nil {
		kernels.CheckLen(op, "gamma", len(gamma), cols)
	}
	s := make([]T, rows*cols)
	for r := range rows {
		for c := range cols {
			k := r*cols + c
			v := float64(a[k])
			if gamma != nil {
				v *= float64(gamma[c])
			}
			s[k] = T(float64(x[k]) + v)
		}
	}
	// Rounding s to T first matches the kernels, which normalise the s they
	// store; for T = float64 it changes nothing.
	LayerNorm(y, mean, rstd, s, lnW, lnB, rows, cols, eps)
	copy(sum, s)
}

// AddScaledLayerNormBackward computes the gradients of AddScaledLayerNorm
// (the equations are in its comment) from dsum (the gradient of s from its
// other uses; nil for none), dy, and the saved a, s = sum, mean, rstd.
// dx, da, dlnW and dlnB are overwritten; dgamma too, when gamma is not nil
// (it must be nil when gamma is).
func AddScaledLayerNormBackward[T Float](dx, da, dgamma, dlnW, dlnB, dsum, dy, a, sum, mean, rstd, gamma, lnW []T, rows, cols int) {
	const op = "ref.AddScaledLayerNormBackward"
	kernels.CheckRows(op, "dy", len(dy), rows, cols)
	for _, s := range []struct {
		name string
		v    []T
	}{{"dx", dx}, {"da", da}, {"a", a}, {"sum", sum}} {
		kernels.CheckLen(op, s.name, len(s.v), rows*cols)
	}
	if dsum != nil {
		kernels.CheckLen(op, "dsum", len(dsum), rows*cols)
	}
	if (gamma == nil) != (dgamma == nil) {
		panic(fmt.Sprintf("%s: gamma and dgamma must both be nil or both be set", op))
	}
	LayerNormBackward(dx, dlnW, dlnB, dy, sum, mean, rstd, lnW, rows, cols)
	if dsum != nil {
		Add(dx, dx, dsum)
	}
	if gamma == nil {
		copy(da, dx)
		return
	}
	ScaleCols(da, dx, gamma, rows, cols)
	MulSumRows(dgamma, dx, a, rows, cols)
}
