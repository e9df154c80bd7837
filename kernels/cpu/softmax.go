package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Softmax normalises each row of a rows×cols matrix:
//
//	m = max_k x[r,k],  y[r,k] = e^{x[r,k]−m} / Σ_j e^{x[r,j]−m}.
//
// Subtracting the row maximum leaves the result unchanged and makes
// overflow impossible; −Inf entries give 0 (a row that is all −Inf, or
// holds +Inf or NaN, gives NaN, as in the reference). y may be x.
//
// Backward: SoftmaxBackward, dx = y ⊙ (dy − Σ_k dy_k·y_k).
//
// Each row is three passes (max; exp and sum; scale by the reciprocal of
// the sum); the sum runs in several float32 vector accumulators over runs
// of sumRun elements whose totals add in float64. Rows run in parallel.
func Softmax(y, x []float32, rows, cols int) {
	kernels.CheckRows("cpu.Softmax", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.Softmax", "y", len(y), rows*cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr, xr := y[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
			m := rowMax(xr)
			s := expShiftSumRuns(yr, xr, m, 1)
			scaleRow(yr, yr, float32(1/s))
		}
	})
}

// LogSoftmax computes the log of Softmax row by row:
//
//	m = max_k x[r,k],  y[r,k] = (x[r,k] − m) − log Σ_j e^{x[r,j]−m}.
//
// The max is subtracted first, so large logits do not lose the small
// log-sum to rounding. y may be x.
//
// Backward: LogSoftmaxBackward, dx = dy − e^{y}·Σ_k dy_k.
func LogSoftmax(y, x []float32, rows, cols int) {
	kernels.CheckRows("cpu.LogSoftmax", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.LogSoftmax", "y", len(y), rows*cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr, xr := y[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
			m := rowMax(xr)
			s := sumExpShiftRuns(xr, m, 1)
			subSubRow(yr, xr, m, float32(math.Log(s)))
		}
	})
}

// SoftmaxBackward is the gradient of Softmax given its output y:
//
//	dx[r,k] = y[r,k]·(dy[r,k] − Σ_j dy[r,j]·y[r,j]).
//
// (From ∂y_j/∂x_k = y_j(δ_jk − y_k).) dx may be dy.
func SoftmaxBackward(dx, y, dy []float32, rows, cols int) {
	kernels.CheckRows("cpu.SoftmaxBackward", "y", len(y), rows, cols)
	kernels.CheckLen("cpu.SoftmaxBackward", "dy", len(dy), rows*cols)
	kernels.CheckLen("cpu.SoftmaxBackward", "dx", len(dx), rows*cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			yr, dyr, dxr := y[o:o+cols], dy[o:o+cols], dx[o:o+cols]
			s := float32(dotRuns(dyr, yr))
			for k, v := range yr {
				dxr[k] = v * (dyr[k] - s)
			}
		}
	})
}

// LogSoftmaxBackward is the gradient of LogSoftmax given its output y:
//
//	dx[r,k] = dy[r,k] − e^{y[r,k]}·Σ_j dy[r,j].
//
// (From ∂y_j/∂x_k = δ_jk − softmax_k, and softmax = e^{y}.) dx may be dy.
func LogSoftmaxBackward(dx, y, dy []float32, rows, cols int) {
	kernels.CheckRows("cpu.LogSoftmaxBackward", "y", len(y), rows, cols)
	kernels.CheckLen("cpu.LogSoftmaxBackward", "dy", len(dy), rows*cols)
	kernels.CheckLen("cpu.LogSoftmaxBackward", "dx", len(dx), rows*cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		var buf [256]float32 // e^{y} of one block: dx may alias dy
		for r := lo; r < hi; r++ {
			o := r * cols
			yr, dyr, dxr := y[o:o+cols], dy[o:o+cols], dx[o:o+cols]
			s := float32(sumRuns(dyr))
			for b := 0; b < cols; b += len(buf) {
				e := buf[:min(len(buf), cols-b)]
				expRow(e, yr[b:b+len(e)])
				for k, v := range e {
					dxr[b+k] = dyr[b+k] - v*s
				}
			}
		}
	})
}

// sumRun is the length of the runs that long row sums add in float32 (in
// 16 vector lanes in the assembly, 4 accumulators in Go) before the run
// totals are added in float64: the float32 error then stays that of a
// 512-term sum however long the row (65536 for the DINO head).
const sumRun = 512

// expShiftSumRuns sets dst[i] = e^{(x[i]−shift)·scale} and returns
// Σ dst[i], summed in runs of sumRun.
func expShiftSumRuns(dst, x []float32, shift, scale float32) float64 {
	var s float64
	for b := 0; b < len(dst); b += sumRun {
		e := min(b+sumRun, len(dst))
		s += float64(expShiftSum(dst[b:e], x[b:e], shift, scale))
	}
	return s
}

// sumExpShiftRuns returns Σ e^{(x[i]−shift)·scale}, summed in runs of
// sumRun.
func sumExpShiftRuns(x []float32, shift, scale float32) float64 {
	var s float64
	for b := 0; b < len(x); b += sumRun {
		s += float64(sumExpShift(x[b:min(b+sumRun, len(x))], shift, scale))
	}
	return s
}

// sumRuns returns Σ x[i]: float32 sums over runs of sumRun elements,
// added in float64.
func sumRuns(x []float32) float64 {
	var s float64
	for b := 0; b < len(x); b += sumRun {
		s += float64(sum32(x[b:min(b+sumRun, len(x))]))
	}
	return s
}

// dot32 returns Σ a[i]·b[i] over len(a) in four float32 accumulators.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sum32Generic returns Σ x[i] in four float32 accumulators.
func sum32Generic(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// maxGeneric returns max_i x[i], −Inf for an empty x.
func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// expShiftSumGeneric sets dst[i] = e^{(x[i]−shift)·scale} and returns
// their sum.
func expShiftSumGeneric(dst, x []float32, shift, scale float32) float32 {
	x = x[:len(dst)]
	var s [4]float32
	for i, v := range x {
		dst[i] = exp32((v - shift) * scale)
		s[i&3] += dst[i]
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// sumExpShiftGeneric returns Σ e^{(x[i]−shift)·scale}.
func sumExpShiftGeneric(x []float32, shift, scale float32) float32 {
	var s [4]float32
	for i, v := range x {
		s[i&3] += exp32((v - shift) * scale)
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}

// scaleGeneric sets dst[i] = s·x[i].
func scaleGeneric(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v * s
	}
}

// subSubGeneric sets dst[i] = (x[i] − a) − b.
func subSubGeneric(dst, x []float32, a, b float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = (v - a) - b
	}
}
