package optim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

// Packed storage.
//
// Unpacked, Step issues one AdamW kernel per parameter: about 150 dispatches
// for a ViT-S with its heads, each with its own uniform block. Packed, the
// parameters, their gradients and the two moments each live in one
// tensor.Arena (one device buffer, every tensor a view at an aligned offset)
// and a step is one dispatch over a segment table that carries each group's
// hyper-parameters (tensor.AdamWArena). Every other operator still sees each
// parameter as its own tensor, because a view is an ordinary tensor.
//
// A packed step can also take a control vector ctrl computed on the device
// (tensor.ClipControl): ctrl[0] ≠ 0 makes the step change nothing (the NaN
// guard), and group i's gradient is multiplied by ctrl[scale(i)] (per-module
// gradient clipping). Neither needs the host to read anything, so a training
// step stays on the device until its one readback.

// Pack moves the optimizer onto packed storage. params and grads are arenas
// of the same layout whose view i belongs to vars[i]; every group's
// parameter must be among vars. The moments become two new arenas of that
// layout; moments the optimizer already holds (after steps or LoadState)
// are copied in, so packing changes no value. params and grads stay owned by
// the caller, who must keep them alive while the optimizer is used.
func (o *AdamW) Pack(params, grads *tensor.Arena, vars []*autograd.Var) error {
	if o.packed != nil {
		return errors.New("optim.AdamW.Pack: already packed")
	}
	if params == nil || grads == nil || !params.SameLayout(grads) || params.Len() != len(vars) {
		return fmt.Errorf("optim.AdamW.Pack: params and grads must be arenas of one layout with one view per var (%d vars)", len(vars))
	}
	index := make(map[*autograd.Var]int, len(vars))
	for i, v := range vars {
		index[v] = i
	}
	views := make([]int, len(o.groups))
	var missing []string
	for i, g := range o.groups {
		j, ok := index[g.Param]
		if !ok {
			missing = append(missing, g.Key())
			continue
		}
		views[i] = j
	}
	if len(missing) > 0 {
		return fmt.Errorf("optim.AdamW.Pack: groups without a view: %v", missing)
	}
	shapes := make([][]int, len(vars))
	for i, v := range vars {
		shapes[i] = slices.Clone(v.Value.Shape())
	}
	m, err := tensor.NewArena(params.Device(), shapes)
	if err != nil {
		return fmt.Errorf("optim.AdamW.Pack: %w", err)
	}
	v, err := tensor.NewArena(params.Device(), shapes)
	if err != nil {
		m.Release()
		return fmt.Errorf("optim.AdamW.Pack: %w", err)
	}
	mViews, vViews := m.Views(), v.Views()
	for i := range o.groups {
		s := &o.slots[i]
		mv, vv := mViews[views[i]], vViews[views[i]]
		if s.m != nil {
			mv.CopyFrom(s.m)
			vv.CopyFrom(s.v)
			s.m.Release()
			s.v.Release()
		}
		// The slot owns a reference of its own (Views returned new ones).
		s.m, s.v = mv.Reshape(mv.Shape()...), vv.Reshape(vv.Shape()...)
	}
	for i := range mViews {
		mViews[i].Release()
		vViews[i].Release()
	}
	o.packed = &packedState{params: params, grads: grads, m: m, v: v, views: views}
	return nil
}

// packedState is the optimizer's packed storage: the caller's parameter and
// gradient arenas, its own moment arenas, and the view of every group.
type packedState struct {
	params, grads, m, v *tensor.Arena
	views               []int
	lastStepped         []int // groups whose step count the last step advanced
}

// Packed reports whether Pack has been called.
func (o *AdamW) Packed() bool { return o.packed != nil }

// StepControlled is Step on packed storage with a device control vector
// (see the package's Packed storage notes): one dispatch for every group
// that requires a gradient. ctrl may be nil (no clipping, no guard); scale
// maps a group to the index of its gradient multiplier in ctrl and is only
// called when ctrl is not nil. If the device skipped the step (ctrl[0] ≠ 0,
// which the caller learns when it reads its results back), UndoStep puts
// the step counts back so that the optimizer is exactly as before.
func (o *AdamW) StepControlled(lr, wd, lastLayerLR float64, ctrl *tensor.Tensor, scale func(ParamGroup) int) {
	ps := o.packed
	if ps == nil {
		panic("optim.AdamW.StepControlled: the optimizer is not packed (call Pack)")
	}
	o.steps++
	ps.lastStepped = ps.lastStepped[:0]
	spans := make([]tensor.ArenaSpan, 0, len(o.groups))
	for i, g := range o.groups {
		if !g.Param.RequiresGrad() {
			continue
		}
		s := &o.slots[i]
		s.step++
		ps.lastStepped = append(ps.lastStepped, i)
		span := tensor.ArenaSpan{View: ps.views[i], Hyper: o.hyper(g, s.step, lr, wd, lastLayerLR)}
		if ctrl != nil {
			span.Scale = scale(g)
		}
		spans = append(spans, span)
	}
	if len(spans) > 0 {
		tensor.AdamWArena(ps.params, ps.grads, ps.m, ps.v, spans, ctrl)
	}
}

// UndoStep reverts the bookkeeping of the last StepControlled (the Steps
// count and the step count of every group it advanced), for a step that the
// device skipped.
func (o *AdamW) UndoStep() {
	ps := o.packed
	if ps == nil {
		return
	}
	for _, i := range ps.lastStepped {
		o.slots[i].step--
	}
	ps.lastStepped = ps.lastStepped[:0]
	o.steps--
}

// hyper is group g's AdamW hyper-parameters at its step count step.
func (o *AdamW) hyper(g ParamGroup, step int, lr, wd, lastLayerLR float64) kernels.AdamWHyper {
	groupLR := lr
	if g.IsLastLayer {
		groupLR = lastLayerLR
	}
	return kernels.AdamWHyper{
		LR:          groupLR * g.LRMult,
		Beta1:       o.cfg.Beta1,
		Beta2:       o.cfg.Beta2,
		Eps:         o.cfg.Eps,
		WeightDecay: wd * g.WDMult,
		Step:        step,
	}
}
