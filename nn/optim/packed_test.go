package optim

import (
	"math"
	"slices"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

var packedNames = []string{"blocks.0.attn.qkv.weight", "blocks.1.norm1.bias", "patch_embed.proj.weight", "last_layer.weight_g", "blocks.1.mlp.fc1.weight"}
var packedSizes = []int{1, 7, 97, 13, 64}

// packParams moves ps onto two arenas (values, gradients) as the
// pretraining trainer does, and packs opt over them.
func packParams(t *testing.T, ps nn.Params, opt *AdamW) (params, grads *tensor.Arena) {
	t.Helper()
	vals := make([]*tensor.Tensor, len(ps))
	grs := make([]*tensor.Tensor, len(ps))
	vars := make([]*autograd.Var, len(ps))
	for i, p := range ps {
		vals[i], grs[i], vars[i] = p.V.Value, p.V.Grad, p.V
	}
	var err error
	if params, err = tensor.PackArena(vals); err != nil {
		t.Fatal(err)
	}
	if grads, err = tensor.PackArena(grs); err != nil {
		t.Fatal(err)
	}
	pv, gv := params.Views(), grads.Views()
	for i, p := range ps {
		p.V.Value.Release()
		p.V.Grad.Release()
		p.V.Value, p.V.Grad = pv[i], gv[i]
	}
	if err := opt.Pack(params, grads, vars); err != nil {
		t.Fatal(err)
	}
	return params, grads
}

// twinParams returns two identical parameter lists with their groups.
func twinParams(seed uint64) (a, b nn.Params) {
	a = randomParams(tensor.NewRNG(seed), packedNames, packedSizes)
	b = randomParams(tensor.NewRNG(seed), packedNames, packedSizes)
	return a, b
}

func sameData(t *testing.T, what string, a, b *tensor.Tensor) {
	t.Helper()
	x, y := a.Data(), b.Data()
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			t.Errorf("%s[%d]: %g vs %g (not bit-identical)", what, i, x[i], y[i])
			return
		}
	}
}

// A packed optimizer (one AdamW dispatch over arenas) gives bit-identical
// parameters and moments to the per-tensor one over several steps, also
// when packed after it has already stepped, and its state round-trips.
func TestPackedAdamWIsBitIdentical(t *testing.T) {
	plain, packed := twinParams(3)
	gPlain := DINOv2Groups(plain, "backbone", 2, 0.7, 0.2)
	gPacked := DINOv2Groups(packed, "backbone", 2, 0.7, 0.2)
	o1, err := NewAdamW(gPlain, DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := NewAdamW(gPacked, DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	rng := tensor.NewRNG(9)
	newGrads := func() {
		for i := range plain {
			g := tensor.Normal(tensor.CPU, rng, 0.1, plain[i].V.Value.Numel()).Data()
			plain[i].V.Grad.Load(g)
			packed[i].V.Grad.Load(g)
		}
	}
	o1.Step(1e-2, 0.04, 3e-3)
	o2.Step(1e-2, 0.04, 3e-3)
	params, grads := packParams(t, packed, o2) // packs moments that already exist
	defer params.Release()
	defer grads.Release()
	if !o2.Packed() {
		t.Fatal("Packed() is false after Pack")
	}
	for s := range 4 {
		newGrads()
		lr, wd := 1e-2*float64(s+2), 0.04+0.05*float64(s)
		o1.Step(lr, wd, 3e-3)
		o2.Step(lr, wd, 3e-3)
	}
	for i := range plain {
		sameData(t, plain[i].Name, plain[i].V.Value, packed[i].V.Value)
		sameData(t, plain[i].Name+" exp_avg", o1.slots[i].m, o2.slots[i].m)
		sameData(t, plain[i].Name+" exp_avg_sq", o1.slots[i].v, o2.slots[i].v)
	}
	// The packed state loads into a fresh packed optimizer exactly.
	st := o2.State()
	_, fresh := twinParams(3)
	o3, err := NewAdamW(DINOv2Groups(fresh, "backbone", 2, 0.7, 0.2), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	p3, g3 := packParams(t, fresh, o3)
	defer p3.Release()
	defer g3.Release()
	if err := o3.LoadState(st); err != nil {
		t.Fatal(err)
	}
	for i := range fresh {
		sameData(t, "reloaded exp_avg", o2.slots[i].m, o3.slots[i].m)
		if o3.slots[i].step != o2.slots[i].step {
			t.Errorf("reloaded step %d, want %d", o3.slots[i].step, o2.slots[i].step)
		}
	}
}

// StepControlled multiplies each group's gradient by its control entry
// (the clip coefficient) and changes nothing when ctrl[0] ≠ 0; UndoStep
// then restores the step counts.
func TestPackedAdamWControl(t *testing.T) {
	plain, packed := twinParams(5)
	o1, err := NewAdamW(UniformGroups(plain, "m"), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := NewAdamW(UniformGroups(packed, "m"), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	params, grads := packParams(t, packed, o2)
	defer params.Release()
	defer grads.Release()

	// Clip coefficient 0.25 on the packed side = gradients scaled by 0.25
	// on the plain side.
	for _, p := range plain {
		tensor.ScaleInPlace(p.V.Grad, 0.25)
	}
	ctrl := tensor.MustFromSlice(tensor.CPU, []float32{0, 0.25}, 2)
	o1.Step(1e-2, 0.04, 1e-2)
	o2.StepControlled(1e-2, 0.04, 1e-2, ctrl, func(ParamGroup) int { return 1 })
	for i := range plain {
		sameData(t, plain[i].Name, plain[i].V.Value, packed[i].V.Value)
	}

	// A skipped step: nothing moves; UndoStep puts the counts back.
	before := make([][]float32, len(packed))
	for i, p := range packed {
		before[i] = p.V.Value.Data()
	}
	steps := o2.Steps()
	skip := tensor.MustFromSlice(tensor.CPU, []float32{1, 1}, 2)
	o2.StepControlled(1e-2, 0.04, 1e-2, skip, func(ParamGroup) int { return 1 })
	o2.UndoStep()
	for i, p := range packed {
		if !slices.Equal(p.V.Value.Data(), before[i]) {
			t.Errorf("%s changed in a skipped step", p.Name)
		}
		if o2.slots[i].step != o1.slots[i].step {
			t.Errorf("%s: step count %d after UndoStep, want %d", p.Name, o2.slots[i].step, o1.slots[i].step)
		}
	}
	if o2.Steps() != steps {
		t.Errorf("Steps() = %d after UndoStep, want %d", o2.Steps(), steps)
	}
}

func TestPackErrors(t *testing.T) {
	ps := randomParams(tensor.NewRNG(1), packedNames, packedSizes)
	opt, err := NewAdamW(UniformGroups(ps, ""), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	a, err := tensor.NewArena(tensor.CPU, [][]int{{1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	if err := opt.Pack(a, a, []*autograd.Var{ps[0].V}); err == nil {
		t.Error("Pack with groups outside the arena: no error")
	}
	if opt.Packed() {
		t.Error("a failed Pack left the optimizer packed")
	}
}
