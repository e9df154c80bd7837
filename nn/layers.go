package nn

import (
	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// Linear is y = x·Wᵀ + b with W stored (out, in) as in PyTorch.
type Linear struct {
	W, B *autograd.Var // B is nil without bias
}

// Init says how a layer's weights start.
type Init int

const (
	// InitTruncNormal02 is trunc_normal(std 0.02) weights and zero biases,
	// DINOv2's init for every backbone and head Linear.
	InitTruncNormal02 Init = iota
	// InitDefault is PyTorch's default Linear init: U(±1/√in) for weights
	// and biases.
	InitDefault
)

// NewLinear registers prefix.weight (out, in) and prefix.bias (out) in ps.
func NewLinear(ps *Params, prefix string, dev tensor.Device, rng *tensor.RNG, in, out int, bias bool, init Init) *Linear {
	var w, b *tensor.Tensor
	switch init {
	case InitDefault:
		w = tensor.KaimingUniform(dev, rng, in, out, in)
		if bias {
			b = tensor.KaimingUniform(dev, rng, in, out)
		}
	default:
		w = tensor.TruncNormal(dev, rng, 0.02, -2, 2, out, in)
		if bias {
			b = tensor.Zeros(dev, out)
		}
	}
	l := &Linear{W: ps.Add(prefix+".weight", w)}
	if bias {
		l.B = ps.Add(prefix+".bias", b)
	}
	return l
}

// Forward applies the layer to x (..., in).
func (l *Linear) Forward(tp *autograd.Tape, x *autograd.Var) *autograd.Var {
	return tp.Linear(x, l.W, l.B)
}

// LayerNorm normalises the last axis with learned scale and shift.
type LayerNorm struct {
	W, B *autograd.Var
	Eps  float64
}

// NewLayerNorm registers prefix.weight (ones) and prefix.bias (zeros).
func NewLayerNorm(ps *Params, prefix string, dev tensor.Device, dim int, eps float64) *LayerNorm {
	return &LayerNorm{
		W:   ps.Add(prefix+".weight", tensor.Full(dev, 1, dim)),
		B:   ps.Add(prefix+".bias", tensor.Zeros(dev, dim)),
		Eps: eps,
	}
}

// Forward normalises x over its last axis.
func (l *LayerNorm) Forward(tp *autograd.Tape, x *autograd.Var) *autograd.Var {
	return tp.LayerNorm(x, l.W, l.B, l.Eps)
}
