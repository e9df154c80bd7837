package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// L2Normalize scales each row of x (rows×cols) to unit Euclidean norm, as
// PyTorch's F.normalize(x, dim=-1, p=2, eps):
//
//	n_r = ‖x[r,:]‖₂,  y[r,:] = x[r,:] / max(n_r, eps),  norm[r] = n_r.
//
// norm keeps the unclamped n_r for the backward. y may be x.
//
// Backward: L2NormalizeBackward.
func L2Normalize(y, norm, x []float32, rows, cols int, eps float64) {
	const op = "cpu.L2Normalize"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "y", len(y), rows*cols)
	kernels.CheckLen(op, "norm", len(norm), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*cols : (r+1)*cols]
			n := math.Sqrt(dotRuns(xr, xr))
			scaleRow(y[r*cols:(r+1)*cols], xr, float32(1/max(n, eps)))
			norm[r] = float32(n)
		}
	})
}

// L2NormalizeBackward is the gradient of L2Normalize given dy, its output y
// and the saved norms n = norm[r]:
//
//	if n > eps:  dx = (dy − y·(y·dy)) / n   (the projection of dy off y)
//	else:        dx = dy / eps               (the clamp is a constant)
//
// dx may be dy.
func L2NormalizeBackward(dx, dy, y, norm []float32, rows, cols int, eps float64) {
	const op = "cpu.L2NormalizeBackward"
	kernels.CheckRows(op, "y", len(y), rows, cols)
	kernels.CheckLen(op, "dy", len(dy), rows*cols)
	kernels.CheckLen(op, "dx", len(dx), rows*cols)
	kernels.CheckLen(op, "norm", len(norm), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			yr, dyr, dxr := y[o:o+cols], dy[o:o+cols], dx[o:o+cols]
			n := float64(norm[r])
			if !(n > eps) {
				scaleRow(dxr, dyr, float32(1/eps))
				continue
			}
			d, inv := float32(dotRuns(yr, dyr)), float32(1/n)
			for k, v := range yr {
				dxr[k] = (dyr[k] - v*d) * inv
			}
		}
	})
}

// WeightNorm builds the weight of a weight-normalised layer
// (torch.nn.utils.weight_norm, dim=0, as in the DINO head's last layer)
// from a direction v (rows×cols) and a per-row magnitude g:
//
//	norm[k] = ‖v[k,:]‖₂,  w[k,:] = g[k]·v[k,:]/norm[k].
//
// A zero row of v gives NaN, as in PyTorch. w may be v.
//
// Backward: WeightNormBackward.
func WeightNorm(w, norm, g, v []float32, rows, cols int) {
	const op = "cpu.WeightNorm"
	kernels.CheckRows(op, "v", len(v), rows, cols)
	kernels.CheckLen(op, "w", len(w), rows*cols)
	kernels.CheckLen(op, "g", len(g), rows)
	kernels.CheckLen(op, "norm", len(norm), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			vr := v[r*cols : (r+1)*cols]
			n := math.Sqrt(dotRuns(vr, vr))
			scaleRow(w[r*cols:(r+1)*cols], vr, float32(float64(g[r])/n))
			norm[r] = float32(n)
		}
	})
}

// WeightNormBackward computes the gradients of WeightNorm from dw, g, v
// and the saved norms. With v̂ = v[k,:]/‖v[k,:]‖:
//
//	dg[k]   = dw[k,:]·v̂
//	dv[k,:] = (g[k]/‖v[k,:]‖)·(dw[k,:] − (dw[k,:]·v̂)·v̂).
//
// dv may be dw.
func WeightNormBackward(dg, dv, dw, g, v, norm []float32, rows, cols int) {
	const op = "cpu.WeightNormBackward"
	kernels.CheckRows(op, "v", len(v), rows, cols)
	kernels.CheckLen(op, "dw", len(dw), rows*cols)
	kernels.CheckLen(op, "dv", len(dv), rows*cols)
	kernels.CheckLen(op, "dg", len(dg), rows)
	kernels.CheckLen(op, "g", len(g), rows)
	kernels.CheckLen(op, "norm", len(norm), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			vr, dwr, dvr := v[o:o+cols], dw[o:o+cols], dv[o:o+cols]
			n := float64(norm[r])
			proj := dotRuns(dwr, vr) / n // dw·v̂
			dg[r] = float32(proj)
			s, pv := float32(float64(g[r])/n), float32(proj/n) // v̂ = v/n
			for k, x := range vr {
				dvr[k] = s * (dwr[k] - pv*x)
			}
		}
	})
}

// dotRuns returns Σ a[i]·b[i]: float32 dot products over runs of sumRun
// elements, added in float64.
func dotRuns(a, b []float32) float64 {
	var s float64
	for i := 0; i < len(a); i += sumRun {
		e := min(i+sumRun, len(a))
		s += float64(dot32(a[i:e], b[i:e]))
	}
	return s
}
