package autograd

import "github.com/gocx/gocx/tensor"

// SumAxis sums x over axis (removing it). Backward: dx = dy broadcast
// along the axis.
func (tp *Tape) SumAxis(x *Var, axis int) *Var {
	if axis < 0 {
		axis += x.Value.Rank()
	}
	n := x.Value.Dim(axis)
	y := tensor.SumAxis(x.Value, axis)
	return tp.record("SumAxis", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.BroadcastAxis(dy, axis, n, 1))
	})
}

// MeanAxis averages x over axis (removing it). Backward: dx = dy/n
// broadcast along the axis.
func (tp *Tape) MeanAxis(x *Var, axis int) *Var {
	if axis < 0 {
		axis += x.Value.Rank()
	}
	n := x.Value.Dim(axis)
	y := tensor.MeanAxis(x.Value, axis)
	return tp.record("MeanAxis", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.BroadcastAxis(dy, axis, n, 1/float64(max(n, 1))))
	})
}

// Sum returns the sum of all elements, shape (1). Backward: dx = dy
// everywhere.
func (tp *Tape) Sum(x *Var) *Var {
	flat := tp.Reshape(x, 1, x.Value.Numel())
	return tp.SumAxis(flat, 1)
}

// Mean returns the mean of all elements, shape (1).
func (tp *Tape) Mean(x *Var) *Var {
	flat := tp.Reshape(x, 1, x.Value.Numel())
	return tp.MeanAxis(flat, 1)
}

// Broadcast repeats x n times along a new axis inserted at position axis
// (e.g. the CLS token (1, D) → (B, 1, D)). Backward: dx = Σ of dy over
// that axis.
func (tp *Tape) Broadcast(x *Var, axis, n int) *Var {
	if axis < 0 {
		axis += x.Value.Rank() + 1
	}
	y := tensor.BroadcastAxis(x.Value, axis, n, 1)
	return tp.record("Broadcast", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.SumAxis(dy, axis))
	})
}
