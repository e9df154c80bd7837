package cxformer

import (
	"math"
	"os"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// stepFusion turns on the step-level fusions of a block (issue 7): the
// MLP's fc1 bias and GELU in the GEMM's store (Tape.LinearGelu), and each
// residual add (with LayerScale) fused with the LayerNorm that follows it
// (Tape.AddScaledLayerNorm). GOCX_FUSION=off turns them off, for
// benchmarks and for bisecting a difference.
var stepFusion = os.Getenv("GOCX_FUSION") != "off"

// fusedNorm returns the LayerNorm that follows block i (the next block's
// norm1, or the final norm) when block i computes it fused with its last
// residual add, else nil: fusion must be on, and neither block i nor the
// next one may use drop path (the next block would run its branch on a
// subset of the samples, not on the normed sequence as given).
func (v *ViT) fusedNorm(i int, dp dropPath, rng *tensor.RNG) *nn.LayerNorm {
	if !stepFusion || dp.rate > 0 {
		return nil
	}
	if i+1 == len(v.Blocks) {
		return v.Norm
	}
	if v.dropPath(i+1, rng).rate > 0 {
		return nil
	}
	return v.Blocks[i+1].Norm1
}

// forward runs one block on seq (B, S, D):
//
//	y = x + DropPath(LS1 ⊙ Attn(LN1(x))),  z = y + DropPath(LS2 ⊙ MLP(LN2(y)))
//
// Without drop path and with fusion on, LN1(x) may come precomputed in
// normed, each residual add is fused with the LayerNorm after it (LN2,
// then next when not nil), and the block also returns zn = next(z);
// otherwise zn is nil. With wantAttn it also returns the CLS row of the
// attention over the patch tokens (from column firstPatch on), computed
// without gradient.
func (b *Block) forward(tp *autograd.Tape, seq, normed *autograd.Var, next *nn.LayerNorm, wantAttn bool, firstPatch int,
	dp dropPath) (z, zn *autograd.Var, attnMap *tensor.Tensor) {
	if stepFusion && dp.rate <= 0 {
		return b.forwardFused(tp, seq, normed, next, wantAttn, firstPatch)
	}
	seq = dp.residual(tp, seq, func(x *autograd.Var) *autograd.Var {
		var o *autograd.Var
		o, attnMap = b.attention(tp, b.Norm1.Forward(tp, x), wantAttn && attnMap == nil, firstPatch)
		return b.layerScale(tp, o, b.LS1)
	})
	seq = dp.residual(tp, seq, func(x *autograd.Var) *autograd.Var {
		return b.layerScale(tp, b.mlp(tp, b.Norm2.Forward(tp, x)), b.LS2)
	})
	return seq, nil, attnMap
}

// forwardFused is forward without drop path, with the residual adds fused
// into the LayerNorms that follow them.
func (b *Block) forwardFused(tp *autograd.Tape, seq, normed *autograd.Var, next *nn.LayerNorm, wantAttn bool,
	firstPatch int) (z, zn *autograd.Var, attnMap *tensor.Tensor) {
	if normed == nil {
		normed = b.Norm1.Forward(tp, seq)
	}
	o, attnMap := b.attention(tp, normed, wantAttn, firstPatch)
	y, h := tp.AddScaledLayerNorm(seq, o, b.LS1, b.Norm2.W, b.Norm2.B, b.Norm2.Eps)
	m := b.mlp(tp, h)
	if next == nil {
		return tp.Add(y, b.layerScale(tp, m, b.LS2)), nil, attnMap
	}
	z, zn = tp.AddScaledLayerNorm(y, m, b.LS2, next.W, next.B, next.Eps)
	return z, zn, attnMap
}

// layerScale returns gamma ⊙ x, or x without LayerScale (gamma nil).
func (b *Block) layerScale(tp *autograd.Tape, x, gamma *autograd.Var) *autograd.Var {
	if gamma == nil {
		return x
	}
	return tp.ScaleCols(x, gamma)
}

// mlp is fc2(GELU(fc1(h))); with fusion on, fc1's bias and the GELU are
// applied in fc1's GEMM.
func (b *Block) mlp(tp *autograd.Tape, h *autograd.Var) *autograd.Var {
	if stepFusion {
		return b.FC2.Forward(tp, tp.LinearGelu(h, b.FC1.W, b.FC1.B))
	}
	return b.FC2.Forward(tp, tp.Gelu(b.FC1.Forward(tp, h)))
}

// attention is the attention of the block's first residual branch on the
// normed sequence h (B, S, D), up to the output projection (LayerScale is
// the caller's).
func (b *Block) attention(tp *autograd.Tape, h *autograd.Var, wantAttn bool, firstPatch int) (*autograd.Var, *tensor.Tensor) {
	s := h.Shape()
	bsz, sl, d := s[0], s[1], s[2]
	hd := d / b.heads

	qkv := b.QKV.Forward(tp, h)                                               // (B, S, 3D)
	qkv = tp.Permute(tp.Reshape(qkv, bsz, sl, 3, b.heads, hd), 2, 0, 3, 1, 4) // (3, B, H, S, hd)
	q := tp.Reshape(tp.Slice(qkv, 0, 0, 1), bsz*b.heads, sl, hd)
	k := tp.Reshape(tp.Slice(qkv, 0, 1, 2), bsz*b.heads, sl, hd)
	v := tp.Reshape(tp.Slice(qkv, 0, 2, 3), bsz*b.heads, sl, hd)
	scale := 1 / math.Sqrt(float64(hd))
	var attnMap *tensor.Tensor
	if wantAttn {
		attnMap = clsAttention(q.Value, k.Value, v.Value, scale, bsz, b.heads, firstPatch)
	}
	o := tp.Attention(q, k, v, scale) // (B·H, S, hd)
	o = tp.Reshape(tp.Permute(tp.Reshape(o, bsz, b.heads, sl, hd), 0, 2, 1, 3), bsz, sl, d)
	return b.Proj.Forward(tp, o), attnMap
}
