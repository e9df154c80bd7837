package cpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// The guarded multi-tensor optimiser step (see kernels/ref/multi.go): a
// control vector ctrl carries the skip flag (ctrl[0] ≠ 0: change nothing)
// and the gradient multipliers ctrl[1+j]; SumSquaresSpans and ClipControl
// produce it, AdamWMultiCtrl and EMAMultiCtrl consume it.

// AdamWParam is one tensor of a multi-tensor AdamW step: elements
// [Off, Off+N) of P, G, M and V, with its own hyper-parameters and
// ctrl[Scale] as gradient multiplier.
type AdamWParam struct {
	P, G, M, V []float32
	Off, N     int
	Hyper      kernels.AdamWHyper
	Scale      int
}

// EMAParam is one tensor of a multi-tensor EMA: elements [Off, Off+N) of
// Teacher and Student.
type EMAParam struct {
	Teacher, Student []float32
	Off, N           int
}

// AdamWMultiCtrl applies AdamW to the span of every entry of list, with
// the gradient scaled and the step guarded by ctrl:
//
//	if ctrl[0] ≠ 0: nothing is written
//	else for each entry e: g_eff = g·ctrl[e.Scale] (float32 product), then
//	AdamW(p, g_eff, m, v, e.Hyper) on the span of e
//
// A nil ctrl means no scaling and no skip. With ctrl[Scale] = 1 the result
// is AdamW's bit for bit (the same instructions run). Spans out of range, a
// Scale outside [1, len(ctrl)) and Step < 1 panic. There is no backward.
func AdamWMultiCtrl(list []AdamWParam, ctrl []float32) {
	const op = "cpu.AdamWMultiCtrl"
	for i, e := range list {
		name := fmt.Sprintf("list[%d]", i)
		kernels.CheckSpan(op, name+".P", e.Off, e.N, len(e.P))
		kernels.CheckSpan(op, name+".G", e.Off, e.N, len(e.G))
		kernels.CheckSpan(op, name+".M", e.Off, e.N, len(e.M))
		kernels.CheckSpan(op, name+".V", e.Off, e.N, len(e.V))
		if ctrl != nil {
			kernels.CheckScale(op, name, e.Scale, len(ctrl))
		}
		if e.Hyper.Step < 1 {
			panic(fmt.Sprintf("%s: %s: Step=%d, want ≥ 1 (the step number after incrementing)", op, name, e.Hyper.Step))
		}
	}
	if ctrl != nil && ctrl[0] != 0 {
		return
	}
	for _, e := range list {
		c := float32(1)
		if ctrl != nil {
			c = ctrl[e.Scale]
		}
		lo, hi := e.Off, e.Off+e.N
		adamWScaled(op, e.P[lo:hi], e.G[lo:hi], e.M[lo:hi], e.V[lo:hi], e.Hyper, c)
	}
}

// EMAMultiCtrl applies EMA (teacher ← m·teacher + (1−m)·student) to the
// span of every entry of list unless ctrl[0] ≠ 0, when nothing is written.
// A nil ctrl never skips. There is no backward.
func EMAMultiCtrl(list []EMAParam, momentum float64, ctrl []float32) {
	const op = "cpu.EMAMultiCtrl"
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

// sumSqChunk is the element count of one partial sum of SumSquaresSpans:
// the spans are cut into chunks of this size (from each span's start), the
// chunks summed in parallel and each span's chunks added in order, so the
// result depends only on the sizes, never on the thread count.
const sumSqChunk = 16384

// SumSquaresSpans computes, for every span j (elements [lo, hi) of src,
// spans[j] = {lo, hi}),
//
//	dst[j] = Σ_{lo ≤ i < hi} src[i]²
//
// accumulated in float64 in a fixed order (chunks of 16,384 elements, then
// the chunks in order) and rounded once; an empty span gives 0. len(dst)
// must be len(spans). Backward: d src[i] = 2·src[i]·d dst[j].
func SumSquaresSpans(dst, src []float32, spans [][2]int) {
	const op = "cpu.SumSquaresSpans"
	kernels.CheckLen(op, "dst", len(dst), len(spans))
	type chunk struct{ span, lo, hi int }
	var chunks []chunk
	for j, s := range spans {
		kernels.CheckRange(op, j, s, len(src))
		for lo := s[0]; lo < s[1]; lo += sumSqChunk {
			chunks = append(chunks, chunk{j, lo, min(lo+sumSqChunk, s[1])})
		}
	}
	part := make([]float64, len(chunks))
	parallelFor(len(chunks), 1, func(a, b int) {
		for k := a; k < b; k++ {
			var acc float64
			for _, x := range src[chunks[k].lo:chunks[k].hi] {
				acc += float64(x) * float64(x)
			}
			part[k] = acc
		}
	})
	acc := make([]float64, len(spans))
	for k, c := range chunks {
		acc[c.span] += part[k]
	}
	for j, a := range acc {
		dst[j] = float32(a)
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
// computed in float64 and rounded once: torch.nn.utils.clip_grad_norm_
// per group plus a non-finite guard. maxNorm = +Inf never clips; a NaN or
// negative maxNorm panics. There is no backward.
func ClipControl(ctrl, sumsq, watch []float32, maxNorm float64) {
	const op = "cpu.ClipControl"
	kernels.CheckLen(op, "ctrl", len(ctrl), 1+len(sumsq))
	kernels.CheckMaxNorm(op, maxNorm)
	bad := false
	for j, s := range sumsq {
		total := math.Sqrt(float64(s))
		ctrl[1+j] = 1
		if math.IsNaN(total) || math.IsInf(total, 0) {
			bad = true
		} else if coef := maxNorm / (total + kernels.ClipEps); coef < 1 {
			ctrl[1+j] = float32(coef)
		}
	}
	for _, w := range watch {
		bad = bad || math.IsNaN(float64(w)) || math.IsInf(float64(w), 0)
	}
	ctrl[0] = 0
	if bad {
		ctrl[0] = 1
	}
}
