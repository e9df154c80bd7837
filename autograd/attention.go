package autograd

import "github.com/gocx/gocx/tensor"

// Attention returns O = softmax(Q·Kᵀ·scale)·V for each of BH problems:
// q (BH, SQ, HD), k and v (BH, SK, HD). It runs the fused (flash) kernels
// when the device has them — no BH×SQ×SK probabilities in memory, the
// backward recomputes them from the saved row log-sum-exp — and the
// unfused ones otherwise; both compute the same function.
//
// Backward, with P = softmax(S), S = Q·Kᵀ·scale:
//
//	dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P⊙(dP − rowsum(dP⊙P)),
//	dQ = scale·dS·K,  dK = scale·dSᵀ·Q
//
// (the fused backward uses rowsum(dP⊙P) = rowsum(dO⊙O)).
func (tp *Tape) Attention(q, k, v *Var, scale float64) *Var {
	if tensor.HasFusedAttention(q.Value.Device(), q.Value.Dim(-1)) {
		return tp.FlashAttention(q, k, v, scale)
	}
	return tp.AttentionUnfused(q, k, v, scale)
}

// AttentionUnfused is Attention through batched GEMMs and a row softmax,
// saving the probabilities: the reference path the fused kernels are
// tested against.
func (tp *Tape) AttentionUnfused(q, k, v *Var, scale float64) *Var {
	out, probs := tensor.Attention(q.Value, k.Value, v.Value, scale)
	return tp.record("Attention", out, []*Var{q, k, v}, []*tensor.Tensor{probs}, func(dout *tensor.Tensor) {
		dq, dk, dv := tensor.AttentionBackward(dout, q.Value, k.Value, v.Value, probs, scale)
		grad(q, dq)
		grad(k, dk)
		grad(v, dv)
	})
}

// FlashAttention is Attention through the fused kernels, saving only the
// row log-sum-exp (the device must have them: tensor.HasFusedAttention).
func (tp *Tape) FlashAttention(q, k, v *Var, scale float64) *Var {
	out, lse := tensor.FlashAttention(q.Value, k.Value, v.Value, scale)
	var self *Var
	self = tp.record("FlashAttention", out, []*Var{q, k, v}, []*tensor.Tensor{lse}, func(dout *tensor.Tensor) {
		dq, dk, dv := tensor.FlashAttentionBackward(dout, q.Value, k.Value, v.Value, self.Value, lse, scale)
		grad(q, dq)
		grad(k, dk)
		grad(v, dv)
	})
	return self
}
