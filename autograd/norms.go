package autograd

import "github.com/gocx/gocx/tensor"

// L2Normalize returns y = x / max(‖x‖₂, eps) row-wise (the DINO head's
// bottleneck normalisation). With n = ‖x‖:
//
//	dx = (dy − y·(y·dy)) / n   when n > eps,   dx = dy / eps otherwise.
func (tp *Tape) L2Normalize(x *Var, eps float64) *Var {
	y, norm := tensor.L2Normalize(x.Value, eps)
	out := tp.record("L2Normalize", y, []*Var{x}, []*tensor.Tensor{norm}, nil)
	if out.node != nil {
		out.node.backward = func(dy *tensor.Tensor) {
			grad(x, tensor.L2NormalizeBackward(dy, out.Value, norm, eps))
		}
	}
	return out
}

// WeightNorm returns W with rows W[k,:] = g[k]·v[k,:]/‖v[k,:]‖ (PyTorch's
// weight_norm with dim=0; g may be (K) or (K, 1)). With v̂ = v/‖v‖:
//
//	dg[k] = dW[k,:]·v̂[k,:],   dv[k,:] = (g[k]/‖v[k,:]‖)·(dW[k,:] − dg[k]·v̂[k,:])
func (tp *Tape) WeightNorm(g, v *Var) *Var {
	w, norm := tensor.WeightNorm(g.Value, v.Value)
	return tp.record("WeightNorm", w, []*Var{g, v}, []*tensor.Tensor{norm}, func(dw *tensor.Tensor) {
		dg, dv := tensor.WeightNormBackward(dw, g.Value, v.Value, norm)
		grad(g, dg)
		grad(v, dv)
	})
}
