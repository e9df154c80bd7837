package ref

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fdStep and fdTol are the finite-difference step and the relative-norm
// bound of every gradient check: the central-difference truncation error
// is O(h²) ≈ 1e-10 and the rounding error ≈ 1e-16/h ≈ 1e-11 relative.
const (
	fdStep = 1e-5
	fdTol  = 1e-6
)

func newRNG(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(1, uint64(len(t.Name()))))
}

// randn returns n standard normal numbers.
func randn(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// relErr returns ‖got − want‖/‖want‖ (or ‖got‖ when want is zero).
func relErr(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		d := got[i] - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// wrt names one input of a forward function and the analytic gradient of
// L = ⟨forward(), dy⟩ with respect to it.
type wrt struct {
	name string
	x    []float64
	grad []float64
}

// checkGrad compares each analytic gradient with central differences of
// L = ⟨forward(), dy⟩, where forward reruns the operator on the current
// contents of the inputs (it closes over them). The error is relative to
// max(‖numeric‖, 1e-4) so that a gradient that is exactly zero (a
// weight-norm direction of one column) is compared against the ≈1e-11
// noise of the differences rather than divided by it.
func checkGrad(t *testing.T, op string, forward func() []float64, dy []float64, params ...wrt) {
	t.Helper()
	loss := func() float64 { return dot(forward(), dy) }
	for _, p := range params {
		num := NumericGrad(loss, p.x, fdStep)
		if len(p.grad) != len(num) {
			t.Errorf("%s: len(d/d%s)=%d, want %d", op, p.name, len(p.grad), len(num))
			continue
		}
		var diff, ref float64
		for i := range num {
			diff += (p.grad[i] - num[i]) * (p.grad[i] - num[i])
			ref += num[i] * num[i]
		}
		if e := math.Sqrt(diff) / max(math.Sqrt(ref), 1e-4); e > fdTol || math.IsNaN(e) {
			t.Errorf("%s: d/d%s: relative error %.3g > %g\nanalytic %v\nnumeric  %v", op, p.name, e, fdTol, p.grad, num)
		}
	}
}

// shapes are the awkward rows×cols sizes every row-wise operator is
// checked at.
var shapes = [][2]int{{1, 1}, {1, 7}, {3, 13}, {7, 3}, {13, 1}, {2, 16}}

// expectPanic runs f and checks that it panics with exactly msg.
func expectPanic(t *testing.T, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", msg)
			return
		}
		if s, ok := r.(string); !ok || s != msg {
			t.Errorf("panic %v, want %q", r, msg)
		}
	}()
	f()
}
