package eval

import (
	"fmt"
	"io"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// Matrix is a host-side row-major float32 matrix (cached features).
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// Row returns row i (a view).
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// FeatureOptions configure Features.
type FeatureOptions struct {
	Batch     int  // images per forward pass (default 32)
	NBlocks   int  // CLS tokens of the last NBlocks blocks (default 4, as CXformer)
	NoAvgPool bool // leave out the mean patch token (CXformer keeps it)
	// Progress receives a progress bar (nil: silent).
	Progress io.Writer
	Desc     string // the bar's label (default "features")
}

func (o FeatureOptions) withDefaults() FeatureOptions {
	if o.Batch <= 0 {
		o.Batch = 32
	}
	if o.NBlocks <= 0 {
		o.NBlocks = 4
	}
	if o.Desc == "" {
		o.Desc = "features"
	}
	return o
}

// FeatureDim returns the width of the linear-probe feature: (n+1)·D with
// the average-pooled patch token, n·D without.
func FeatureDim(vit *cxformer.ViT, nBlocks int, avgpool bool) int {
	k := nBlocks
	if avgpool {
		k++
	}
	return k * vit.Cfg.EmbedDim
}

// Features runs the frozen backbone over every image of src (under NoGrad,
// in batches) and returns the linear-probe features of spec §9.1, one row
// per image:
//
//	[cls_{L-n+1}, …, cls_L, mean over patches of patch_L]
//
// every token final-normed; the mean excludes the CLS token and the
// registers. dev must be the device the ViT lives on.
func Features(vit *cxformer.ViT, dev tensor.Device, src Source, opt FeatureOptions) (Matrix, error) {
	opt = opt.withDefaults()
	if err := checkModel(vit, dev, opt.NBlocks); err != nil {
		return Matrix{}, err
	}
	n := src.Len()
	f := FeatureDim(vit, opt.NBlocks, !opt.NoAvgPool)
	out := Matrix{Rows: n, Cols: f, Data: make([]float32, n*f)}
	s := src.Size()
	b := newBar(opt.Progress, n, opt.Desc)
	defer b.Finish()
	batches, stop := prefetch(src, nil, chunks(iota(n), opt.Batch), 0)
	defer stop()
	row := 0
	for p := range batches {
		if p.err != nil {
			return Matrix{}, p.err
		}
		err := forwardNoGrad(vit, dev, p.pix, len(p.idx), s, opt.NBlocks, func(tp *autograd.Tape, o cxformer.Output) {
			feat := linearInput(tp, o, !opt.NoAvgPool)
			feat.Value.CopyTo(out.Data[row*f : (row+len(p.idx))*f])
		})
		if err != nil {
			return Matrix{}, err
		}
		row += len(p.idx)
		b.Add(len(p.idx))
	}
	return out, nil
}

// checkModel validates the model, its device and the block count.
func checkModel(vit *cxformer.ViT, dev tensor.Device, nBlocks int) error {
	if vit == nil {
		return fmt.Errorf("eval: no model")
	}
	if vit.Dev != dev {
		return fmt.Errorf("eval: the model lives on %s, not on %s", vit.Dev, dev)
	}
	if nBlocks < 1 || nBlocks > vit.Cfg.Depth {
		return fmt.Errorf("eval: CLS tokens of the last %d blocks asked of a %d-block model", nBlocks, vit.Cfg.Depth)
	}
	return nil
}

// forwardNoGrad runs the backbone on b images (b·3·s·s values) without
// recording and hands the output to use before the tape is released.
func forwardNoGrad(vit *cxformer.ViT, dev tensor.Device, pix []float32, b, s, lastN int,
	use func(tp *autograd.Tape, o cxformer.Output)) error {
	x, err := tensor.FromSlice(dev, pix, b, 3, s, s)
	if err != nil {
		return err
	}
	defer x.Release()
	tp := autograd.NewTape()
	defer tp.Release()
	tp.NoGrad(func() {
		var o cxformer.Output
		o, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{LastN: lastN})
		if err == nil {
			use(tp, o)
		}
	})
	return err
}

// linearInput builds the feature of spec §9.1 on the tape from a forward
// pass run with LastN = n: the n CLS tokens, then (avgpool) the mean of
// the last block's patch tokens. It records gradients when the tape does.
func linearInput(tp *autograd.Tape, o cxformer.Output, avgpool bool) *autograd.Var {
	parts := append([]*autograd.Var(nil), o.IntermediateCls...)
	if avgpool {
		last := o.IntermediatePatch[len(o.IntermediatePatch)-1] // (B, N, D)
		parts = append(parts, tp.MeanAxis(last, 1))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return tp.Concat(1, parts...)
}

// PatchFeatures runs the frozen backbone over every pair of src and
// returns the last block's final-normed patch tokens, one row of
// Hp·Wp·D values (patches in row-major grid order) per image, the class
// maps (N·Size·Size) and the patch grid.
func PatchFeatures(vit *cxformer.ViT, dev tensor.Device, src SegSource, batch int, progress io.Writer) (feats Matrix, masks []uint8, hp, wp int, err error) {
	if err := checkModel(vit, dev, 1); err != nil {
		return Matrix{}, nil, 0, 0, err
	}
	if batch <= 0 {
		batch = 16
	}
	s, p := src.Size(), vit.Cfg.PatchSize
	if s <= 0 || s%p != 0 {
		return Matrix{}, nil, 0, 0, fmt.Errorf("eval: image side %d is not a positive multiple of the patch size %d", s, p)
	}
	hp, wp = s/p, s/p
	n, d := src.Len(), vit.Cfg.EmbedDim
	cols := hp * wp * d
	feats = Matrix{Rows: n, Cols: cols, Data: make([]float32, n*cols)}
	masks = make([]uint8, n*s*s)
	b := newBar(progress, n, "patch features")
	defer b.Finish()
	batches, stop := prefetch(nil, src, chunks(iota(n), batch), 0)
	defer stop()
	row := 0
	for pf := range batches {
		if pf.err != nil {
			return Matrix{}, nil, 0, 0, pf.err
		}
		copy(masks[row*s*s:], pf.mask)
		err := forwardNoGrad(vit, dev, pf.pix, len(pf.idx), s, 0, func(_ *autograd.Tape, o cxformer.Output) {
			o.PatchNorm.Value.CopyTo(feats.Data[row*cols : (row+len(pf.idx))*cols])
		})
		if err != nil {
			return Matrix{}, nil, 0, 0, err
		}
		row += len(pf.idx)
		b.Add(len(pf.idx))
	}
	return feats, masks, hp, wp, nil
}
