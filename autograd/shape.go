package autograd

import (
	"slices"

	"github.com/gocx/gocx/tensor"
)

// Reshape returns x with a new shape sharing its storage.
// Backward: dx = dy reshaped to x's shape.
func (tp *Tape) Reshape(x *Var, shape ...int) *Var {
	y := x.Value.Reshape(shape...)
	return tp.record("Reshape", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, dy.Reshape(x.Shape()...))
	})
}

// Permute reorders axes (axis i of the result is axis perm[i] of x).
// Backward: dx = Permute(dy, perm⁻¹).
func (tp *Tape) Permute(x *Var, perm ...int) *Var {
	perm = slices.Clone(perm)
	y := tensor.Permute(x.Value, perm...)
	return tp.record("Permute", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.Permute(dy, tensor.InversePerm(perm)...))
	})
}

// GatherRows returns rows idx of x viewed as (rows, last dim).
// Backward: dx = 0 with dy's rows scatter-added at idx (repeats add up).
func (tp *Tape) GatherRows(x *Var, idx []int32) *Var {
	idx = slices.Clone(idx)
	y := tensor.GatherRows(x.Value, idx)
	return tp.record("GatherRows", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		dx := tensor.Zeros(dy.Device(), x.Shape()...)
		tensor.ScatterAddRows(dx, dy, idx)
		grad(x, dx)
	})
}

// Concat joins vars along axis. Backward: each input receives its slice of
// dy.
func (tp *Tape) Concat(axis int, xs ...*Var) *Var {
	vals := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		vals[i] = x.Value
	}
	y := tensor.Concat(axis, vals...)
	if axis < 0 {
		axis += y.Rank()
	}
	return tp.record("Concat", y, slices.Clone(xs), nil, func(dy *tensor.Tensor) {
		off := 0
		for _, x := range xs {
			n := x.Value.Dim(axis)
			if x.requiresGrad {
				grad(x, tensor.Slice(dy, axis, off, off+n))
			}
			off += n
		}
	})
}

// Slice returns x[..., lo:hi, ...] along axis.
// Backward: dx is zero except dy written at [lo:hi].
func (tp *Tape) Slice(x *Var, axis, lo, hi int) *Var {
	y := tensor.Slice(x.Value, axis, lo, hi)
	return tp.record("Slice", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.SliceBackward(dy, x.Shape(), axis, lo))
	})
}

// SelectRows replaces the rows of x whose mask entry is non-zero by row
// (iBOT's mask token). Backward: dx = dy with the masked rows zeroed;
// drow = Σ of dy's masked rows.
func (tp *Tape) SelectRows(x, row *Var, mask []int32) *Var {
	mask = slices.Clone(mask)
	y := tensor.SelectRows(x.Value, row.Value, mask)
	return tp.record("SelectRows", y, []*Var{x, row}, nil, func(dy *tensor.Tensor) {
		if x.requiresGrad {
			z := tensor.Zeros(dy.Device(), row.Value.Numel())
			grad(x, tensor.SelectRows(dy, z, mask))
			z.Release()
		}
		if row.requiresGrad {
			grad(row, tensor.MaskedSumRows(dy, mask)) // accumulate reshapes to row's shape
		}
	})
}

// Patchify turns images (B, C, H, W) into patch rows (B, N, C·p·p).
// Backward: the adjoint Unpatchify (patches do not overlap).
func (tp *Tape) Patchify(img *Var, p int) *Var {
	y := tensor.Patchify(img.Value, p)
	return tp.record("Patchify", y, []*Var{img}, nil, func(dy *tensor.Tensor) {
		s := img.Shape()
		grad(img, tensor.Unpatchify(dy, s[0], s[1], s[2], s[3], p))
	})
}

// Resample2D maps a grid of channel vectors src (inH·inW, ch) to
// (outH·outW, ch) by Wy·src·Wxᵀ per channel (wy, wx constants).
// Backward: dsrc = Wyᵀ·dy·Wx per channel.
func (tp *Tape) Resample2D(src, wy, wx *Var, inH, inW, outH, outW int) *Var {
	y := tensor.Resample2D(src.Value, wy.Value, wx.Value, inH, inW, outH, outW)
	return tp.record("Resample2D", y, []*Var{src}, nil, func(dy *tensor.Tensor) {
		grad(src, tensor.Resample2DAdjoint(dy, wy.Value, wx.Value, inH, inW, outH, outW))
	})
}

// IndexAdd returns x with row i of src added to row idx[i] (x and src
// viewed as (rows, last dim); repeated indices accumulate). Stochastic depth
// uses it to add the residual branch of the kept samples only.
// Backward: dx = dy; dsrc = rows idx of dy.
func (tp *Tape) IndexAdd(x, src *Var, idx []int32) *Var {
	idx = slices.Clone(idx)
	y := x.Value.Clone()
	tensor.ScatterAddRows(y, src.Value, idx)
	return tp.record("IndexAdd", y, []*Var{x, src}, nil, func(dy *tensor.Tensor) {
		if x.requiresGrad {
			grad(x, dy.Clone())
		}
		if src.requiresGrad {
			grad(src, tensor.GatherRows(dy, idx))
		}
	})
}
