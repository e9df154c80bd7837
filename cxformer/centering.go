package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// Centering selects how the teacher's logits become targets (spec §4).
type Centering int

const (
	// SoftmaxCentering subtracts a moving-average center of the raw logits
	// (momentum 0.9, updated lazily) before the tempered softmax; CXformer's
	// choice.
	SoftmaxCentering Centering = iota
	// SinkhornKnopp runs 3 Sinkhorn-Knopp iterations; no running state.
	SinkhornKnopp
)

// ParseCentering accepts the DINOv2 config names ("centering",
// "sinkhorn_knopp") and the short forms "softmax" and "sinkhorn".
func ParseCentering(s string) (Centering, error) {
	switch s {
	case "centering", "softmax":
		return SoftmaxCentering, nil
	case "sinkhorn_knopp", "sinkhorn":
		return SinkhornKnopp, nil
	}
	return 0, fmt.Errorf("centering %q: want centering|softmax or sinkhorn_knopp|sinkhorn", s)
}

// String returns the DINOv2 config name.
func (c Centering) String() string {
	if c == SinkhornKnopp {
		return "sinkhorn_knopp"
	}
	return "centering"
}

// Center is one moving-average center (DINO's (1, K) or iBOT's (1, 1, K))
// with DINOv2's lazy update: the mean of step t's raw logits is folded in
// at the start of step t+1, just before it is used.
type Center struct {
	Value    *tensor.Tensor // (K); zeros at the start
	Pending  *tensor.Tensor // mean logits of the last step, nil if none
	Momentum float64
}

// NewCenter returns a zero center of k prototypes.
func NewCenter(dev tensor.Device, k int, momentum float64) *Center {
	return &Center{Value: tensor.Zeros(dev, k), Momentum: momentum}
}

// Targets applies any pending update (c ← m·c + (1−m)·pending), returns
// softmax((z − c)/temp) and records mean_rows(z) as the next pending
// update.
func (c *Center) Targets(z *tensor.Tensor, temp float64) *tensor.Tensor {
	c.apply()
	q := tensor.CenteredSoftmax(z, c.Value, temp)
	c.Pending = tensor.MeanAxis(z, 0)
	return q
}

func (c *Center) apply() {
	if c.Pending == nil {
		return
	}
	tensor.EMA(c.Value, c.Pending, c.Momentum)
	c.Pending.Release()
	c.Pending = nil
}

// Current returns the center that the next Targets call will use (the
// pending update applied), without changing c.
func (c *Center) Current() []float32 {
	v := c.Value.Data()
	if c.Pending == nil {
		return v
	}
	p := c.Pending.Data()
	for i := range v {
		v[i] = float32(c.Momentum*float64(v[i]) + (1-c.Momentum)*float64(p[i]))
	}
	return v
}
