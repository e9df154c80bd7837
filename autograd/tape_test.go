package autograd

import (
	"math"
	"strings"
	"testing"

	"github.com/gocx/gocx/tensor"
)

func vec(t *testing.T, data ...float32) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(tensor.CPU, data, len(data))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// y = Σ x⊙x + Σ x uses x three times; dy/dx = 2x + 1 must accumulate.
func TestGradientAccumulatesOverUses(t *testing.T) {
	x := Param(vec(t, 1, -2, 3), "x")
	tp := NewTape()
	loss := tp.Add(tp.Sum(tp.Mul(x, x)), tp.Sum(x))
	tp.Backward(loss)
	got := x.Grad.Data()
	for i, want := range []float32{3, -3, 7} {
		if got[i] != want {
			t.Fatalf("grad %v, want [3 -3 7]", got)
		}
	}
	tp.Release()

	// A second step accumulates into the same leaf until ZeroGrad.
	tp = NewTape()
	tp.Backward(tp.Sum(x))
	if g := x.Grad.Data(); g[0] != 4 {
		t.Fatalf("accumulated grad %v, want first entry 4", g)
	}
	tp.Release()
	x.ZeroGrad()
	if g := x.Grad.Data(); g[0] != 0 || g[2] != 0 {
		t.Fatalf("ZeroGrad left %v", g)
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	x := Param(vec(t, 1, 2), "x")
	tp := NewTape()
	var y *Var
	tp.NoGrad(func() { y = tp.Sum(tp.Mul(x, x)) })
	if y.RequiresGrad() {
		t.Fatal("output of a NoGrad block requires grad")
	}
	tp.Backward(y)
	if x.Grad != nil {
		t.Fatal("gradient flowed through NoGrad")
	}
	tp.Release()
}

func TestFrozenLeafGetsNoGrad(t *testing.T) {
	w := Param(vec(t, 1, 2), "w")
	x := Param(vec(t, 3, 4), "x")
	w.SetRequiresGrad(false)
	tp := NewTape()
	tp.Backward(tp.Sum(tp.Mul(w, x)))
	if w.Grad != nil {
		t.Fatal("frozen parameter received a gradient")
	}
	if g := x.Grad.Data(); g[0] != 1 || g[1] != 2 {
		t.Fatalf("x grad %v, want [1 2]", g)
	}
	tp.Release()
}

func TestReleaseFreesIntermediatesButKeeps(t *testing.T) {
	x := Param(vec(t, 1, 2), "x")
	tp := NewTape()
	h := tp.Mul(x, x)
	kept := tp.Scale(h, 2).Keep()
	loss := tp.Sum(kept)
	tp.Backward(loss)
	tp.Release()
	if !h.Value.Released() {
		t.Error("intermediate not released")
	}
	if kept.Value.Released() {
		t.Error("kept intermediate released")
	}
	if x.Value.Released() {
		t.Error("leaf released")
	}
	if math.Abs(float64(kept.Value.Data()[1])-8) > 0 {
		t.Errorf("kept value %v", kept.Value.Data())
	}
}

func TestBackwardTwicePanics(t *testing.T) {
	x := Param(vec(t, 1), "x")
	tp := NewTape()
	loss := tp.Sum(x)
	tp.Backward(loss)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "twice") {
			t.Fatalf("second Backward: recovered %v", r)
		}
	}()
	tp.Backward(loss)
}

func TestShapeMismatchPanicsNamingOp(t *testing.T) {
	a := Param(vec(t, 1, 2, 3), "a")
	b := Param(vec(t, 1, 2), "b")
	defer func() {
		r := recover()
		msg, _ := r.(string)
		if !strings.Contains(msg, "tensor.Add") || !strings.Contains(msg, "(3)") || !strings.Contains(msg, "(2)") {
			t.Fatalf("panic %v does not name the op and both shapes", r)
		}
	}()
	NewTape().Add(a, b)
}

// Under NoGrad, LinearGelu stores no pre-activation (tensor.LinearGeluOutput)
// yet gives the recorded forward's output bit for bit, and records nothing.
func TestLinearGeluNoGradSameOutput(t *testing.T) {
	rng := tensor.NewRNG(5)
	x := Param(tensor.Normal(tensor.CPU, rng, 1, 7, 5), "x")
	w := Param(tensor.Normal(tensor.CPU, rng, 1, 3, 5), "w")
	b := Param(tensor.Normal(tensor.CPU, rng, 1, 3), "b")
	tp := NewTape()
	defer tp.Release()
	rec := tp.LinearGelu(x, w, b)
	var free *Var
	tp.NoGrad(func() { free = tp.LinearGelu(x, w, b) })
	if free.RequiresGrad() || free.node != nil {
		t.Fatal("LinearGelu under NoGrad was recorded")
	}
	got, want := free.Value.Data(), rec.Value.Data()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("element %d: %v under NoGrad, %v recorded", i, got[i], want[i])
		}
	}
}
