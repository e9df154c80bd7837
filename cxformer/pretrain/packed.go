package pretrain

import (
	"fmt"
	"math"
	"slices"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// packedModels keeps the student's parameters and gradients and the
// teacher's parameters in three arenas (one device buffer each, every
// parameter a view), so that clipping, AdamW and the EMA are a handful of
// dispatches for the whole model and need nothing from the host:
//
//	sumsq_j = Σ_{g ∈ module j} ‖g‖²          one reduction over the arena
//	ctrl    = ClipControl(sumsq, losses)     coefficients and the NaN guard
//	AdamW over every group, g·ctrl[1+j]      one dispatch
//	EMA over every unfrozen module           one dispatch
//
// The views are in AllParams order (modules in Modules order), so each
// module is one contiguous range of views.
type packedModels struct {
	params, grads, teacher *tensor.Arena
	modules                []moduleRange
}

// moduleRange is a student module and its views [lo, hi).
type moduleRange struct {
	name   string
	lo, hi int
}

// packModels moves student and teacher onto arenas (values and existing
// gradients are copied, so nothing changes numerically) and packs opt over
// the student's. The two models must have the same parameters in the same
// order, as NewSSLModel builds them.
func packModels(student, teacher *cxformer.SSLModel, opt *optim.AdamW) (*packedModels, error) {
	sp, tp := student.AllParams(), teacher.AllParams()
	if len(sp) != len(tp) {
		return nil, fmt.Errorf("pretrain: student has %d parameters, teacher %d", len(sp), len(tp))
	}
	shapes := make([][]int, len(sp))
	vars := make([]*autograd.Var, len(sp))
	for i, p := range sp {
		if tp[i].Name != p.Name || !slices.Equal(tp[i].V.Value.Shape(), p.V.Value.Shape()) {
			return nil, fmt.Errorf("pretrain: student parameter %q %v and teacher parameter %q %v differ",
				p.Name, p.V.Value.Shape(), tp[i].Name, tp[i].V.Value.Shape())
		}
		shapes[i] = slices.Clone(p.V.Value.Shape())
		vars[i] = p.V
	}
	pm := &packedModels{}
	var err error
	if pm.params, err = packValues(sp); err != nil {
		return nil, err
	}
	if pm.teacher, err = packValues(tp); err != nil {
		pm.release()
		return nil, err
	}
	if pm.grads, err = tensor.NewArena(pm.params.Device(), shapes); err != nil {
		pm.release()
		return nil, fmt.Errorf("pretrain: gradient arena: %w", err)
	}
	for i, g := range pm.grads.Views() {
		if old := vars[i].Grad; old != nil {
			g.CopyFrom(old)
			old.Release()
		}
		vars[i].Grad = g
	}
	lo := 0
	for _, mod := range student.Modules() {
		pm.modules = append(pm.modules, moduleRange{name: mod.Name, lo: lo, hi: lo + len(mod.Params)})
		lo += len(mod.Params)
	}
	if err := opt.Pack(pm.params, pm.grads, vars); err != nil {
		pm.release()
		return nil, err
	}
	return pm, nil
}

// packValues copies the values of ps into a new arena and makes each
// parameter's Value its view.
func packValues(ps nn.Params) (*tensor.Arena, error) {
	vals := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		vals[i] = p.V.Value
	}
	a, err := tensor.PackArena(vals)
	if err != nil {
		return nil, fmt.Errorf("pretrain: parameter arena: %w", err)
	}
	for i, v := range a.Views() {
		ps[i].V.Value.Release()
		ps[i].V.Value = v
	}
	return a, nil
}

func (pm *packedModels) release() {
	for _, a := range []*tensor.Arena{pm.params, pm.grads, pm.teacher} {
		if a != nil {
			a.Release()
		}
	}
}

// deviceUpdate is the device side of one optimisation step, queued but not
// read: sumsq holds the squared gradient norm of each clipped module (in
// the order of names), ctrl the clip coefficients and the skip flag.
type deviceUpdate struct {
	names       []string
	sumsq, ctrl *tensor.Tensor
}

func (u deviceUpdate) release() {
	u.sumsq.Release()
	u.ctrl.Release()
}

// update queues per-module clipping to clip (0: none), the AdamW step and
// the teacher EMA with momentum v.Momentum, all guarded by the finiteness
// of the gradient norms and of watch (the step's loss terms): if any is NaN
// or infinite the device changes nothing, and the caller, once it has read
// the results, undoes the optimiser's step counts (opt.UndoStep). With
// frozenBackbone the backbone is neither clipped, stepped nor averaged.
func (pm *packedModels) update(opt *optim.AdamW, clip float64, v Values, frozenBackbone bool, watch *tensor.Tensor) deviceUpdate {
	maxNorm := clip
	if clip == 0 {
		maxNorm = math.Inf(1)
	}
	var u deviceUpdate
	var ranges [][2]int
	slot := map[string]int{}
	for _, mod := range pm.modules {
		if frozenBackbone && mod.name == "backbone" {
			continue
		}
		slot[mod.name] = 1 + len(ranges)
		ranges = append(ranges, [2]int{mod.lo, mod.hi})
		u.names = append(u.names, mod.name)
	}
	u.sumsq = tensor.SumSquaresRanges(pm.grads, ranges)
	u.ctrl = tensor.ClipControl(u.sumsq, watch, maxNorm)
	opt.StepControlled(v.LR, v.WD, v.LastLayerLR, u.ctrl, func(g optim.ParamGroup) int { return slot[g.Module] })
	tensor.EMAArena(pm.teacher, pm.params, ranges, v.Momentum, u.ctrl)
	return u
}

// lossTerms are the step's loss terms that are on, in a fixed order with
// the total last, and their values gathered into one tensor.
func lossTerms(out cxformer.StepOutput) (names []string, vec *tensor.Tensor) {
	var vals []*tensor.Tensor
	for _, t := range []struct {
		name string
		v    *autograd.Var
	}{{"dino_local", out.DINOLocal}, {"dino_global", out.DINOGlobal}, {"koleo", out.KoLeo}, {"ibot", out.IBOT}, {"total", out.Total}} {
		if t.v != nil {
			names = append(names, t.name)
			vals = append(vals, t.v.Value)
		}
	}
	return names, tensor.Concat1D(vals...)
}

// set stores the value of the named term in l.
func (l *Losses) set(name string, v float64) {
	switch name {
	case "dino_local":
		l.DINOLocal = v
	case "dino_global":
		l.DINOGlobal = v
	case "koleo":
		l.KoLeo = v
	case "ibot":
		l.IBOT = v
	case "total":
		l.Total = v
	}
}
