package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Softmax normalises each row of a rows×cols matrix into probabilities:
//
//	y[r,k] = e^{x[r,k]−m_r} / Σ_j e^{x[r,j]−m_r},  m_r = max_j x[r,j].
//
// Subtracting the row maximum changes nothing mathematically and keeps
// every exponent ≤ 0, so nothing overflows. The backward is
// SoftmaxBackward.
func Softmax[T Float](y, x []T, rows, cols int) {
	const op = "ref.Softmax"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	e := make([]float64, cols)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		_, sum := expShifted(e, xr)
		for k := range cols {
			y[r*cols+k] = T(e[k] / sum)
		}
	}
}

// expShifted sets e[k] = exp(x[k] − m) with m = max x, and returns m and
// Σ e[k].
func expShifted[T Float](e []float64, x []T) (m, sum float64) {
	m = math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	for k, v := range x {
		e[k] = math.Exp(float64(v) - m)
		sum += e[k]
	}
	return m, sum
}

// SoftmaxBackward computes the gradient of Softmax from its output y and
// the output gradient dy, row by row:
//
//	dx[r,k] = y[r,k]·(dy[r,k] − Σ_j dy[r,j]·y[r,j]).
//
// (The Jacobian is diag(y) − y·yᵀ.)
func SoftmaxBackward[T Float](dx, y, dy []T, rows, cols int) {
	const op = "ref.SoftmaxBackward"
	kernels.CheckRows(op, "dx", len(dx), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckRows(op, "dy", len(dy), rows, cols)
	for r := range rows {
		o := r * cols
		var dot float64
		for k := range cols {
			dot += float64(dy[o+k]) * float64(y[o+k])
		}
		for k := range cols {
			dx[o+k] = T(float64(y[o+k]) * (float64(dy[o+k]) - dot))
		}
	}
}

// LogSoftmax computes the logarithm of Softmax row by row, without
// forming the probabilities:
//
//	y[r,k] = x[r,k] − m_r − log Σ_j e^{x[r,j]−m_r},  m_r = max_j x[r,j].
//
// The backward is LogSoftmaxBackward.
func LogSoftmax[T Float](y, x []T, rows, cols int) {
	const op = "ref.LogSoftmax"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	e := make([]float64, cols)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		m, sum := expShifted(e, xr)
		lse := m + math.Log(sum)
		for k, v := range xr {
			y[r*cols+k] = T(float64(v) - lse)
		}
	}
}

// LogSoftmaxBackward computes the gradient of LogSoftmax from its output y
// and the output gradient dy, row by row:
//
//	dx[r,k] = dy[r,k] − e^{y[r,k]}·Σ_j dy[r,j]
//
// (e^{y} is the softmax; the Jacobian is I − 1·softmaxᵀ).
func LogSoftmaxBackward[T Float](dx, y, dy []T, rows, cols int) {
	const op = "ref.LogSoftmaxBackward"
	kernels.CheckRows(op, "dx", len(dx), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckRows(op, "dy", len(dy), rows, cols)
	for r := range rows {
		o := r * cols
		var sum float64
		for k := range cols {
			sum += float64(dy[o+k])
		}
		for k := range cols {
			dx[o+k] = T(float64(dy[o+k]) - math.Exp(float64(y[o+k]))*sum)
		}
	}
}

// LayerNorm normalises each row of a rows×cols matrix and applies a
// per-column affine map (PyTorch nn.LayerNorm over the last axis):
//
//	μ_r = (1/cols)·Σ_k x[r,k]
//	σ²_r = (1/cols)·Σ_k (x[r,k] − μ_r)²          (biased variance)
//	rstd_r = 1/√(σ²_r + eps)
//	y[r,k] = (x[r,k] − μ_r)·rstd_r·γ[k] + β[k]
//
// mean and rstd (length rows) receive μ and rstd for the backward, which
// is LayerNormBackward. The variance is computed in two passes (mean, then
// squared deviations) so that it cannot go negative. A row of zero columns
// gets μ = 0 and rstd = 1/√eps.
func LayerNorm[T Float](y, mean, rstd, x, gamma, beta []T, rows, cols int, eps float64) {
	const op = "ref.LayerNorm"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckLen(op, "mean", len(mean), rows)
	kernels.CheckLen(op, "rstd", len(rstd), rows)
	kernels.CheckLen(op, "gamma", len(gamma), cols)
	kernels.CheckLen(op, "beta", len(beta), cols)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		var mu, variance float64
		if cols > 0 {
			for _, v := range xr {
				mu += float64(v)
			}
			mu /= float64(cols)
			for _, v := range xr {
				d := float64(v) - mu
				variance += d * d
			}
			variance /= float64(cols)
		}
		rs := 1 / math.Sqrt(variance+eps)
		for k, v := range xr {
			y[r*cols+k] = T((float64(v)-mu)*rs*float64(gamma[k]) + float64(beta[k]))
		}
		mean[r], rstd[r] = T(mu), T(rs)
	}
}

// LayerNormBackward computes the gradients of LayerNorm from the output
// gradient dy, the input x and the saved mean and rstd. With
// x̂ = (x − μ)·rstd and g = dy ⊙ γ, per row:
//
//	dx = rstd·(g − mean_k(g) − x̂·mean_k(g ⊙ x̂))
//	dγ[k] = Σ_r dy[r,k]·x̂[r,k]
//	dβ[k] = Σ_r dy[r,k]
//
// dgamma and dbeta are overwritten, not accumulated into.
func LayerNormBackward[T Float](dx, dgamma, dbeta, dy, x, mean, rstd, gamma []T, rows, cols int) {
	const op = "ref.LayerNormBackward"
	kernels.CheckRows(op, "dx", len(dx), rows, cols)
	kernels.CheckRows(op, "dy", len(dy), rows, cols)
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dgamma", len(dgamma), cols)
	kernels.CheckLen(op, "dbeta", len(dbeta), cols)
	kernels.CheckLen(op, "mean", len(mean), rows)
	kernels.CheckLen(op, "rstd", len(rstd), rows)
	kernels.CheckLen(op, "gamma", len(gamma), cols)
	dg := make([]float64, cols)
	db := make([]float64, cols)
	xhat := make([]float64, cols)
	g := make([]float64, cols)
	for r := range rows {
		o := r * cols
		mu, rs := float64(mean[r]), float64(rstd[r])
		var meanG, meanGX float64
		for k := range cols {
			d := float64(dy[o+k])
			xhat[k] = (float64(x[o+k]) - mu) * rs
			g[k] = d * float64(gamma[k])
			meanG += g[k]
			meanGX += g[k] * xhat[k]
			dg[k] += d * xhat[k]
			db[k] += d
		}
		meanG /= float64(cols)
		meanGX /= float64(cols)
		for k := range cols {
			dx[o+k] = T(rs * (g[k] - meanG - xhat[k]*meanGX))
		}
	}
	for k := range cols {
		dgamma[k], dbeta[k] = T(dg[k]), T(db[k])
	}
}
