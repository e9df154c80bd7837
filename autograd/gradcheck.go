package autograd

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels/ref"
	"github.com/gocx/gocx/tensor"
)

// GradCase describes one differentiable rule to check: the autograd
// operator (run in float32 on a device) and the same forward written in
// float64 on the kernels/ref references.
type GradCase struct {
	Name   string
	Shapes [][]int // one shape per input
	// Const marks inputs that receive no gradient (targets, constant
	// matrices); nil means every input is differentiable.
	Const []bool
	// Init optionally fills input i (float64 values); nil draws N(0, 1).
	Init func(i int, rng *tensor.RNG, x []float64)
	Op   func(tp *Tape, in []*Var) *Var
	Ref  func(in [][]float64) []float64
}

// GradResult reports the relative-norm errors ‖a−b‖/‖b‖ of the forward
// (float32 autograd vs float64 reference) and of each input's gradient
// (autograd backward vs central finite differences of the reference).
type GradResult struct {
	Name       string
	Forward    float64
	Grads      []float64 // NaN for constant inputs
	WorstInput int
}

// Worst returns the largest gradient error.
func (r GradResult) Worst() float64 {
	w := 0.0
	for _, e := range r.Grads {
		if !math.IsNaN(e) && e > w {
			w = e
		}
	}
	return w
}

// GradCheck runs c on dev: random inputs, the output contracted with a
// random weight vector w (so the scalar ⟨w, y⟩ exercises every output),
// autograd's gradients of that scalar against central finite differences
// (h = 1e-6) of the float64 reference. Keep inputs small: the reference
// runs twice per input element.
func GradCheck(dev tensor.Device, c GradCase, seed uint64) (res GradResult, err error) {
	res.Name = c.Name
	err = tensor.Try(func() { res = gradCheck(dev, c, seed) })
	return res, err
}

func gradCheck(dev tensor.Device, c GradCase, seed uint64) GradResult {
	rng := tensor.NewRNG(seed)
	xs := make([][]float64, len(c.Shapes))
	vars := make([]*Var, len(c.Shapes))
	for i, s := range c.Shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		xs[i] = make([]float64, n)
		if c.Init != nil {
			c.Init(i, rng, xs[i])
		} else {
			for j := range xs[i] {
				xs[i][j] = rng.NormFloat64()
			}
		}
		// Round to float32 so both sides see exactly the same inputs.
		f32 := make([]float32, n)
		for j, v := range xs[i] {
			f32[j] = float32(v)
			xs[i][j] = float64(f32[j])
		}
		t := tensor.MustFromSlice(dev, f32, s...)
		if c.Const != nil && c.Const[i] {
			vars[i] = Const(t)
		} else {
			vars[i] = Input(t)
		}
	}
	want := c.Ref(xs)
	w := make([]float64, len(want))
	w32 := make([]float32, len(want))
	for i := range w {
		w32[i] = float32(rng.NormFloat64())
		w[i] = float64(w32[i])
	}

	tp := NewTape()
	y := c.Op(tp, vars)
	got := y.Value.Data()
	if len(got) != len(want) {
		panic(fmt.Sprintf("autograd.GradCheck %s: op gives %d values, reference %d", c.Name, len(got), len(want)))
	}
	res := GradResult{Name: c.Name, Forward: relErr32(got, want), Grads: make([]float64, len(xs))}
	tp.BackwardFrom(y, tensor.MustFromSlice(dev, w32, y.Shape()...))

	for i := range xs {
		if !vars[i].requiresGrad {
			res.Grads[i] = math.NaN()
			continue
		}
		f := func() float64 {
			out := c.Ref(xs)
			s := 0.0
			for j, v := range out {
				s += w[j] * v
			}
			return s
		}
		num := ref.NumericGrad(f, xs[i], 1e-6)
		var ana []float32
		if vars[i].Grad != nil {
			ana = vars[i].Grad.Data()
		} else {
			ana = make([]float32, len(num))
		}
		res.Grads[i] = relErr32(ana, num)
		if res.Grads[i] > res.Grads[res.WorstInput] || math.IsNaN(res.Grads[res.WorstInput]) {
			res.WorstInput = i
		}
	}
	tp.Release()
	for _, v := range vars {
		v.Value.Release()
		if v.Grad != nil {
			v.Grad.Release()
		}
	}
	return res
}

// relErr32 is ‖got−want‖/‖want‖ (the absolute norm when want is zero).
func relErr32(got []float32, want []float64) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}
