package ref

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// AddBias adds a row vector to every row of a rows×cols matrix:
//
//	dst[r,c] = x[r,c] + bias[c].
//
// dst may be x. Backward: dx = dy, and dbias = SumRows(dy) (Σ_r dy[r,c]).
func AddBias[T Float](dst, x, bias []T, rows, cols int) {
	const op = "ref.AddBias"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckRows(op, "dst", len(dst), rows, cols)
	kernels.CheckLen(op, "bias", len(bias), cols)
	for r := range rows {
		for c := range cols {
			dst[r*cols+c] = T(float64(x[r*cols+c]) + float64(bias[c]))
		}
	}
}

// SumRows sums a rows×cols matrix over its rows:
//
//	dst[c] = Σ_r x[r,c].
//
// It is the backward of AddBias with respect to the bias. Its own backward
// broadcasts the gradient back to every row: dx[r,c] = ddst[c].
func SumRows[T Float](dst, x []T, rows, cols int) {
	const op = "ref.SumRows"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dst", len(dst), cols)
	for c := range cols {
		var s float64
		for r := range rows {
			s += float64(x[r*cols+c])
		}
		dst[c] = T(s)
	}
}

// checkAxis validates the (outer, n, inner) operands of the axis reductions:
// the 3-D tensor must have outer·n·inner elements and the reduced one
// outer·inner.
func checkAxis(op, full string, lenFull int, reduced string, lenReduced, outer, n, inner int) {
	checkSizes(op, "outer, n, inner", outer, n, inner)
	if lenFull != outer*n*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×n×inner=%d×%d×%d", op, full, lenFull, outer, n, inner))
	}
	if lenReduced != outer*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×inner=%d×%d", op, reduced, lenReduced, outer, inner))
	}
}

// SumAxis reduces the middle axis of x, viewed as an (outer, n, inner)
// tensor:
//
//	dst[o,j] = Σ_i x[o,i,j]   (dst is outer×inner).
//
// Backward: dx = BroadcastAxis(ddst, scale 1).
func SumAxis[T Float](dst, x []T, outer, n, inner int) {
	checkAxis("ref.SumAxis", "x", len(x), "dst", len(dst), outer, n, inner)
	sumAxis(dst, x, outer, n, inner, 1)
}

// MeanAxis is SumAxis divided by n:
//
//	dst[o,j] = (1/n)·Σ_i x[o,i,j].
//
// Backward: dx = BroadcastAxis(ddst, scale 1/n). With n = 0 the mean is
// 0/0 = NaN, as in PyTorch.
func MeanAxis[T Float](dst, x []T, outer, n, inner int) {
	checkAxis("ref.MeanAxis", "x", len(x), "dst", len(dst), outer, n, inner)
	sumAxis(dst, x, outer, n, inner, 1/float64(n))
}

func sumAxis[T Float](dst, x []T, outer, n, inner int, scale float64) {
	for o := range outer {
		for j := range inner {
			var s float64
			for i := range n {
				s += float64(x[(o*n+i)*inner+j])
			}
			dst[o*inner+j] = T(scale * s)
		}
	}
}

// BroadcastAxis is the backward of SumAxis and MeanAxis: it copies a
// gradient g of shape (outer, inner) along a new middle axis of length n,
// scaled:
//
//	dst[o,i,j] = scale·g[o,j]   (dst is outer×n×inner).
//
// Use scale 1 after SumAxis and 1/n after MeanAxis. Being linear, its own
// backward is SumAxis scaled by scale.
func BroadcastAxis[T Float](dst, g []T, outer, n, inner int, scale float64) {
	checkAxis("ref.BroadcastAxis", "dst", len(dst), "g", len(g), outer, n, inner)
	for o := range outer {
		for i := range n {
			for j := range inner {
				dst[(o*n+i)*inner+j] = T(scale * float64(g[o*inner+j]))
			}
		}
	}
}
