package eval

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/kernels/ref"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// SegHead is the linear segmentation head of spec §9.4: a 1×1 convolution
// (D → C, with bias) on the (Hp, Wp) grid of patch tokens, then bilinear
// upsampling (PyTorch's align_corners = false) to the OutH×OutW image.
type SegHead struct {
	Conv         *nn.Linear // W (C, D), B (C)
	Params       nn.Params  // head.weight, head.bias
	Hp, Wp       int
	OutH, OutW   int
	wy, wx       *autograd.Var // bilinear matrices (OutH, Hp), (OutW, Wp)
	classes, dim int
}

// NewSegHead makes a head for D-wide tokens on an hp×wp grid and C
// classes, initialised as PyTorch's Conv2d (U(±1/√D) weights and biases).
func NewSegHead(dev tensor.Device, dim, classes, hp, wp, outH, outW int, seed uint64) (*SegHead, error) {
	if dim <= 0 || classes < 2 || hp <= 0 || wp <= 0 || outH <= 0 || outW <= 0 {
		return nil, fmt.Errorf("eval.NewSegHead: width %d, %d classes, grid %dx%d, output %dx%d: all must be positive (at least 2 classes)",
			dim, classes, hp, wp, outH, outW)
	}
	h := &SegHead{Hp: hp, Wp: wp, OutH: outH, OutW: outW, classes: classes, dim: dim}
	h.Conv = nn.NewLinear(&h.Params, "head", dev, tensor.NewRNG(seed), dim, classes, true, nn.InitDefault)
	h.wy = autograd.Const(bilinear(dev, outH, hp))
	h.wx = autograd.Const(bilinear(dev, outW, wp))
	return h, nil
}

// Classes returns C.
func (h *SegHead) Classes() int { return h.classes }

// bilinear returns ref.BilinearMatrix(out, in) as a float32 tensor.
func bilinear(dev tensor.Device, out, in int) *tensor.Tensor {
	m := ref.BilinearMatrix(out, in)
	f := make([]float32, len(m))
	for i, v := range m {
		f[i] = float32(v)
	}
	return tensor.MustFromSlice(dev, f, out, in)
}

// Forward maps patch tokens feats (B, Hp·Wp, D) to upsampled logits
// (OutH·OutW, B, C): pixel-major, so that a row of C values is one
// pixel's class scores.
func (h *SegHead) Forward(tp *autograd.Tape, feats *autograd.Var) *autograd.Var {
	return segLogits(tp, feats, h.Conv.W, h.Conv.B, h.wy, h.wx, h.Hp, h.Wp, h.OutH, h.OutW)
}

// Release returns the head's tensors to their device.
func (h *SegHead) Release() {
	releaseParams(h.Params)
	h.wy.Value.Release()
	h.wx.Value.Release()
}

// segLogits is the head's forward: the 1×1 convolution as a Linear on the
// tokens, then per class channel of every image Wy·L·Wxᵀ (bilinear
// upsampling, separable), computed for all B·C channels at once.
func segLogits(tp *autograd.Tape, feats, w, b, wy, wx *autograd.Var, hp, wp, outH, outW int) *autograd.Var {
	s := feats.Shape()
	if len(s) != 3 || s[1] != hp*wp {
		panic(fmt.Sprintf("eval.SegHead: features %s are not (B, %d·%d, D)", tensor.ShapeString(s), hp, wp))
	}
	bsz, c := s[0], w.Value.Dim(0)
	l := tp.Linear(feats, w, b)                          // (B, N, C)
	l = tp.Reshape(tp.Permute(l, 1, 0, 2), hp*wp, bsz*c) // (N, B·C): grid rows, channel columns
	up := tp.Resample2D(l, wy, wx, hp, wp, outH, outW)   // (P, B·C)
	return tp.Reshape(up, outH*outW, bsz, c)             // (P, B, C)
}

// SegLoss is the ce_dice loss of spec §9.4 on upsampled logits
// (P, B, C) against class maps truth (B·P values, image-major):
//
//	0.5·CE + 0.5·(1 − mean_{b,c} (2Σ_p s·t + 1e-6)/(Σ_p s + Σ_p t + 1e-6))
//
// with CE the mean over all pixels of all images, s = softmax over the C
// classes and t the one-hot truth; the Dice runs over every class,
// background included. It panics on a class value ≥ C.
func SegLoss(tp *autograd.Tape, logits *autograd.Var, truth []uint8) *autograd.Var {
	s := logits.Shape()
	p, bsz, c := s[0], s[1], s[2]
	if len(truth) != bsz*p {
		panic(fmt.Sprintf("eval.SegLoss: %d truth pixels for %d images of %d pixels", len(truth), bsz, p))
	}
	dev := logits.Value.Device()
	onehot := make([]float32, p*bsz*c) // (P, B, C), as the logits
	diceT := make([]float32, bsz*c*p)  // (B, C, P), as the Dice rows
	for b := 0; b < bsz; b++ {
		for px := 0; px < p; px++ {
			k := int(truth[b*p+px])
			if k >= c {
				panic(fmt.Sprintf("eval.SegLoss: image %d pixel %d has class %d, the head has %d", b, px, k, c))
			}
			onehot[(px*bsz+b)*c+k] = 1
			diceT[(b*c+k)*p+px] = 1
		}
	}
	oh := tp.Const(tensor.MustFromSlice(dev, onehot, p*bsz, c))
	dt := tp.Const(tensor.MustFromSlice(dev, diceT, bsz*c, p))
	ce := tp.Mean(tp.SoftCrossEntropy(oh, tp.Reshape(logits, p*bsz, c), 1))
	probs := tp.Reshape(tp.Permute(tp.Softmax(logits), 1, 2, 0), bsz*c, p)
	dice := tp.Mean(tp.SoftDice(probs, dt, 1e-6))
	half := tp.Const(tensor.Full(dev, 0.5, 1))
	return tp.Add(tp.Add(tp.Scale(ce, 0.5), tp.Scale(dice, -0.5)), half)
}

// argmaxPixels turns logits (P, B, C) into class maps (B·P, image-major);
// ties go to the lower class, as torch.argmax.
func argmaxPixels(logits []float32, p, bsz, c int, dst []uint8) {
	for px := 0; px < p; px++ {
		for b := 0; b < bsz; b++ {
			row := logits[(px*bsz+b)*c : (px*bsz+b+1)*c]
			best := 0
			for k := 1; k < c; k++ {
				if row[k] > row[best] {
					best = k
				}
			}
			dst[b*p+px] = uint8(best)
		}
	}
}
