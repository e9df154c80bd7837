package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// Attention queues scaled dot-product attention for p.BH independent
// (batch×head) problems (ref.Attention). Per problem, with Q (SQ×HD) and
// K, V (SK×HD):
//
//	S = scale·Q·Kᵀ,  P = softmax(S) row by row (saved in probs),  out = P·V
//
// Unfused: one strided batched Gemm for S (into a pooled scratch buffer of
// BH·SQ·SK floats), Softmax over the BH·SQ rows into probs, and one batched
// Gemm for out. No mask, no dropout. out and probs must be distinct from
// each other and from q, k, v.
//
// Backward: AttentionBackward.
func (d *Device) Attention(p kernels.Attention, out, probs, q, k, v *Buffer) error {
	const op = "gpu.Attention"
	names := []string{"out", "probs", "q", "k", "v"}
	d.checkBuffers(op, names, out, probs, q, k, v)
	p.Check(op, q.n, k.n, v.n, out.n, probs.n)
	for _, in := range []int{2, 3, 4} {
		checkDistinct(op, []string{"out", names[in]}, out, []*Buffer{q, k, v}[in-2])
		checkDistinct(op, []string{"probs", names[in]}, probs, []*Buffer{q, k, v}[in-2])
	}
	checkDistinct(op, names[:2], out, probs)
	if p.BH == 0 || p.SQ == 0 {
		return nil
	}
	scores, err := d.Alloc(p.BH * p.SQ * p.SK)
	if err != nil {
		return err
	}
	defer scores.Release()
	if err := d.Gemm(kernels.Gemm{M: p.SQ, N: p.SK, K: p.HD, TransB: true, Alpha: p.Scale, Batch: p.BH}, q, k, scores); err != nil {
		return err
	}
	if err := d.Softmax(probs, scores, p.BH*p.SQ, p.SK); err != nil {
		return err
	}
	return d.Gemm(kernels.Gemm{M: p.SQ, N: p.HD, K: p.SK, Alpha: 1, Batch: p.BH}, probs, v, out)
}

// AttentionBackward queues the gradients of Attention from the output
// gradient dout, the inputs and the saved probabilities P = probs
// (ref.AttentionBackward). Per problem:
//
//	dV = Pᵀ·dO
//	dP = dO·Vᵀ
//	dS = P ⊙ (dP − rowsum(dP ⊙ P))      (SoftmaxBackward over BH·SQ rows)
//	dQ = scale·dS·K
//	dK = scale·dSᵀ·Q
//
// Four batched Gemm calls and one row kernel, with dP and dS in pooled
// scratch buffers of BH·SQ·SK floats each. dq, dk and dv are overwritten and
// must be distinct from each other and from the inputs.
func (d *Device) AttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs *Buffer) error {
	const op = "gpu.AttentionBackward"
	names := []string{"dq", "dk", "dv", "dout", "q", "k", "v", "probs"}
	all := []*Buffer{dq, dk, dv, dout, q, k, v, probs}
	d.checkBuffers(op, names, all...)
	p.Check(op, q.n, k.n, v.n, dout.n, probs.n)
	p.Check(op, dq.n, dk.n, dv.n, dout.n, -1)
	for i := range 3 {
		for j := i + 1; j < len(all); j++ {
			checkDistinct(op, []string{names[i], names[j]}, all[i], all[j])
		}
	}
	if p.BH == 0 {
		return nil
	}
	n := p.BH * p.SQ * p.SK
	dp, err := d.Alloc(n)
	if err != nil {
		return err
	}
	defer dp.Release()
	ds, err := d.Alloc(n)
	if err != nil {
		return err
	}
	defer ds.Release()
	steps := []func() error{
		func() error { // dV = Pᵀ·dO
			return d.Gemm(kernels.Gemm{TransA: true, M: p.SK, N: p.HD, K: p.SQ, Alpha: 1, Batch: p.BH}, probs, dout, dv)
		},
		func() error { // dP = dO·Vᵀ
			return d.Gemm(kernels.Gemm{TransB: true, M: p.SQ, N: p.SK, K: p.HD, Alpha: 1, Batch: p.BH}, dout, v, dp)
		},
		func() error { // dS = P ⊙ (dP − rowsum(dP ⊙ P))
			return d.SoftmaxBackward(ds, probs, dp, p.BH*p.SQ, p.SK)
		},
		func() error { // dQ = scale·dS·K
			return d.Gemm(kernels.Gemm{M: p.SQ, N: p.HD, K: p.SK, Alpha: p.Scale, Batch: p.BH}, ds, k, dq)
		},
		func() error { // dK = scale·dSᵀ·Q
			return d.Gemm(kernels.Gemm{TransA: true, M: p.SK, N: p.HD, K: p.SQ, Alpha: p.Scale, Batch: p.BH}, ds, q, dk)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
