package optim

import (
	"errors"
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// AdamWConfig holds AdamW's constant hyper-parameters; the learning rate and
// weight decay come with every Step because they follow schedules.
type AdamWConfig struct {
	Beta1, Beta2, Eps float64
}

// DINOv2AdamW is the configuration DINOv2 and CXformer train with:
// betas (0.9, 0.999), eps 1e-8.
var DINOv2AdamW = AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}

// AdamW is torch.optim.AdamW over parameter groups (see the package
// documentation for the update). It is not safe for concurrent use.
type AdamW struct {
	cfg    AdamWConfig
	groups []ParamGroup
	slots  []moments
	steps  int
	packed *packedState // nil until Pack
}

// moments is one parameter's optimizer state: PyTorch's exp_avg,
// exp_avg_sq and step, allocated at the parameter's first step.
type moments struct {
	m, v *tensor.Tensor
	step int
}

// NewAdamW returns an optimizer over groups. It returns an error for a
// hyper-parameter outside its range (betas in [0, 1), eps ≥ 0), a group
// without a parameter, or two groups with the same Key.
func NewAdamW(groups []ParamGroup, cfg AdamWConfig) (*AdamW, error) {
	var errs []error
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1) || !(cfg.Beta2 >= 0 && cfg.Beta2 < 1) || !(cfg.Eps >= 0) {
		errs = append(errs, fmt.Errorf("betas (%g, %g) must lie in [0, 1) and eps %g must be ≥ 0", cfg.Beta1, cfg.Beta2, cfg.Eps))
	}
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		if g.Param == nil || g.Param.Value == nil {
			errs = append(errs, fmt.Errorf("group %d (%q) has no parameter", i, g.Key()))
		}
		if seen[g.Key()] {
			errs = append(errs, fmt.Errorf("two groups are named %q", g.Key()))
		}
		seen[g.Key()] = true
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("optim.NewAdamW: %w", errors.Join(errs...))
	}
	return &AdamW{cfg: cfg, groups: append([]ParamGroup(nil), groups...), slots: make([]moments, len(groups))}, nil
}

// Groups returns the optimizer's groups (do not modify them).
func (o *AdamW) Groups() []ParamGroup { return o.groups }

// Config returns the constant hyper-parameters.
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// Steps returns the number of Step calls so far (restored by LoadState).
func (o *AdamW) Steps() int { return o.steps }

// Step applies one AdamW update to every group whose parameter requires a
// gradient and has one: with lr_p = (IsLastLayer ? lastLayerLR : lr)·LRMult
// and wd_p = wd·WDMult, the parameter's step count t advances and
//
//	p ← p·(1 − lr_p·wd_p),  m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
//	p ← p − lr_p·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
//
// lr_p = 0 leaves p bit-identical while m, v and t still advance (the
// last-layer freeze). A gradient that does not match its parameter's shape
// or device panics.
func (o *AdamW) Step(lr, wd, lastLayerLR float64) {
	if o.packed != nil {
		o.StepControlled(lr, wd, lastLayerLR, nil, nil)
		return
	}
	o.steps++
	for i, g := range o.groups {
		p := g.Param
		if !p.RequiresGrad() || p.Grad == nil {
			continue
		}
		s := &o.slots[i]
		if s.m == nil {
			s.m = tensor.Zeros(p.Value.Device(), p.Value.Shape()...)
			s.v = tensor.Zeros(p.Value.Device(), p.Value.Shape()...)
		}
		s.step++
		tensor.AdamW(p.Value, p.Grad, s.m, s.v, o.hyper(g, s.step, lr, wd, lastLayerLR))
	}
}

// Release returns the moment buffers to their device and clears every
// parameter's step count: used again, the optimizer starts afresh (its Steps
// count is kept) and unpacked.
func (o *AdamW) Release() {
	for i := range o.slots {
		o.slots[i].reset()
	}
	if ps := o.packed; ps != nil {
		ps.m.Release()
		ps.v.Release()
		o.packed = nil
	}
}

func (s *moments) reset() {
	if s.m != nil {
		s.m.Release()
		s.v.Release()
	}
	*s = moments{}
}

// clear forgets slot i's moments and step count: on packed storage the
// moment views are zeroed (they stay in their arenas), otherwise they are
// released.
func (o *AdamW) clear(i int) {
	s := &o.slots[i]
	if o.packed == nil {
		s.reset()
		return
	}
	s.m.SetZero()
	s.v.SetZero()
	s.step = 0
}
