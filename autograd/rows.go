package autograd

import "github.com/gocx/gocx/tensor"

// LayerNorm normalises x over its last axis with affine γ, β:
//
//	μ = mean(x), rstd = 1/√(mean((x−μ)²) + eps), x̂ = (x−μ)·rstd, y = x̂·γ + β
//
// Backward (per row, n = row length, g = dy⊙γ):
//
//	dx = rstd·(g − mean(g) − x̂·mean(g⊙x̂)),  dγ = Σ_rows dy⊙x̂,  dβ = Σ_rows dy
//
// μ and rstd are saved from the forward.
func (tp *Tape) LayerNorm(x, gamma, beta *Var, eps float64) *Var {
	y, mean, rstd := tensor.LayerNorm(x.Value, gamma.Value, beta.Value, eps)
	return tp.record("LayerNorm", y, []*Var{x, gamma, beta}, []*tensor.Tensor{mean, rstd}, func(dy *tensor.Tensor) {
		dx, dg, db := tensor.LayerNormBackward(dy, x.Value, mean, rstd, gamma.Value)
		grad(x, dx)
		grad(gamma, dg)
		grad(beta, db)
	})
}

// Softmax returns y = softmax(x) over the last axis.
// Backward: dx = y⊙(dy − Σ dy⊙y).
func (tp *Tape) Softmax(x *Var) *Var {
	y := tensor.Softmax(x.Value)
	out := tp.record("Softmax", y, []*Var{x}, nil, nil)
	if out.node != nil {
		out.node.backward = func(dy *tensor.Tensor) { grad(x, tensor.SoftmaxBackward(out.Value, dy)) }
	}
	return out
}

// LogSoftmax returns y = x − log Σ eˣ over the last axis.
// Backward: dx = dy − e^y·Σ dy.
func (tp *Tape) LogSoftmax(x *Var) *Var {
	y := tensor.LogSoftmax(x.Value)
	out := tp.record("LogSoftmax", y, []*Var{x}, nil, nil)
	if out.node != nil {
		out.node.backward = func(dy *tensor.Tensor) { grad(x, tensor.LogSoftmaxBackward(out.Value, dy)) }
	}
	return out
}
