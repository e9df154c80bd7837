package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// AddScaledLayerNorm is a transformer block's residual update (with
// LayerScale γ) fused with the LayerNorm that follows it, per row of a
// rows×cols matrix (ref.AddScaledLayerNorm):
//
//	s = x + γ⊙a   (s = x + a when gamma is nil)
//	μ = mean(s),  rstd = 1/√(mean((s − μ)²) + eps),  y = (s − μ)·rstd·w + β
//
// sum receives s, y the normalised rows, mean and rstd (length rows) what
// the backward needs; w, β are lnW, lnB. Each row is read from x and a
// and written to s and y once, while it is in L1, where ScaleCols, Add and
// LayerNorm make three passes over the matrix.
//
// Backward (composed from existing kernels), with ds the gradient of s from
// its other uses and x̂ = (s − μ)·rstd:
//
//	dŝ = ds + LayerNormBackward(dy; s, μ, rstd, w)
//	dx = dŝ,  da = γ⊙dŝ (ScaleCols),  dγ = Σ_r a⊙dŝ (MulSumRows)
//	dw = Σ_r dy⊙x̂,  dβ = Σ_r dy
//
// Per row, the add and the sum for μ are one AVX2 sweep (one FMA per
// element with γ); the variance and the affine map are LayerNorm's row
// pieces. sum may be x (an in-place residual update); y must not overlap
// sum.
func AddScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, lnW, lnB []float32, rows, cols int, eps float64) {
	const op = "cpu.AddScaledLayerNorm"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "a", len(a), rows*cols)
	kernels.CheckLen(op, "sum", len(sum), rows*cols)
	kernels.CheckLen(op, "y", len(y), rows*cols)
	kernels.CheckLen(op, "mean", len(mean), rows)
	kernels.CheckLen(op, "rstd", len(rstd), rows)
	if gamma != nil {
		kernels.CheckLen(op, "gamma", len(gamma), cols)
	}
	kernels.CheckLen(op, "lnW", len(lnW), cols)
	kernels.CheckLen(op, "lnB", len(lnB), cols)
	n := float32(cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			s := sum[o : o+cols]
			var mu float32
			var v float64
			if cols > 0 {
				mu = addScaledSum(s, x[o:o+cols], a[o:o+cols], gamma) / n
				v = float64(sumSqDev(s, mu)) / float64(cols)
			}
			rs := float32(1 / math.Sqrt(v+eps))
			mean[r], rstd[r] = mu, rs
			lnAffine(y[o:o+cols], s, lnW, lnB, mu, rs)
		}
	})
}

// addScaledSumGeneric sets s[c] = x[c] + g[c]·a[c] (x[c] + a[c] when g is
// nil) and returns Σ s[c].
func addScaledSumGeneric(s, x, a, g []float32) float32 {
	x, a = x[:len(s)], a[:len(s)]
	if g == nil {
		for c := range s {
			s[c] = x[c] + a[c]
		}
	} else {
		g = g[:len(s)]
		for c := range s {
			s[c] = x[c] + g[c]*a[c]
		}
	}
	return sum32(s)
}
