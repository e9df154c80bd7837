package cpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// AdamW performs one in-place step of torch.optim.AdamW (amsgrad and
// maximize off) on parameters p with gradient g and moments m, v, with
// t = h.Step (≥ 1, counted after the increment), in PyTorch's order:
//
//	p ← p·(1 − lr·wd)                      (decoupled weight decay)
//	m ← lerp(m, g, 1−β₁) = β₁·m + (1−β₁)·g
//	v ← β₂·v + (1−β₂)·g²
//	p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + eps)
//
// The per-step scalars are formed in float64 and rounded to float32 once;
// the lerp takes PyTorch's two forms (m + w·(g−m) for w < ½, otherwise
// g − (g−m)·(1−w)), so a float32 step matches PyTorch's float32 step to
// rounding. There is no backward.
func AdamW(p, g, m, v []float32, h kernels.AdamWHyper) {
	const op = "cpu.AdamW"
	kernels.CheckLen(op, "g", len(g), len(p))
	kernels.CheckLen(op, "m", len(m), len(p))
	kernels.CheckLen(op, "v", len(v), len(p))
	adamWScaled(op, p, g, m, v, h, 1)
}

// adamWScaled is AdamW with the gradient multiplied by c in float32
// (g_eff = g·c, exact when c = 1, so AdamW and AdamWMultiCtrl share these
// very instructions and agree bit for bit).
func adamWScaled(op string, p, g, m, v []float32, h kernels.AdamWHyper, c float32) {
	if h.Step < 1 {
		panic(fmt.Sprintf("%s: Step=%d, want ≥ 1 (the step number after incrementing)", op, h.Step))
	}
	decay := float32(1 - h.LR*h.WeightDecay)
	w := 1 - h.Beta1
	w32, omw := float32(w), float32(1-w)
	b2, omb2 := float32(h.Beta2), float32(1-h.Beta2)
	bc2Sqrt := float32(math.Sqrt(1 - math.Pow(h.Beta2, float64(h.Step))))
	stepSize := float32(h.LR / (1 - math.Pow(h.Beta1, float64(h.Step))))
	eps := float32(h.Eps)
	lerpLow := w < 0.5
	parallelFor(len(p), elemChunk, func(lo, hi int) {
		pp, gg, mm, vv := p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
		for i := range pp {
			gi, mi := gg[i]*c, mm[i]
			if lerpLow {
				mi += w32 * (gi - mi)
			} else {
				mi = gi - (gi-mi)*omw
			}
			vi := b2*vv[i] + omb2*gi*gi
			denom := float32(math.Sqrt(float64(vi)))/bc2Sqrt + eps
			pp[i] = pp[i]*decay - stepSize*(mi/denom)
			mm[i], vv[i] = mi, vi
		}
	})
}

// EMA moves the teacher weights towards the student's in place (the DINO
// teacher update):
//
//	teacher ← m·teacher + (1−m)·student,  m = momentum.
//
// There is no backward.
func EMA(teacher, student []float32, momentum float64) {
	kernels.CheckLen("cpu.EMA", "student", len(student), len(teacher))
	a, b := float32(momentum), float32(1-momentum)
	parallelFor(len(teacher), elemChunk, func(lo, hi int) {
		t, s := teacher[lo:hi], student[lo:hi]
		for i := range t {
			t[i] = a*t[i] + b*s[i]
		}
	})
}
