package ref

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// TestAdamWTwoSteps unrolls two AdamW steps by hand in the form of spec
// §7.3 (p − lr·m̂/(√v̂ + eps) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)), which is
// algebraically PyTorch's form.
func TestAdamWTwoSteps(t *testing.T) {
	const lr, b1, b2, eps, wd = 1e-2, 0.9, 0.999, 1e-8, 0.04
	p0 := []float64{0.5, -1.25, 3, 0}
	g1 := []float64{0.1, -2, 0, 1e-9}
	g2 := []float64{-0.3, 0.5, 0.7, 1e-9}

	p := append([]float64(nil), p0...)
	m, v := make([]float64, 4), make([]float64, 4)
	AdamW(p, g1, m, v, kernels.AdamWHyper{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, WeightDecay: wd, Step: 1})
	AdamW(p, g2, m, v, kernels.AdamWHyper{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, WeightDecay: wd, Step: 2})

	for i := range p0 {
		x := p0[i]
		// step 1
		x -= lr * wd * x
		m1 := (1 - b1) * g1[i]
		v1 := (1 - b2) * g1[i] * g1[i]
		x -= lr * (m1 / (1 - b1)) / (math.Sqrt(v1/(1-b2)) + eps)
		// step 2
		x -= lr * wd * x
		m2 := b1*m1 + (1-b1)*g2[i]
		v2 := b2*v1 + (1-b2)*g2[i]*g2[i]
		x -= lr * (m2 / (1 - b1*b1)) / (math.Sqrt(v2/(1-b2*b2)) + eps)

		close := func(got, want float64) bool { return math.Abs(got-want) <= 1e-14*math.Abs(want) }
		if !close(p[i], x) || !close(m[i], m2) || !close(v[i], v2) {
			t.Errorf("element %d: p=%v m=%v v=%v, want %v %v %v", i, p[i], m[i], v[i], x, m2, v2)
		}
	}
}

func TestAdamWLerpBranch(t *testing.T) {
	// β₁ < ½ takes PyTorch's other lerp formula; the result is the same
	// moment up to rounding.
	p, m, v := []float64{1}, []float64{0.25}, []float64{0}
	AdamW(p, []float64{2}, m, v, kernels.AdamWHyper{LR: 0, Beta1: 0.3, Beta2: 0.5, Step: 3})
	if want := 0.3*0.25 + 0.7*2; math.Abs(m[0]-want) > 1e-15 || p[0] != 1 {
		t.Errorf("m=%v p=%v, want %v and unchanged p", m[0], p[0], want)
	}
}

func TestNumericGrad(t *testing.T) {
	// f = x0²·x1 + e^{x2}: ∇f = (2·x0·x1, x0², e^{x2}).
	x := []float64{1.5, -2, 0.3}
	orig := append([]float64(nil), x...)
	f := func() float64 { return x[0]*x[0]*x[1] + math.Exp(x[2]) }
	g := NumericGrad(f, x, 1e-5)
	want := []float64{2 * 1.5 * -2, 1.5 * 1.5, math.Exp(0.3)}
	if e := relErr(g, want); e > 1e-9 {
		t.Errorf("NumericGrad = %v, want %v (relative error %g)", g, want, e)
	}
	if relErr(x, orig) != 0 {
		t.Errorf("NumericGrad changed x: %v, was %v", x, orig)
	}
}
