package autograd

import (
	"testing"

	"github.com/gocx/gocx/internal/gputest"
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

// Every rule's gradcheck on the GPU: the same cases and bounds as on the
// CPU.
func TestGradCheckGPU(t *testing.T) {
	runGradCases(t, gputest.Device(t))
}

// 100 identical forward+backward passes (and AdamW steps) of a two-layer
// MLP on the GPU allocate no new GPU buffers after the first: every
// intermediate goes back to the device pool and is reused.
func TestGPUSteadyStateMLP(t *testing.T) {
	dev := gputest.Device(t)
	rng := tensor.NewRNG(1)
	params := []*Var{
		Param(tensor.Normal(dev, rng, 0.1, 64, 32), "w1"), Param(tensor.Zeros(dev, 64), "b1"),
		Param(tensor.Normal(dev, rng, 0.1, 10, 64), "w2"), Param(tensor.Zeros(dev, 10), "b2"),
	}
	moments := make([][2]*tensor.Tensor, len(params))
	for i, p := range params {
		moments[i] = [2]*tensor.Tensor{tensor.Zeros(dev, p.Shape()...), tensor.Zeros(dev, p.Shape()...)}
	}
	x := Const(tensor.Normal(dev, rng, 1, 16, 32))
	losses := make([]float32, 0, 100)
	step := func(i int) {
		tp := NewTape()
		h := tp.Gelu(tp.Linear(x, params[0], params[1]))
		y := tp.Linear(h, params[2], params[3])
		loss := tp.Mean(tp.Mul(y, y))
		tp.Backward(loss)
		losses = append(losses, loss.Value.Item())
		tp.Release()
		for j, p := range params {
			tensor.AdamW(p.Value, p.Grad, moments[j][0], moments[j][1],
				kernels.AdamWHyper{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: i + 1})
			p.ZeroGrad()
		}
	}
	step(0)
	first := dev.Kernels().Stats()
	for i := 1; i < 100; i++ {
		step(i)
	}
	last := dev.Kernels().Stats()
	if last.Allocations != first.Allocations || last.Live != first.Live {
		t.Fatalf("GPU buffers: %d allocations and %d live after the first pass, %d and %d after 100",
			first.Allocations, first.Live, last.Allocations, last.Live)
	}
	if last.Reuses <= first.Reuses {
		t.Fatalf("no pool reuse: %+v", last)
	}
	if !(losses[99] < losses[0]) {
		t.Fatalf("the MLP did not train: loss %v → %v", losses[0], losses[99])
	}
}
