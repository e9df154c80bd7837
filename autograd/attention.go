package autograd

import "github.com/gocx/gocx/tensor"

// Attention returns O = softmax(Q·Kᵀ·scale)·V for each of BH problems:
// q (BH, SQ, HD), k and v (BH, SK, HD). The probabilities P are saved.
//
// Backward:
//
//	dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P⊙(dP − rowsum(dP⊙P)),
//	dQ = scale·dS·K,  dK = scale·dSᵀ·Q
func (tp *Tape) Attention(q, k, v *Var, scale float64) *Var {
	out, probs := tensor.Attention(q.Value, k.Value, v.Value, scale)
	return tp.record("Attention", out, []*Var{q, k, v}, []*tensor.Tensor{probs}, func(dout *tensor.Tensor) {
		dq, dk, dv := tensor.AttentionBackward(dout, q.Value, k.Value, v.Value, probs, scale)
		grad(q, dq)
		grad(k, dk)
		grad(v, dv)
	})
}
