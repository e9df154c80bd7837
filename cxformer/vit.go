package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// ViT is the DINOv2 vision transformer with optional register tokens.
type ViT struct {
	Cfg    Config
	Dev    tensor.Device
	Params nn.Params

	ClsToken   *autograd.Var // (1, 1, D)
	PosEmbed   *autograd.Var // (1, 1+M², D)
	Registers  *autograd.Var // (1, R, D), nil when R = 0
	MaskToken  *autograd.Var // (1, D)
	PatchEmbed *nn.Linear    // weight (D, 3, P, P) used as (D, 3·P·P)
	Blocks     []*Block
	Norm       *nn.LayerNorm

	interp map[[2]int][2]*tensor.Tensor // (Hp, Wp) → (wy, wx) resampling matrices
}

// Block is one pre-norm transformer block.
type Block struct {
	Norm1, Norm2 *nn.LayerNorm
	QKV, Proj    *nn.Linear
	LS1, LS2     *autograd.Var // LayerScale gammas (D), nil without LayerScale
	FC1, FC2     *nn.Linear
	heads        int
}

// NewViT builds a ViT with DINOv2's initialisation (spec §1.6) on dev.
// The parameter order and names are those of the DINOv2 state dict.
func NewViT(cfg Config, dev tensor.Device, seed uint64) (*ViT, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(seed)
	d, m, p := cfg.EmbedDim, cfg.Grid(), cfg.PatchSize
	v := &ViT{Cfg: cfg, Dev: dev, interp: map[[2]int][2]*tensor.Tensor{}}
	ps := &v.Params
	v.ClsToken = ps.Add("cls_token", tensor.Normal(dev, rng, 1e-6, 1, 1, d))
	v.PosEmbed = ps.Add("pos_embed", tensor.TruncNormal(dev, rng, 0.02, -2, 2, 1, 1+m*m, d))
	if cfg.Registers > 0 {
		v.Registers = ps.Add("register_tokens", tensor.Normal(dev, rng, 1e-6, 1, cfg.Registers, d))
	}
	v.MaskToken = ps.Add("mask_token", tensor.Zeros(dev, 1, d))
	fan := 3 * p * p
	v.PatchEmbed = &nn.Linear{
		W: ps.Add("patch_embed.proj.weight", tensor.KaimingUniform(dev, rng, fan, d, 3, p, p)),
		B: ps.Add("patch_embed.proj.bias", tensor.KaimingUniform(dev, rng, fan, d)),
	}
	for i := 0; i < cfg.Depth; i++ {
		pre := fmt.Sprintf("blocks.%d.", i)
		b := &Block{heads: cfg.Heads}
		b.Norm1 = nn.NewLayerNorm(ps, pre+"norm1", dev, d, cfg.LayerNormEps)
		b.QKV = nn.NewLinear(ps, pre+"attn.qkv", dev, rng, d, 3*d, true, nn.InitTruncNormal02)
		b.Proj = nn.NewLinear(ps, pre+"attn.proj", dev, rng, d, d, true, nn.InitTruncNormal02)
		if cfg.LayerScaleInit != 0 {
			b.LS1 = ps.Add(pre+"ls1.gamma", tensor.Full(dev, float32(cfg.LayerScaleInit), d))
		}
		b.Norm2 = nn.NewLayerNorm(ps, pre+"norm2", dev, d, cfg.LayerNormEps)
		b.FC1 = nn.NewLinear(ps, pre+"mlp.fc1", dev, rng, d, cfg.Hidden(), true, nn.InitTruncNormal02)
		b.FC2 = nn.NewLinear(ps, pre+"mlp.fc2", dev, rng, cfg.Hidden(), d, true, nn.InitTruncNormal02)
		if cfg.LayerScaleInit != 0 {
			b.LS2 = ps.Add(pre+"ls2.gamma", tensor.Full(dev, float32(cfg.LayerScaleInit), d))
		}
		v.Blocks = append(v.Blocks, b)
	}
	v.Norm = nn.NewLayerNorm(ps, "norm", dev, d, cfg.LayerNormEps)
	return v, nil
}

// Options selects what a forward pass computes besides the final tokens.
type Options struct {
	// Masks, when non-nil, has one entry per patch token of every image
	// (B·N, row-major): non-zero entries are replaced by the mask token
	// (iBOT, student global crops).
	Masks []int32
	// LastN collects the final-normed outputs of the last n blocks.
	LastN int
	// CLSAttention computes the last block's attention of the CLS token
	// over the patch tokens, per head: (B, heads, N).
	CLSAttention bool
	// Hidden collects the pre-norm sequence after the embeddings and after
	// every block (Hugging Face's hidden_states: Depth+1 tensors).
	Hidden bool
	// DropPath, when non-nil and the config's DropPath rate is positive,
	// trains with stochastic depth drawn from this generator (the student);
	// nil is evaluation mode (the teacher, inference).
	DropPath *tensor.RNG
}

// Output is what a forward pass returns. Every Var is recorded on the tape
// it ran on.
type Output struct {
	ClsNorm   *autograd.Var // (B, D)      final-normed CLS token
	RegNorm   *autograd.Var // (B, R, D)   final-normed registers (nil when R = 0)
	PatchNorm *autograd.Var // (B, N, D)   final-normed patch tokens
	PreNorm   *autograd.Var // (B, S, D)   the sequence before the final norm
	Normed    *autograd.Var // (B, S, D)   the final-normed sequence (HF last_hidden_state)
	// Intermediate[i] is the final-normed output of block Depth-LastN+i,
	// split like the final output: (B, D) CLS and (B, N, D) patches.
	IntermediateCls   []*autograd.Var
	IntermediatePatch []*autograd.Var
	// Attention is the last block's CLS attention over patches (B, H, N);
	// computed without gradient.
	Attention *tensor.Tensor
	// Hidden[0] is the embedding output, Hidden[i] the output of block i
	// (pre-norm, (B, S, D)); set with Options.Hidden.
	Hidden []*autograd.Var
	Hp, Wp int
}

// Forward runs the backbone on images x (B, 3, H, W) with H and W
// multiples of the patch size.
func (v *ViT) Forward(tp *autograd.Tape, x *autograd.Var, opt Options) (Output, error) {
	cfg := v.Cfg
	s := x.Shape()
	if len(s) != 4 || s[1] != 3 {
		return Output{}, fmt.Errorf("cxformer.ViT: input %s is not (B, 3, H, W)", tensor.ShapeString(s))
	}
	b, h, w, p, d, r := s[0], s[2], s[3], cfg.PatchSize, cfg.EmbedDim, cfg.Registers
	if h%p != 0 || w%p != 0 || h == 0 || w == 0 {
		return Output{}, fmt.Errorf("cxformer.ViT: image size %dx%d is not a positive multiple of the patch size %d", h, w, p)
	}
	hp, wp := h/p, w/p
	n := hp * wp
	if opt.Masks != nil && len(opt.Masks) != b*n {
		return Output{}, fmt.Errorf("cxformer.ViT: %d mask entries for %d images of %d patches", len(opt.Masks), b, n)
	}

	// 1. Patch embedding: a 14×14 stride-14 convolution is a Linear on
	// flattened patches (column c·P²+ky·P+kx matches the conv weight).
	patches := tp.Patchify(x, p)                     // (B, N, 3P²)
	wflat := tp.Reshape(v.PatchEmbed.W, d, 3*p*p)    // (D, 3P²)
	tok := tp.Linear(patches, wflat, v.PatchEmbed.B) // (B, N, D)
	// 2. Mask-token substitution, before the position embedding.
	if opt.Masks != nil {
		tok = tp.Reshape(tp.SelectRows(tp.Reshape(tok, b*n, d), v.MaskToken, opt.Masks), b, n, d)
	}
	// 3. Prepend CLS; 4. add the (interpolated) position embedding.
	cls := tp.Broadcast(tp.Reshape(v.ClsToken, 1, d), 0, b) // (B, 1, D)
	seq := tp.Concat(1, cls, tok)                           // (B, 1+N, D)
	pos := v.posEmbed(tp, hp, wp, h, w)                     // (1+N, D)
	seq = tp.Add(seq, tp.Broadcast(pos, 0, b))
	// 5. Registers after the position embedding: [CLS, regs, patches].
	if r > 0 {
		regs := tp.Broadcast(tp.Reshape(v.Registers, r, d), 0, b)
		seq = tp.Concat(1, tp.Slice(seq, 1, 0, 1), regs, tp.Slice(seq, 1, 1, 1+n))
	}

	out := Output{Hp: hp, Wp: wp}
	if opt.Hidden {
		out.Hidden = append(out.Hidden, seq)
	}
	first := cfg.Depth - opt.LastN
	// normed is the LayerNorm that follows the current sequence when the
	// previous block computed it fused with its last residual add (the
	// next block's norm1, or after the last block the final norm).
	var normed *autograd.Var
	for i, blk := range v.Blocks {
		last := i == cfg.Depth-1
		dp := v.dropPath(i, opt.DropPath)
		var attn *tensor.Tensor
		seq, normed, attn = blk.forward(tp, seq, normed, v.fusedNorm(i, dp, opt.DropPath), last && opt.CLSAttention, 1+r, dp)
		if attn != nil {
			out.Attention = attn
		}
		if opt.Hidden {
			out.Hidden = append(out.Hidden, seq)
		}
		if opt.LastN > 0 && i >= first {
			final := normed
			if !last || final == nil {
				final = v.Norm.Forward(tp, seq)
			}
			out.IntermediateCls = append(out.IntermediateCls, tp.Reshape(tp.Slice(final, 1, 0, 1), b, d))
			out.IntermediatePatch = append(out.IntermediatePatch, tp.Slice(final, 1, 1+r, 1+r+n))
		}
	}
	out.PreNorm = seq
	xn := normed // the final norm, when the last block fused it
	if xn == nil {
		xn = v.Norm.Forward(tp, seq)
	}
	out.Normed = xn
	out.ClsNorm = tp.Reshape(tp.Slice(xn, 1, 0, 1), b, d)
	if r > 0 {
		out.RegNorm = tp.Slice(xn, 1, 1, 1+r)
	}
	out.PatchNorm = tp.Slice(xn, 1, 1+r, 1+r+n)
	return out, nil
}

// clsAttention returns softmax(q_cls·Kᵀ·scale) restricted to the patch
// columns: (B, H, N).
func clsAttention(q, k, v *tensor.Tensor, scale float64, bsz, heads, firstPatch int) *tensor.Tensor {
	qc := tensor.Slice(q, 1, 0, 1) // (BH, 1, hd)
	defer qc.Release()
	o, probs := tensor.Attention(qc, k, v, scale) // probs (BH, 1, S)
	o.Release()
	defer probs.Release()
	sl := probs.Dim(2)
	pp := tensor.Slice(probs, 2, firstPatch, sl) // (BH, 1, N)
	defer pp.Release()
	return pp.Reshape(bsz, heads, sl-firstPatch)
}
