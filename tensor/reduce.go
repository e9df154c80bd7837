package tensor

import (
	"fmt"
	"slices"
)

func axisSplit(op string, x *Tensor, axis int) (outer, n, inner, ax int) {
	if axis < 0 {
		axis += x.Rank()
	}
	if axis < 0 || axis >= x.Rank() {
		panic(fmt.Sprintf("%s: axis %d for shape %s", op, axis, ShapeString(x.shape)))
	}
	return numel(op, x.shape[:axis]), x.shape[axis], numel(op, x.shape[axis+1:]), axis
}

// SumAxis returns x summed over axis (the axis is removed).
func SumAxis(x *Tensor, axis int) *Tensor {
	outer, n, inner, ax := axisSplit("tensor.SumAxis", x, axis)
	y := newTensor("tensor.SumAxis", x.st.dev, slices.Delete(slices.Clone(x.shape), ax, ax+1))
	x.st.dev.backend().sumAxis(y.st, x.st, outer, n, inner)
	return y
}

// MeanAxis returns x averaged over axis (the axis is removed).
func MeanAxis(x *Tensor, axis int) *Tensor {
	y := SumAxis(x, axis)
	n := x.Dim(axis)
	if n > 0 {
		ScaleInPlace(y, 1/float64(n))
	}
	return y
}

// BroadcastAxis returns scale·g repeated n times along a new axis inserted
// at position axis: the backward of SumAxis (scale 1) and MeanAxis
// (scale 1/n).
func BroadcastAxis(g *Tensor, axis, n int, scale float64) *Tensor {
	const op = "tensor.BroadcastAxis"
	if axis < 0 {
		axis += g.Rank() + 1
	}
	if axis < 0 || axis > g.Rank() || n < 0 {
		panic(fmt.Sprintf("%s: axis %d, n %d for shape %s", op, axis, n, ShapeString(g.shape)))
	}
	shape := slices.Insert(slices.Clone(g.shape), axis, n)
	y := newTensor(op, g.st.dev, shape)
	g.st.dev.backend().broadcastAxis(y.st, g.st, numel(op, g.shape[:axis]), n, numel(op, g.shape[axis:]), scale)
	return y
}

// Sum returns the sum of all elements as a one-element tensor of shape (1).
func Sum(x *Tensor) *Tensor {
	flat := x.Reshape(1, x.Numel(), 1)
	defer flat.Release()
	s := SumAxis(flat, 1)
	defer s.Release()
	return s.Reshape(1)
}
