package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// The guarded multi-tensor optimiser step: a training step that keeps its
// parameters, gradients and moments in flat arenas updates every tensor in
// one pass and decides on the device whether to clip and whether to skip.
// The decision travels in a control vector ctrl:
//
//	ctrl[0]    skip flag: ≠ 0 means the step must change nothing
//	ctrl[1+j]  gradient multiplier j (the clip coefficient of group j)
//
// SumSquaresSpans and ClipControl produce ctrl from the gradients;
// AdamWMultiCtrl and EMAMultiCtrl consume it.

// AdamWParam is one tensor of a multi-tensor AdamW step: elements
// [Off, Off+N) of P, G, M and V (one layout, so the same span of each),
// with its own hyper-parameters and ctrl[Scale] as gradient multiplier.
type AdamWParam[T Float] struct {
	P, G, M, V []T
	Off, N     int
	Hyper      kernels.AdamWHyper
	Scale      int
}

// EMAParam is one tensor of a multi-tensor EMA: elements [Off, Off+N) of
// Teacher and Student.
type EMAParam[T Float] struct {
	Teacher, Student []T
	Off, N           int
}

// AdamWMultiCtrl applies the AdamW step of AdamW to every entry of list
// with the gradient scaled and the whole step guarded by ctrl:
//
//	if ctrl[0] ≠ 0: nothing is written
//	else for each entry e: g_eff = g·ctrl[e.Scale] (rounded to T), then
//	AdamW(p, g_eff, m, v, e.Hyper) on the span of e
//
// A nil ctrl means no scaling and no skip (Scale is ignored). With
// ctrl[Scale] = 1 the step is AdamW's exactly. Spans out of range, a Scale
// outside [1, len(ctrl)) and Step < 1 panic. There is no backward.
func AdamWMultiCtrl[T Float](list []AdamWParam[T], ctrl []T) {
	const op = "ref.AdamWMultiCtrl"
	for i, e := range list {
		name := fmt.Sprintf("list[%d]", i)
		for _, b := range []struct {
			s string
			n int
		}{{"P", len(e.P)}, {"G", len(e.G)}, {"M", len(e.M)}, {"V", len(e.V)}} {
			kernels.CheckSpan(op, name+"."+b.s, e.Off, e.N, b.n)
		}
		if ctrl != nil {
			kernels.CheckScale(op, name, e.Scale, len(ctrl))
		}
	}
	if ctrl != nil && ctrl[0] != 0 {
		return
	}
	for _, e := range list {
		lo, hi := e.Off, e.Off+e.N
		g := e.G[lo:hi]
		if ctrl != nil {
			c := float64(ctrl[e.Scale])
			g = make([]T, e.N)
			for i, x := range e.G[lo:hi] {
				g[i] = T(float64(x) * c)
			}
		}
		AdamW(e.P[lo:hi], g, e.M[lo:hi], e.V[lo:hi], e.Hyper)
	}
}

// EMAMultiCtrl applies EMA (teacher ← m·teacher + (1−m)·student) to the
// span of every entry of list, unless ctrl[0] ≠ 0, when nothing is
// written. A nil ctrl never skips. There is no backward.
func EMAMultiCtrl[T Float](list []EMAParam[T], momentum float64, ctrl []T) {
	const op = "ref.EMAMultiCtrl"
	for i, e := range list {
		kernels.CheckSpan(op, fmt.Sprintf("list[%d].Teacher", i), e.Off, e.N, len(e.Teacher))
		kernels.CheckSpan(op, fmt.Sprintf("list[%d].Student", i), e.Off, e.N, len(e.Student))
	}
	if ctrl != nil && ctrl[0] != 0 {
		return
	}
	for _, e := range list {
		EMA(e.Teacher[e.Off:e.Off+e.N], e.Student[e.Off:e.Off+e.N], momentum)
	}
}

// SumSquaresSpans computes, for every span j (elements [lo, hi) of src,
// spans[j] = {lo, hi}),
//
//	dst[j] = Σ_{lo ≤ i < hi} src[i]²
//
// accumulated in float64 (an empty span gives 0). len(dst) must be
// len(spans). Backward: d src[i] = 2·src[i]·d dst[j] for i in span j.
func SumSquaresSpans[T Float](dst, src []T, spans [][2]int) {
	const op = "ref.SumSquaresSpans"
	kernels.CheckLen(op, "dst", len(dst), len(spans))
	for j, s := range spans {
		kernels.CheckRange(op, j, s, len(src))
	}
	for j, s := range spans {
		var acc float64
		for _, x := range src[s[0]:s[1]] {
			acc += float64(x) * float64(x)
		}
		dst[j] = T(acc)
	}
}

// ClipControl turns per-group sums of squared gradients into the control
// vector of a guarded step (len(ctrl) = 1 + len(sumsq)): for group j,
//
//	total_j   = √sumsq[j]
//	ctrl[1+j] = maxNorm/(total_j + 10⁻⁶) if that is < 1, else exactly 1
//	ctrl[0]   = 1 if any total_j or any watch[i] is NaN or ±Inf, else 0
//
// (a non-finite total_j gets ctrl[1+j] = 1: the step is skipped anyway),
// which is torch.nn.utils.clip_grad_norm_ (norm type 2) per group plus a
// non-finite guard over the values in watch (a loss, say). maxNorm = +Inf
// never clips; a NaN or negative maxNorm panics. There is no backward.
func ClipControl[T Float](ctrl, sumsq, watch []T, maxNorm float64) {
	const op = "ref.ClipControl"
	kernels.CheckLen(op, "ctrl", len(ctrl), 1+len(sumsq))
	kernels.CheckMaxNorm(op, maxNorm)
	bad := false
	for j, s := range sumsq {
		total := math.Sqrt(float64(s))
		ctrl[1+j] = 1
		if math.IsNaN(total) || math.IsInf(total, 0) {
			bad = true
		} else if coef := maxNorm / (total + kernels.ClipEps); coef < 1 {
			ctrl[1+j] = T(coef)
		}
	}
	for _, w := range watch {
		if x := float64(w); math.IsNaN(x) || math.IsInf(x, 0) {
			bad = true
		}
	}
	ctrl[0] = 0
	if bad {
		ctrl[0] = 1
	}
}
