package cpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// SumRows sums a rows×cols matrix over its rows:
//
//	dst[c] = Σ_r x[r,c].
//
// It is AddBias's backward for the bias; its own backward broadcasts the
// gradient to every row. Parallel over column blocks; each column adds its
// rows in order in float64, so the result does not depend on threading.
func SumRows(dst, x []float32, rows, cols int) {
	kernels.CheckRows("cpu.SumRows", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.SumRows", "dst", len(dst), cols)
	sumAxisInto(dst, x, 1, rows, cols, 1)
}

// SumAxis reduces the middle axis of x viewed as (outer, n, inner):
//
//	dst[o,j] = Σ_i x[o,i,j]   (dst is outer×inner).
//
// Sums are in float64, in order of i. Backward: BroadcastAxis(dx, ddst,
// outer, n, inner, 1).
func SumAxis(dst, x []float32, outer, n, inner int) {
	checkAxis("cpu.SumAxis", "x", len(x), "dst", len(dst), outer, n, inner)
	sumAxisInto(dst, x, outer, n, inner, 1)
}

// MeanAxis is SumAxis divided by n:
//
//	dst[o,j] = (1/n)·Σ_i x[o,i,j].
//
// With n = 0 the mean is NaN, as in PyTorch. Backward: BroadcastAxis with
// scale 1/n.
func MeanAxis(dst, x []float32, outer, n, inner int) {
	checkAxis("cpu.MeanAxis", "x", len(x), "dst", len(dst), outer, n, inner)
	sumAxisInto(dst, x, outer, n, inner, 1/float64(n))
}

// BroadcastAxis is the backward of SumAxis and MeanAxis: it copies g
// (outer, inner) along a new middle axis of length n, scaled:
//
//	dst[o,i,j] = scale·g[o,j]   (dst is outer×n×inner).
//
// Being linear, its own backward is SumAxis scaled by scale.
func BroadcastAxis(dst, g []float32, outer, n, inner int, scale float64) {
	checkAxis("cpu.BroadcastAxis", "dst", len(dst), "g", len(g), outer, n, inner)
	s := float32(scale)
	parallelFor(outer*n, rowChunk(inner), func(lo, hi int) {
		for oi := lo; oi < hi; oi++ {
			o := oi / n
			scaleRow(dst[oi*inner:(oi+1)*inner], g[o*inner:(o+1)*inner], s)
		}
	})
}

// checkAxis validates the (outer, n, inner) operands of the axis kernels.
func checkAxis(op, full string, lenFull int, reduced string, lenReduced, outer, n, inner int) {
	if outer < 0 || n < 0 || inner < 0 {
		panic(fmt.Sprintf("%s: negative size outer=%d n=%d inner=%d", op, outer, n, inner))
	}
	if lenFull != outer*n*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×n×inner=%d×%d×%d", op, full, lenFull, outer, n, inner))
	}
	if lenReduced != outer*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×inner=%d×%d", op, reduced, lenReduced, outer, inner))
	}
}

// accumF64Generic adds acc[j] += float64(row[j]) for j < len(acc): one row
// of a column sum (AVX2: accumF64AVX2, the same additions).
func accumF64Generic(acc []float64, row []float32) {
	row = row[:len(acc)]
	for j, v := range row {
		acc[j] += float64(v)
	}
}

// sumAxisInto sets dst[o,j] = scale·Σ_i x[o,i,j]. Work is split over
// (o, column block) pairs, each summing its rows in order into float64
// accumulators; blocks are at most 512 columns, fewer when outer is too
// small to give every thread some work.
func sumAxisInto(dst, x []float32, outer, n, inner int, scale float64) {
	block := 512
	if t := Threads(); outer < t {
		block = min(512, max(64, (inner+t-1)/t))
	}
	nb := (inner + block - 1) / block
	minTasks := max(1, 16384/max(1, n*min(inner, block)))
	parallelFor(outer*nb, minTasks, func(lo, hi int) {
		acc := make([]float64, min(inner, block))
		for task := lo; task < hi; task++ {
			o, j0 := task/nb, (task%nb)*block
			j1 := min(j0+block, inner)
			a := acc[:j1-j0]
			clear(a)
			for i := range n {
				accumF64(a, x[(o*n+i)*inner+j0:(o*n+i)*inner+j1])
			}
			out := dst[o*inner+j0 : o*inner+j1]
			for j, v := range a {
				out[j] = float32(scale * v)
			}
		}
	})
}
