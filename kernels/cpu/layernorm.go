package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// LayerNorm normalises each row of x (rows×cols) and applies a per-column
// affine map:
//
//	μ = (1/n)·Σ_c x[r,c],  σ² = (1/n)·Σ_c (x[r,c] − μ)²   (biased, n = cols)
//	rstd = 1/√(σ² + eps),  y[r,c] = (x[r,c] − μ)·rstd·γ[c] + β[c].
//
// mean[r] = μ and rstd[r] are saved for LayerNormBackward. The variance is
// a second pass over the centred row (no E[x²]−μ² cancellation); rstd is
// formed in float64. y may be x.
func LayerNorm(y, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64) {
	const op = "cpu.LayerNorm"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "y", len(y), rows*cols)
	kernels.CheckLen(op, "mean", len(mean), rows)
	kernels.CheckLen(op, "rstd", len(rstd), rows)
	kernels.CheckLen(op, "gamma", len(gamma), cols)
	kernels.CheckLen(op, "beta", len(beta), cols)
	n := float32(cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*cols : (r+1)*cols]
			var mu float32
			var v float64
			if cols > 0 { // an empty row has μ = 0, σ² = 0, as in ref
				mu = sum32(xr) / n
				v = float64(sumSqDev(xr, mu)) / float64(cols)
			}
			rs := float32(1 / math.Sqrt(v+eps))
			mean[r], rstd[r] = mu, rs
			lnAffine(y[r*cols:(r+1)*cols], xr, gamma, beta, mu, rs)
		}
	})
}

// LayerNormBackward computes the gradients of LayerNorm from dy, the saved
// input x, mean and rstd, and γ. With x̂ = (x − μ)·rstd and g = dy ⊙ γ:
//
//	dx[r,c] = rstd·(g[r,c] − mean_c(g[r,:]) − x̂[r,c]·mean_c(g[r,:] ⊙ x̂[r,:]))
//	dγ[c]   = Σ_r dy[r,c]·x̂[r,c]
//	dβ[c]   = Σ_r dy[r,c]
//
// dx is parallel over rows. dγ and dβ are parallel over column blocks:
// each block sums its rows in order in float32 over runs of lnFlushRows
// rows, then adds each run into float64 accumulators, so the result is
// independent of the thread count and keeps float64-like accuracy over
// hundreds of thousands of rows. dx may be dy.
func LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma []float32, rows, cols int) {
	const op = "cpu.LayerNormBackward"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dy", len(dy), rows*cols)
	kernels.CheckLen(op, "dx", len(dx), rows*cols)
	kernels.CheckLen(op, "mean", len(mean), rows)
	kernels.CheckLen(op, "rstd", len(rstd), rows)
	kernels.CheckLen(op, "gamma", len(gamma), cols)
	kernels.CheckLen(op, "dgamma", len(dgamma), cols)
	kernels.CheckLen(op, "dbeta", len(dbeta), cols)
	// The parameter gradients read dy, so they come first in case dx is dy.
	layerNormParamGrads(dgamma, dbeta, dy, x, mean, rstd, rows, cols)
	inv := 1 / float32(cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			dyr, xr := dy[o:o+cols], x[o:o+cols]
			sg, sgx := lnBwdSums(dyr, xr, gamma, mean[r], rstd[r])
			lnBwdDx(dx[o:o+cols], dyr, xr, gamma, mean[r], rstd[r], sg*inv, sgx*inv)
		}
	})
}

// lnFlushRows is how many rows the float32 column accumulators of
// layerNormParamGrads take before they are added into float64.
const lnFlushRows = 64

// layerNormParamGrads sets dgamma[c] = Σ_r dy[r,c]·x̂[r,c] and
// dbeta[c] = Σ_r dy[r,c] (see LayerNormBackward for the order).
func layerNormParamGrads(dgamma, dbeta, dy, x, mean, rstd []float32, rows, cols int) {
	parallelFor(cols, 64, func(lo, hi int) {
		w := hi - lo
		accG, accB := make([]float32, w), make([]float32, w)
		totG, totB := make([]float64, w), make([]float64, w)
		for r0 := 0; r0 < rows; r0 += lnFlushRows {
			for r := r0; r < min(r0+lnFlushRows, rows); r++ {
				o := r*cols + lo
				lnColAcc(accG, accB, dy[o:o+w], x[o:o+w], mean[r], rstd[r])
			}
			for c := range w {
				totG[c] += float64(accG[c])
				totB[c] += float64(accB[c])
				accG[c], accB[c] = 0, 0
			}
		}
		for c := range w {
			dgamma[lo+c] = float32(totG[c])
			dbeta[lo+c] = float32(totB[c])
		}
	})
}

// sumSqDevGeneric returns Σ (x[i] − mean)² in four float32 accumulators.
func sumSqDevGeneric(x []float32, mean float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := x[i]-mean, x[i+1]-mean, x[i+2]-mean, x[i+3]-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - mean
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// lnAffineGeneric sets y[i] = (x[i] − mean)·rstd·γ[i] + β[i].
func lnAffineGeneric(y, x, gamma, beta []float32, mean, rstd float32) {
	x, gamma, beta = x[:len(y)], gamma[:len(y)], beta[:len(y)]
	for i, v := range x {
		y[i] = (v-mean)*rstd*gamma[i] + beta[i]
	}
}

// lnBwdSumsGeneric returns Σ g and Σ g·x̂ with g = dy·γ, x̂ = (x − mean)·rstd.
func lnBwdSumsGeneric(dy, x, gamma []float32, mean, rstd float32) (sg, sgx float32) {
	x, gamma = x[:len(dy)], gamma[:len(dy)]
	var a0, a1, b0, b1 float32
	i := 0
	for ; i+2 <= len(dy); i += 2 {
		g0, g1 := dy[i]*gamma[i], dy[i+1]*gamma[i+1]
		a0 += g0
		a1 += g1
		b0 += g0 * ((x[i] - mean) * rstd)
		b1 += g1 * ((x[i+1] - mean) * rstd)
	}
	for ; i < len(dy); i++ {
		g := dy[i] * gamma[i]
		a0 += g
		b0 += g * ((x[i] - mean) * rstd)
	}
	return a0 + a1, b0 + b1
}

// lnBwdDxGeneric sets dx[i] = rstd·(dy[i]·γ[i] − a − x̂[i]·b).
func lnBwdDxGeneric(dx, dy, x, gamma []float32, mean, rstd, a, b float32) {
	dy, x, gamma = dy[:len(dx)], x[:len(dx)], gamma[:len(dx)]
	for i := range dx {
		xh := (x[i] - mean) * rstd
		dx[i] = rstd * (dy[i]*gamma[i] - a - xh*b)
	}
}

// lnColAccGeneric adds one row's terms: accG[i] += dy[i]·x̂[i], accB[i] += dy[i].
func lnColAccGeneric(accG, accB, dy, x []float32, mean, rstd float32) {
	accB, dy, x = accB[:len(accG)], dy[:len(accG)], x[:len(accG)]
	for i, d := range dy {
		accG[i] += d * ((x[i] - mean) * rstd)
		accB[i] += d
	}
}
