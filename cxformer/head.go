package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// HeadConfig is a DINO projection head: nlayers Linears with GELU between
// them (in → hidden → … → bottleneck), row L2-normalisation, and a
// weight-normalised prototype layer without bias.
type HeadConfig struct {
	In, Hidden, Bottleneck, Prototypes, Layers int
}

// Validate names the first inconsistent field.
func (c HeadConfig) Validate(name string) error {
	switch {
	case c.In <= 0:
		return fmt.Errorf("%s: input width %d must be positive", name, c.In)
	case c.Layers < 1:
		return fmt.Errorf("%s: nlayers %d must be at least 1", name, c.Layers)
	case c.Layers > 1 && c.Hidden <= 0:
		return fmt.Errorf("%s: hidden_dim %d must be positive", name, c.Hidden)
	case c.Bottleneck <= 0:
		return fmt.Errorf("%s: bottleneck_dim %d must be positive", name, c.Bottleneck)
	case c.Prototypes <= 0:
		return fmt.Errorf("%s: n_prototypes %d must be positive", name, c.Prototypes)
	}
	return nil
}

// Head is DINOv2's DINOHead (spec §2):
//
//	h = GELU(mlp.0(x)); h = GELU(mlp.2(h)); b = mlp.4(h)
//	u = b / max(‖b‖, 1e-12)
//	logits = u · Wᵀ with W[k,:] = g[k]·v[k,:]/‖v[k,:]‖ (weight_g trainable)
type Head struct {
	Cfg     HeadConfig
	MLP     []*nn.Linear
	WeightG *autograd.Var // (K, 1)
	WeightV *autograd.Var // (K, bottleneck)
}

// NewHead registers the head's parameters under prefix ("dino_head.",
// "ibot_head." or "") in ps with DINOv2's init: trunc-normal(0.02) MLP
// weights, zero biases, weight_v with PyTorch's default Linear init and
// weight_g = 1.
func NewHead(ps *nn.Params, prefix string, cfg HeadConfig, dev tensor.Device, rng *tensor.RNG) *Head {
	h := &Head{Cfg: cfg}
	in := cfg.In
	for i := 0; i < cfg.Layers; i++ {
		out := cfg.Hidden
		if i == cfg.Layers-1 {
			out = cfg.Bottleneck
		}
		h.MLP = append(h.MLP, nn.NewLinear(ps, fmt.Sprintf("%smlp.%d", prefix, 2*i), dev, rng, in, out, true, nn.InitTruncNormal02))
		in = out
	}
	h.WeightG = ps.Add(prefix+"last_layer.weight_g", tensor.Full(dev, 1, cfg.Prototypes, 1))
	h.WeightV = ps.Add(prefix+"last_layer.weight_v", tensor.KaimingUniform(dev, rng, cfg.Bottleneck, cfg.Prototypes, cfg.Bottleneck))
	return h
}

// Forward maps features x (rows, In) to prototype logits (rows, K).
func (h *Head) Forward(tp *autograd.Tape, x *autograd.Var) *autograd.Var {
	for i, l := range h.MLP {
		switch {
		case i == len(h.MLP)-1:
			x = l.Forward(tp, x)
		case stepFusion: // bias and GELU in the GEMM's store
			x = tp.LinearGelu(x, l.W, l.B)
		default:
			x = tp.Gelu(l.Forward(tp, x))
		}
	}
	u := tp.L2Normalize(x, 1e-12)
	w := tp.WeightNorm(h.WeightG, h.WeightV)
	return tp.Linear(u, w, nil)
}
