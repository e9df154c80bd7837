package optim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// Names of the optimizer-state arrays. Every group K has "K.step" (int64
// scalar) and, once it has stepped, "K.exp_avg" and "K.exp_avg_sq" (float32,
// the parameter's shape); "steps" counts Step calls.
const (
	stepsKey     = "steps"
	stepSuffix   = ".step"
	expAvgSuffix = ".exp_avg"
	expSqSuffix  = ".exp_avg_sq"
)

// State returns the optimizer's state — every group's step count and
// moments, and the number of Step calls — as named host arrays, for an
// exact resume with LoadState. It copies device data to the host.
func (o *AdamW) State() *state.File {
	f := state.NewFile()
	f.Metadata["optimizer"] = "AdamW"
	f.Metadata["betas"] = fmt.Sprintf("%g,%g", o.cfg.Beta1, o.cfg.Beta2)
	f.Metadata["eps"] = fmt.Sprintf("%g", o.cfg.Eps)
	f.MustAdd(state.NewI64(stepsKey, []int{}, []int64{int64(o.steps)}))
	for i, g := range o.groups {
		s := o.slots[i]
		key := g.Key()
		f.MustAdd(state.NewI64(key+stepSuffix, []int{}, []int64{int64(s.step)}))
		if s.step == 0 {
			continue
		}
		shape := slices.Clone(g.Param.Value.Shape())
		f.MustAdd(state.NewF32(key+expAvgSuffix, shape, s.m.Data()))
		f.MustAdd(state.NewF32(key+expSqSuffix, slices.Clone(shape), s.v.Data()))
	}
	return f
}

// LoadState restores a state written by State for the same groups (by Key),
// placing the moments on each parameter's device. Every group needs its
// step entry, and moments of its parameter's shape when the step is > 0;
// an entry for no group is an error too. On error nothing is changed and
// the message lists every problem.
func (o *AdamW) LoadState(f *state.File) error {
	if f == nil {
		return errors.New("optim.AdamW.LoadState: nil state")
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	steps, _ := scalarInt(f, stepsKey, bad)
	known := map[string]bool{stepsKey: true}
	loaded := make([]loadedMoments, len(o.groups))
	for i, g := range o.groups {
		key := g.Key()
		for _, suffix := range []string{stepSuffix, expAvgSuffix, expSqSuffix} {
			known[key+suffix] = true
		}
		step, ok := scalarInt(f, key+stepSuffix, bad)
		if !ok {
			continue
		}
		loaded[i].step = int(step)
		shape := g.Param.Value.Shape()
		if step == 0 {
			for _, suffix := range []string{expAvgSuffix, expSqSuffix} {
				if f.Has(key + suffix) {
					bad("%q present for a parameter that has not stepped", key+suffix)
				}
			}
			continue
		}
		loaded[i].m = floatArray(f, key+expAvgSuffix, shape, bad)
		loaded[i].v = floatArray(f, key+expSqSuffix, shape, bad)
	}
	for _, name := range f.Names() {
		if !known[name] {
			bad("unexpected %q (no such group)", name)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("optim.AdamW.LoadState: %s", strings.Join(problems, "; "))
	}

	for i, g := range o.groups {
		s := &o.slots[i]
		l := loaded[i]
		if l.step == 0 {
			o.clear(i)
			continue
		}
		if s.m == nil {
			s.m = tensor.Zeros(g.Param.Value.Device(), g.Param.Value.Shape()...)
			s.v = tensor.Zeros(g.Param.Value.Device(), g.Param.Value.Shape()...)
		}
		s.m.Load(l.m)
		s.v.Load(l.v)
		s.step = l.step
	}
	o.steps = int(steps)
	return nil
}

type loadedMoments struct {
	m, v []float32
	step int
}

// scalarInt reads a one-element non-negative integer array; it reports a
// missing or malformed entry through bad and then returns ok = false.
func scalarInt(f *state.File, name string, bad func(string, ...any)) (int64, bool) {
	a := f.Get(name)
	if a == nil {
		bad("missing %q", name)
		return 0, false
	}
	v, err := a.AsInt64()
	if err != nil || len(v) != 1 || v[0] < 0 {
		bad("%q must be one non-negative integer (got %v %v)", name, a.DType, a.Shape)
		return 0, false
	}
	return v[0], true
}

// floatArray returns the named array as float32 data, reporting a missing
// array or one whose shape is not want through bad.
func floatArray(f *state.File, name string, want []int, bad func(string, ...any)) []float32 {
	a := f.Get(name)
	if a == nil {
		bad("missing %q", name)
		return nil
	}
	if !a.IsFloat() || !slices.Equal(a.Shape, want) {
		bad("%q is %v %v, want a float array of shape %v", name, a.DType, a.Shape, want)
		return nil
	}
	v, err := a.AsFloat32()
	if err != nil {
		bad("%q: %v", name, err)
		return nil
	}
	return v
}
