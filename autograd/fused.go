package autograd

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

// LinearGelu returns y = GELU(x·Wᵀ + b) (exact GELU) for x (..., in),
// W (out, in), b (out) or nil: Linear then Gelu, computed by one GEMM whose
// store adds the bias and applies the GELU. The pre-activation h is saved.
//
// Backward, with rows = the product of x's leading axes:
//
//	dh = dy ⊙ (Φ(h) + h·φ(h))     (GeluBackward)
//	dx = dh·W,  dW += dhᵀ·x,  db += Σ_rows dh
func (tp *Tape) LinearGelu(x, w, b *Var) *Var {
	var bv *tensor.Tensor
	inputs := []*Var{x, w}
	if b != nil {
		bv = b.Value
		inputs = append(inputs, b)
	}
	if !tp.needGrad(inputs) {
		// Nothing will run the backward (a teacher forward, an evaluation):
		// skip storing the pre-activation.
		return tp.record("LinearGelu", tensor.LinearGeluOutput(x.Value, w.Value, bv), inputs, nil, nil)
	}
	h, y := tensor.LinearGelu(x.Value, w.Value, bv)
	return tp.record("LinearGelu", y, inputs, []*tensor.Tensor{h}, func(dy *tensor.Tensor) {
		dh := tensor.GeluBackward(h, dy)
		defer dh.Release()
		out, in := w.Value.Dim(0), w.Value.Dim(1)
		rows := dh.Numel() / max(out, 1)
		if x.requiresGrad {
			dx := tensor.Empty(dh.Device(), x.Shape()...)
			tensor.Gemm(kernels.Gemm{M: rows, N: in, K: out, Alpha: 1}, dh, w.Value, dx)
			grad(x, dx)
		}
		if w.requiresGrad {
			gemmGrad(w, kernels.Gemm{TransA: true, M: out, N: in, K: rows, Alpha: 1}, dh, x.Value)
		}
		if b != nil && b.requiresGrad {
			grad(b, tensor.SumRows(dh))
		}
	})
}

// AddScaledLayerNorm is a pre-norm transformer's residual update followed
// by the next LayerNorm, fused into one pass over the rows:
//
//	s = x + γ⊙a   (s = x + a when gamma is nil; γ is LayerScale)
//	y = LayerNorm(s; lnW, lnB, eps)
//
// It returns both: s continues the residual stream, y feeds the next
// branch. It is recorded as the two operators it fuses, so the gradient of
// s from all its uses has arrived before the residual rule runs. With
// x̂ = (s − μ)·rstd, g = dy⊙lnW, and ds the total gradient of s:
//
//	ds += rstd·(g − mean(g) − x̂·mean(g⊙x̂)),  dlnW = Σ_rows dy⊙x̂,  dlnB = Σ_rows dy
//	dx = ds,  da = γ⊙ds,  dγ = Σ_rows a⊙ds
func (tp *Tape) AddScaledLayerNorm(x, a, gamma, lnW, lnB *Var, eps float64) (s, y *Var) {
	var gv *tensor.Tensor
	inputs := []*Var{x, a}
	if gamma != nil {
		gv = gamma.Value
		inputs = append(inputs, gamma)
	}
	sum, yv, mean, rstd := tensor.AddScaledLayerNorm(x.Value, a.Value, gv, lnW.Value, lnB.Value, eps)
	s = tp.record("AddScaled", sum, inputs, nil, func(ds *tensor.Tensor) {
		if x.requiresGrad {
			grad(x, ds.Clone())
		}
		if a.requiresGrad {
			if gamma != nil {
				grad(a, tensor.ScaleCols(ds, gamma.Value))
			} else {
				grad(a, ds.Clone())
			}
		}
		if gamma != nil && gamma.requiresGrad {
			grad(gamma, tensor.MulSumRows(ds, a.Value))
		}
	})
	y = tp.record("LayerNorm", yv, []*Var{s, lnW, lnB}, []*tensor.Tensor{mean, rstd}, func(dy *tensor.Tensor) {
		dx, dw, db := tensor.LayerNormBackward(dy, sum, mean, rstd, lnW.Value)
		grad(s, dx)
		grad(lnW, dw)
		grad(lnB, db)
	})
	return s, y
}
