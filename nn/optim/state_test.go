package optim

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// cloneParams copies values and gradients into new parameters.
func cloneParams(ps nn.Params) nn.Params {
	var out nn.Params
	for _, p := range ps {
		v := out.Add(p.Name, p.V.Value.Clone())
		if p.V.Grad != nil {
			v.Grad = p.V.Grad.Clone()
		}
	}
	return out
}

// TestAdamWResumeIsBitIdentical saves the state mid-run, reloads it into a
// fresh optimizer over copies of the parameters (through the safetensors
// encoding) and checks that the following steps agree bit for bit.
func TestAdamWResumeIsBitIdentical(t *testing.T) {
	rng := tensor.NewRNG(5)
	names := []string{"blocks.0.attn.qkv.weight", "blocks.0.norm1.bias", "last_layer.weight_g", "unused"}
	ps := randomParams(rng, names, []int{31, 3, 1, 4})
	ps[3].V.Grad = nil // never steps: saved with step 0 and no moments
	opt, err := NewAdamW(DINOv2Groups(ps, "backbone", 1, 0.9, 0.2), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		opt.Step(1e-2, 0.04, 0)
	}

	var buf bytes.Buffer
	if err := state.EncodeSafetensors(&buf, opt.State()); err != nil {
		t.Fatal(err)
	}
	saved, err := state.ParseSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resumedParams := cloneParams(ps)
	resumed, err := NewAdamW(DINOv2Groups(resumedParams, "backbone", 1, 0.9, 0.2), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	if resumed.Steps() != 3 {
		t.Errorf("resumed Steps() = %d, want 3", resumed.Steps())
	}
	for step := range 3 {
		for i, p := range ps {
			if p.V.Grad == nil {
				continue
			}
			g := tensor.Normal(tensor.CPU, rng, 0.1, p.V.Value.Numel()).Data()
			p.V.Grad.Load(g)
			resumedParams[i].V.Grad.Load(g)
		}
		opt.Step(1e-2, 0.04, 1e-2)
		resumed.Step(1e-2, 0.04, 1e-2)
		for i, p := range ps {
			if !slices.Equal(p.V.Value.Data(), resumedParams[i].V.Value.Data()) {
				t.Errorf("step %d after resume: %s differs", step+1, p.Name)
			}
		}
	}
}

func TestAdamWLoadStateErrors(t *testing.T) {
	rng := tensor.NewRNG(6)
	ps := randomParams(rng, []string{"w", "b"}, []int{6, 2})
	opt, err := NewAdamW(UniformGroups(ps, "m"), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	opt.Step(1e-2, 0, 1e-2)
	good := opt.State()
	for _, c := range []struct {
		edit func(f *state.File)
		want string
	}{
		{func(f *state.File) { f.Delete("m.w.exp_avg_sq") }, `missing "m.w.exp_avg_sq"`},
		{func(f *state.File) { f.Delete("m.b.step") }, `missing "m.b.step"`},
		{func(f *state.File) { f.Delete("steps") }, `missing "steps"`},
		{func(f *state.File) { f.MustAdd(state.NewF32("m.w.exp_avg", []int{2, 3}, make([]float32, 6))) }, `"m.w.exp_avg" is F32 [2 3]`},
		{func(f *state.File) { f.MustAdd(state.NewF32("m.x.exp_avg", []int{1}, []float32{0})) }, `unexpected "m.x.exp_avg"`},
		{func(f *state.File) { f.MustAdd(state.NewF32("m.b.step", []int{}, []float32{1})) }, `"m.b.step" must be one non-negative integer`},
	} {
		f := cloneState(good)
		c.edit(f)
		before := opt.State()
		err := opt.LoadState(f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadState: error %v, want one containing %q", err, c.want)
		}
		if after := opt.State(); !sameState(before, after) {
			t.Errorf("a failed LoadState (%q) changed the optimizer", c.want)
		}
	}
}

func cloneState(f *state.File) *state.File {
	out := state.NewFile()
	for _, n := range f.Names() {
		out.MustAdd(f.Get(n).Clone())
	}
	return out
}

func sameState(a, b *state.File) bool {
	if !slices.Equal(a.Names(), b.Names()) {
		return false
	}
	for _, n := range a.Names() {
		x, y := a.Get(n), b.Get(n)
		if !slices.Equal(x.F32, y.F32) || !slices.Equal(x.I64, y.I64) || !slices.Equal(x.Shape, y.Shape) {
			return false
		}
	}
	return true
}
