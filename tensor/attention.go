package tensor

import (
	"fmt"
	"os"

	"github.com/gocx/gocx/kernels"
)

// Attention returns softmax(q·kᵀ·scale)·v per (batch·head) and the
// probabilities the backward needs. q is (BH, SQ, HD), k and v are
// (BH, SK, HD); out is (BH, SQ, HD) and probs (BH, SQ, SK).
func Attention(q, k, v *Tensor, scale float64) (out, probs *Tensor) {
	const op = "tensor.Attention"
	be := sameDevice(op, q, k, v)
	p := attnParams(op, q, k, v, scale)
	out = like(op, q)
	probs = newTensor(op, q.st.dev, []int{p.BH, p.SQ, p.SK})
	be.attention(p, out.st, probs.st, q.st, k.st, v.st)
	return out, probs
}

// AttentionBackward returns dq, dk and dv given dout and the saved probs.
func AttentionBackward(dout, q, k, v, probs *Tensor, scale float64) (dq, dk, dv *Tensor) {
	const op = "tensor.AttentionBackward"
	be := sameDevice(op, dout, q, k, v, probs)
	p := attnParams(op, q, k, v, scale)
	mustSameShape(op, dout, q)
	mustShape(op, "probs", probs, p.BH, p.SQ, p.SK)
	dq, dk, dv = like(op, q), like(op, k), like(op, v)
	be.attentionBackward(p, dq.st, dk.st, dv.st, dout.st, q.st, k.st, v.st, probs.st)
	return dq, dk, dv
}

func attnParams(op string, q, k, v *Tensor, scale float64) kernels.Attention {
	if q.Rank() != 3 || k.Rank() != 3 || v.Rank() != 3 ||
		k.Dim(0) != q.Dim(0) || k.Dim(2) != q.Dim(2) || !sameShape(k, v) {
		panic(fmt.Sprintf("%s: q %s, k %s, v %s: want (BH, SQ, HD), (BH, SK, HD), (BH, SK, HD)",
			op, ShapeString(q.shape), ShapeString(k.shape), ShapeString(v.shape)))
	}
	return kernels.Attention{BH: q.Dim(0), SQ: q.Dim(1), SK: k.Dim(1), HD: q.Dim(2), Scale: scale}
}

func sameShape(a, b *Tensor) bool {
	if len(a.shape) != len(b.shape) {
		return false
	}
	for i := range a.shape {
		if a.shape[i] != b.shape[i] {
			return false
		}
	}
	return true
}

// HasFusedAttention reports whether dev runs FlashAttention (the fused
// kernel that never stores the BH×SQ×SK probabilities) for head width hd:
// on the CPU always (it is faster there), on a GPU only with
// GOCX_ATTENTION=fused (it is slower there, so far). GOCX_ATTENTION=unfused
// turns it off everywhere (for benchmarks and bisecting a difference).
func HasFusedAttention(dev Device, hd int) bool {
	return !unfusedAttention && dev.backend().fusedAttention(hd)
}

var (
	unfusedAttention = os.Getenv("GOCX_ATTENTION") == "unfused"
	fusedOnGPU       = os.Getenv("GOCX_ATTENTION") == "fused"
)

// FlashAttention returns softmax(q·kᵀ·scale)·v like Attention, computed
// blockwise with an online softmax, and the per-row log-sum-exp of the
// scaled scores (BH, SQ) that its backward needs instead of the
// probabilities.
func FlashAttention(q, k, v *Tensor, scale float64) (out, lse *Tensor) {
	const op = "tensor.FlashAttention"
	be := sameDevice(op, q, k, v)
	p := attnParams(op, q, k, v, scale)
	out = like(op, q)
	lse = newTensor(op, q.st.dev, []int{p.BH, p.SQ})
	be.flashAttention(p, out.st, lse.st, q.st, k.st, v.st)
	return out, lse
}

// FlashAttentionBackward returns dq, dk, dv for FlashAttention, recomputing
// the probabilities from q, k and the saved log-sum-exp.
func FlashAttentionBackward(dout, q, k, v, out, lse *Tensor, scale float64) (dq, dk, dv *Tensor) {
	const op = "tensor.FlashAttentionBackward"
	be := sameDevice(op, dout, q, k, v, out, lse)
	p := attnParams(op, q, k, v, scale)
	mustSameShape(op, dout, q)
	mustSameShape(op, out, q)
	mustShape(op, "lse", lse, p.BH, p.SQ)
	dq, dk, dv = like(op, q), like(op, k), like(op, v)
	be.flashAttentionBackward(p, dq.st, dk.st, dv.st, dout.st, q.st, k.st, v.st, out.st, lse.st)
	return dq, dk, dv
}
