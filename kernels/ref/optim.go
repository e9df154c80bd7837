package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// AdamW performs one in-place step of torch.optim.AdamW (amsgrad and
// maximize off) on parameters p with gradient g and moment buffers m, v,
// in PyTorch's order of operations, t = h.Step (≥ 1, counted after the
// increment):
//
//	p ← p·(1 − lr·wd)                          (decoupled weight decay)
//	m ← lerp(m, g, 1−β₁) = β₁·m + (1−β₁)·g
//	v ← β₂·v + (1−β₂)·g²
//	denom = √v / √(1−β₂ᵗ) + eps
//	p ← p − (lr/(1−β₁ᵗ))·m/denom
//
// The lerp is evaluated as PyTorch does (m + w·(g−m) for w < ½, else
// g − (g−m)·(1−w)), and every step is computed in float64, so the float64
// instantiation agrees with PyTorch's float64 step to within rounding.
// There is no backward.
func AdamW[T Float](p, g, m, v []T, h kernels.AdamWHyper) {
	const op = "ref.AdamW"
	kernels.CheckLen(op, "g", len(g), len(p))
	kernels.CheckLen(op, "m", len(m), len(p))
	kernels.CheckLen(op, "v", len(v), len(p))
	if h.Step < 1 {
		panic(fmt.Sprintf("%s: Step=%d, want ≥ 1 (the step number after incrementing)", op, h.Step))
	}
	decay := 1 - h.LR*h.WeightDecay
	w := 1 - h.Beta1
	bc1 := 1 - math.Pow(h.Beta1, float64(h.Step))
	bc2Sqrt := math.Sqrt(1 - math.Pow(h.Beta2, float64(h.Step)))
	stepSize := h.LR / bc1
	for i := range p {
		gi := float64(g[i])
		mi := float64(m[i])
		if w < 0.5 {
			mi += w * (gi - mi)
		} else {
			mi = gi - (gi-mi)*(1-w)
		}
		vi := h.Beta2*float64(v[i]) + (1-h.Beta2)*gi*gi
		denom := math.Sqrt(vi)/bc2Sqrt + h.Eps
		p[i] = T(float64(p[i])*decay - stepSize*(mi/denom))
		m[i], v[i] = T(mi), T(vi)
	}
}

// EMA moves the teacher weights towards the student's in place (the DINO
// teacher update):
//
//	teacher ← m·teacher + (1−m)·student,  m = momentum.
//
// There is no backward (the teacher is not trained by gradients).
func EMA[T Float](teacher, student []T, momentum float64) {
	kernels.CheckLen("ref.EMA", "student", len(student), len(teacher))
	for i := range teacher {
		teacher[i] = T(momentum*float64(teacher[i]) + (1-momentum)*float64(student[i]))
	}
}
