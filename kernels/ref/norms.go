package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// L2Normalize scales each row of a rows×cols matrix to unit Euclidean
// norm (PyTorch F.normalize(x, dim=-1, p=2, eps)):
//
//	n_r = ‖x[r,:]‖₂,  y[r,:] = x[r,:] / max(n_r, eps),  norm[r] = n_r.
//
// norm keeps the unclamped n_r for the backward, L2NormalizeBackward.
func L2Normalize[T Float](y, norm, x []T, rows, cols int, eps float64) {
	const op = "ref.L2Normalize"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckLen(op, "norm", len(norm), rows)
	for r := range rows {
		xr := x[r*cols : (r+1)*cols]
		n := rowNorm(xr)
		d := max(n, eps)
		for k, v := range xr {
			y[r*cols+k] = T(float64(v) / d)
		}
		norm[r] = T(n)
	}
}

// rowNorm returns the Euclidean norm of x, accumulated in float64.
func rowNorm[T Float](x []T) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// L2NormalizeBackward computes the gradient of L2Normalize from the output
// gradient dy, the output y and the saved norms n = norm[r]:
//
//	if n > eps:  dx = (dy − y·(y·dy)) / n      (y = x/n; projection off y)
//	else:        dx = dy / eps                  (the clamp is a constant)
func L2NormalizeBackward[T Float](dx, dy, y, norm []T, rows, cols int, eps float64) {
	const op = "ref.L2NormalizeBackward"
	kernels.CheckRows(op, "dx", len(dx), rows, cols)
	kernels.CheckRows(op, "dy", len(dy), rows, cols)
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckLen(op, "norm", len(norm), rows)
	for r := range rows {
		o := r * cols
		n := float64(norm[r])
		if !(n > eps) {
			for k := range cols {
				dx[o+k] = T(float64(dy[o+k]) / eps)
			}
			continue
		}
		var dot float64
		for k := range cols {
			dot += float64(y[o+k]) * float64(dy[o+k])
		}
		for k := range cols {
			dx[o+k] = T((float64(dy[o+k]) - float64(y[o+k])*dot) / n)
		}
	}
}

// WeightNorm builds the rows×cols weight of a weight-normalised layer
// (torch.nn.utils.weight_norm with dim=0, as in the DINO head's last
// layer) from a direction v and a per-row magnitude g:
//
//	norm[k] = ‖v[k,:]‖₂,  w[k,:] = g[k]·v[k,:]/norm[k].
//
// A zero row of v gives NaN, as in PyTorch. The backward is
// WeightNormBackward.
func WeightNorm[T Float](w, norm, g, v []T, rows, cols int) {
	const op = "ref.WeightNorm"
	kernels.CheckRows(op, "v", len(v), rows, cols)
	kernels.CheckRows(op, "w", len(w), rows, cols)
	kernels.CheckLen(op, "g", len(g), rows)
	kernels.CheckLen(op, "norm", len(norm), rows)
	for r := range rows {
		vr := v[r*cols : (r+1)*cols]
		n := rowNorm(vr)
		s := float64(g[r]) / n
		for k, x := range vr {
			w[r*cols+k] = T(s * float64(x))
		}
		norm[r] = T(n)
	}
}

// WeightNormBackward computes the gradients of WeightNorm from the weight
// gradient dw, g, v and the saved row norms. With v̂ = v[k,:]/‖v[k,:]‖:
//
//	dg[k] = dw[k,:]·v̂
//	dv[k,:] = (g[k]/‖v[k,:]‖)·(dw[k,:] − (dw[k,:]·v̂)·v̂)
func WeightNormBackward[T Float](dg, dv, dw, g, v, norm []T, rows, cols int) {
	const op = "ref.WeightNormBackward"
	kernels.CheckRows(op, "dv", len(dv), rows, cols)
	kernels.CheckRows(op, "dw", len(dw), rows, cols)
	kernels.CheckRows(op, "v", len(v), rows, cols)
	kernels.CheckLen(op, "dg", len(dg), rows)
	kernels.CheckLen(op, "g", len(g), rows)
	kernels.CheckLen(op, "norm", len(norm), rows)
	for r := range rows {
		o := r * cols
		n := float64(norm[r])
		var dot float64 // dw·v̂
		for k := range cols {
			dot += float64(dw[o+k]) * float64(v[o+k]) / n
		}
		s := float64(g[r]) / n
		for k := range cols {
			dv[o+k] = T(s * (float64(dw[o+k]) - dot*float64(v[o+k])/n))
		}
		dg[r] = T(dot)
	}
}
