package cxformer

import (
	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/kernels/ref"
	"github.com/gocx/gocx/tensor"
)

// posEmbed returns the position embedding for an hp×wp patch grid of an
// h×w image as (1+N, D): the stored embedding itself when the grid is the
// stored M×M and the image square (DINOv2's skip rule), else the CLS row
// followed by the resampled grid.
//
// Mode T is dinov2's interpolate_pos_encoding (at the commit the golden
// data was made from): bicubic A=-0.75 with scale_factor
// ((h0+offset)/M, (w0+offset)/M) on the (rows, columns) of the grid; the
// rectangular golden (5×3 patches) pins the axis order. Mode E is Hugging
// Face's Dinov2WithRegisters: an antialiased resize to the explicit size
// (h0, w0); ModeSize is Hugging Face's Dinov2Model: the same without
// antialias.
func (v *ViT) posEmbed(tp *autograd.Tape, hp, wp, h, w int) *autograd.Var {
	m, d := v.Cfg.Grid(), v.Cfg.EmbedDim
	all := tp.Reshape(v.PosEmbed, 1+m*m, d)
	if hp*wp == m*m && h == w {
		return all
	}
	rows, cols := hp, wp
	mats := v.resampleMatrices(rows, cols)
	grid := tp.Slice(all, 0, 1, 1+m*m) // (M², D)
	resampled := tp.Resample2D(grid, autograd.Const(mats[0]), autograd.Const(mats[1]), m, m, rows, cols)
	return tp.Concat(0, tp.Slice(all, 0, 0, 1), resampled)
}

// resampleMatrices returns (cached) Wy (rows×M) and Wx (cols×M).
func (v *ViT) resampleMatrices(rows, cols int) [2]*tensor.Tensor {
	key := [2]int{rows, cols}
	if mats, ok := v.interp[key]; ok {
		return mats
	}
	m := v.Cfg.Grid()
	build := func(out int) *tensor.Tensor {
		var w []float64
		switch v.Cfg.Interp {
		case ModeE:
			w = ref.AntialiasBicubicMatrix(out, m)
		case ModeSize:
			w = ref.BicubicMatrix(out, m, 0) // no scale given: ratio in/out
		default:
			w = ref.BicubicMatrix(out, m, (float64(out)+v.Cfg.InterpOffset)/float64(m))
		}
		f := make([]float32, len(w))
		for i, x := range w {
			f[i] = float32(x)
		}
		return tensor.MustFromSlice(v.Dev, f, out, m)
	}
	mats := [2]*tensor.Tensor{build(rows), build(cols)}
	v.interp[key] = mats
	return mats
}
