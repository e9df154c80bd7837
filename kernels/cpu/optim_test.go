package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// adamTol bounds the relative norm errors of p, m and v after three AdamW
// steps: each step is a handful of float32 roundings per element on top of
// the float32 scalars (lr/(1−β₁ᵗ), √(1−β₂ᵗ), …), measured against the
// reference stepping the same float32 inputs in float64.
const adamTol = 1e-6

func TestAdamW(t *testing.T) {
	rng := newRNG(100)
	for _, n := range elemSizes {
		for _, beta1 := range []float64{0.9, 0.3} { // both lerp forms
			p, m, v := randSlice(rng, n), make([]float32, n), make([]float32, n)
			p64, m64, v64 := to64(p), make([]float64, n), make([]float64, n)
			for step := 1; step <= 3; step++ {
				g := randSlice(rng, n)
				h := kernels.AdamWHyper{LR: 1e-3, Beta1: beta1, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: step}
				AdamW(p, g, m, v, h)
				ref.AdamW(p64, to64(g), m64, v64, h)
			}
			checkRel(t, "AdamW p", p, p64, adamTol)
			checkRel(t, "AdamW m", m, m64, adamTol)
			checkRel(t, "AdamW v", v, v64, adamTol)
		}
	}
}

func TestAdamWPanicsOnStepZero(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AdamW with Step 0 did not panic")
		}
	}()
	AdamW(make([]float32, 1), make([]float32, 1), make([]float32, 1), make([]float32, 1), kernels.AdamWHyper{LR: 1, Beta1: 0.9, Beta2: 0.999})
}

// TestEMA: t ← m·t + (1−m)·s in float32, a few roundings (2e-7 bound).
func TestEMA(t *testing.T) {
	rng := newRNG(101)
	for _, n := range elemSizes {
		teacher, student := randSlice(rng, n), randSlice(rng, n)
		want := to64(teacher)
		EMA(teacher, student, 0.996)
		ref.EMA(want, to64(student), 0.996)
		checkRel(t, "EMA", teacher, want, scaledOpTol)
	}
}

// BenchmarkAdamWViTS steps the 22,058,112 parameters of ViT-S/14: it reads
// p, g, m, v and writes p, m, v (28 bytes per parameter).
func BenchmarkAdamWViTS(b *testing.B) {
	n := 22058112
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	h := kernels.AdamWHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 10}
	for b.Loop() {
		AdamW(p, g, m, v, h)
	}
	reportGBs(b, 28*n)
}
