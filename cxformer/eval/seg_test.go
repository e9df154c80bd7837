package eval

import (
	"io"
	"math"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// torchBilinear is PyTorch's F.interpolate(mode="bilinear",
// align_corners=False) source coordinate rule, written out directly.
func torchBilinear(out, in, i int) (i0, i1 int, lambda float64) {
	src := (float64(i)+0.5)*float64(in)/float64(out) - 0.5
	if src < 0 {
		src = 0
	}
	i0 = int(math.Floor(src))
	i1 = min(i0+1, in-1)
	return i0, i1, src - float64(i0)
}

// upsampleRef computes the head's output (P, B, C) in float64 from the
// tokens (B, hp·wp, D), W (C, D) and b (C) by the formulas: a 1×1 conv,
// then for every pixel the four-tap bilinear blend.
func upsampleRef(feats, w, b []float64, bsz, hp, wp, d, c, outH, outW int) []float64 {
	conv := make([]float64, bsz*hp*wp*c)
	for i := 0; i < bsz*hp*wp; i++ {
		for k := 0; k < c; k++ {
			s := b[k]
			for j := 0; j < d; j++ {
				s += feats[i*d+j] * w[k*d+j]
			}
			conv[i*c+k] = s
		}
	}
	out := make([]float64, outH*outW*bsz*c)
	for y := 0; y < outH; y++ {
		y0, y1, ly := torchBilinear(outH, hp, y)
		for x := 0; x < outW; x++ {
			x0, x1, lx := torchBilinear(outW, wp, x)
			for bi := 0; bi < bsz; bi++ {
				at := func(yy, xx, k int) float64 { return conv[((bi*hp+yy)*wp+xx)*c+k] }
				for k := 0; k < c; k++ {
					v := (1-ly)*((1-lx)*at(y0, x0, k)+lx*at(y0, x1, k)) + ly*((1-lx)*at(y1, x0, k)+lx*at(y1, x1, k))
					out[((y*outW+x)*bsz+bi)*c+k] = v
				}
			}
		}
	}
	return out
}

// segLossRef is the ce_dice loss of spec §9.4 in float64.
func segLossRef(logits []float64, truth []uint8, p, bsz, c int) float64 {
	ce := 0.0
	inter := make([]float64, bsz*c)
	sumP := make([]float64, bsz*c)
	sumT := make([]float64, bsz*c)
	for px := 0; px < p; px++ {
		for b := 0; b < bsz; b++ {
			row := logits[(px*bsz+b)*c : (px*bsz+b+1)*c]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, v)
			}
			z := 0.0
			for _, v := range row {
				z += math.Exp(v - m)
			}
			k := int(truth[b*p+px])
			ce -= row[k] - m - math.Log(z)
			for j, v := range row {
				s := math.Exp(v-m) / z
				sumP[b*c+j] += s
				if j == k {
					inter[b*c+j] += s
					sumT[b*c+j]++
				}
			}
		}
	}
	ce /= float64(p * bsz)
	dice := 0.0
	for i := range inter {
		dice += (2*inter[i] + 1e-6) / (sumP[i] + sumT[i] + 1e-6)
	}
	dice /= float64(bsz * c)
	return 0.5*ce + 0.5*(1-dice)
}

// The head's upsampling matches PyTorch's bilinear rule at every pixel of
// a rectangular, non-integer-ratio case.
func TestSegHeadBilinearMatchesPyTorchRule(t *testing.T) {
	const bsz, hp, wp, d, c, outH, outW = 2, 3, 4, 5, 4, 7, 11
	head, err := NewSegHead(tensor.CPU, d, c, hp, wp, outH, outW, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer head.Release()
	rng := tensor.NewRNG(5)
	x := make([]float32, bsz*hp*wp*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	tp := autograd.NewTape()
	defer tp.Release()
	got := head.Forward(tp, tp.Const(tensor.MustFromSlice(tensor.CPU, x, bsz, hp*wp, d)))
	if s := got.Shape(); s[0] != outH*outW || s[1] != bsz || s[2] != c {
		t.Fatalf("output shape %v, want (%d, %d, %d)", s, outH*outW, bsz, c)
	}
	want := upsampleRef(f64(x), f64(head.Conv.W.Value.Data()), f64(head.Conv.B.Value.Data()), bsz, hp, wp, d, c, outH, outW)
	if e := relErr(f64(got.Value.Data()), want); e > 1e-6 {
		t.Errorf("upsampled logits differ from the PyTorch rule: rel err %.3g", e)
	}
}

// Gradient check of the whole head + loss composite (conv, permute,
// bilinear upsampling, softmax, CE and soft Dice) against finite
// differences of the float64 formulas.
func TestSegLossGradCheck(t *testing.T) {
	const bsz, hp, wp, d, c, outH, outW = 2, 2, 3, 3, 3, 5, 4
	truth := make([]uint8, bsz*outH*outW)
	for i := range truth {
		truth[i] = uint8((i*7 + i/5) % c)
	}
	wy, wx := bilinear(tensor.CPU, outH, hp), bilinear(tensor.CPU, outW, wp)
	defer wy.Release()
	defer wx.Release()
	gc := autograd.GradCase{
		Name:   "seg head + ce_dice",
		Shapes: [][]int{{bsz, hp * wp, d}, {c, d}, {c}},
		Op: func(tp *autograd.Tape, in []*autograd.Var) *autograd.Var {
			up := segLogits(tp, in[0], in[1], in[2], autograd.Const(wy), autograd.Const(wx), hp, wp, outH, outW)
			return SegLoss(tp, up, truth)
		},
		Ref: func(in [][]float64) []float64 {
			up := upsampleRef(in[0], in[1], in[2], bsz, hp, wp, d, c, outH, outW)
			return []float64{segLossRef(up, truth, outH*outW, bsz, c)}
		},
	}
	r, err := autograd.GradCheck(tensor.CPU, gc, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Forward > 1e-5 {
		t.Errorf("loss differs from the float64 formula: rel err %.3g", r.Forward)
	}
	for i, e := range r.Grads {
		if e > 1e-3 {
			t.Errorf("gradient of input %d: rel err %.3g against finite differences", i, e)
		}
	}
}

// patchClasses draws n images of side s whose 14-px patches each carry one
// class, drawn as that class's fixed random texture plus noise (a texture
// rather than a grey level: the LayerNorms make tokens blind to the scale
// of a patch), with the matching class maps.
func patchClasses(t testing.TB, n, s, classes int, seed uint64) *Pixels {
	t.Helper()
	tex := tensor.NewRNG(99) // the same textures in every set
	texture := make([][]float64, classes)
	for k := range texture {
		texture[k] = make([]float64, 3*14*14)
		for j := range texture[k] {
			texture[k][j] = tex.NormFloat64()
		}
	}
	rng := tensor.NewRNG(seed)
	g := s / 14
	px := make([]float32, n*3*s*s)
	masks := make([]uint8, n*s*s)
	for i := 0; i < n; i++ {
		cls := make([]int, g*g)
		for k := range cls {
			cls[k] = rng.IntN(classes)
		}
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				k := cls[(y/14)*g+x/14]
				masks[(i*s+y)*s+x] = uint8(k)
				for ch := 0; ch < 3; ch++ {
					v := texture[k][(ch*14+y%14)*14+x%14] + 0.3*rng.NormFloat64()
					px[((i*3+ch)*s+y)*s+x] = float32(v)
				}
			}
		}
	}
	p, err := NewPixels(s, px, masks)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// On masks that follow the patch grid (so the frozen tokens determine
// them) the trained head reaches a high Dice.
func TestTrainSegHeadSynthetic(t *testing.T) {
	// DINOv2's initial LayerScale (1e-5) keeps each token close to its own
	// patch, as a trained backbone's tokens are.
	cfg := tinyConfig()
	cfg.LayerScaleInit = 1e-5
	vit, err := cxformer.NewViT(cfg, tensor.CPU, 8)
	if err != nil {
		t.Fatal(err)
	}
	train, val, test := patchClasses(t, 40, 56, 4, 1), patchClasses(t, 10, 56, 4, 2), patchClasses(t, 12, 56, 4, 3)
	res, err := TrainSegHead(vit, tensor.CPU, train, val, test, SegConfig{Epochs: 12, BatchSize: 8, LR: 2e-2, Seed: 4,
		Bootstrap: 50, Progress: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Head.Release()
	if len(res.Epochs) != 12 || res.Test == nil {
		t.Fatalf("result %+v", res)
	}
	if first, last := res.Epochs[0].TrainLoss, res.Epochs[11].TrainLoss; !(last < first) {
		t.Errorf("loss did not fall: %+v", res.Epochs)
	}
	t.Logf("test dice_avg %.4f, epochs %+v", res.Test.DiceAvg.Value, res.Epochs)
	if res.Test.DiceAvg.Value < 0.85 {
		t.Errorf("test dice_avg %.4f on grid-aligned masks, want ≥ 0.85 (epochs %+v)", res.Test.DiceAvg.Value, res.Epochs)
	}
	for _, c := range res.Test.Classes {
		if !(c.Dice.Lo <= c.Dice.Hi) || c.Dice.Value < 0.7 {
			t.Errorf("%s: Dice %v", c.Name, c.Dice)
		}
	}
	if res.Test.Classes[0].Name != "Left Lung" {
		t.Errorf("class names %+v, want the CheXmask names", res.Test.Classes)
	}
}

// The report's Lung is the union of both lungs: swapping left and right
// lungs in the prediction leaves it perfect while the per-side Dice drop
// to 0; Heart and the averages follow spec §9.5 counting.
func TestSegmentationReport(t *testing.T) {
	truth := []uint8{
		1, 1, 2, 2, 3, 0, // image 0
		1, 2, 3, 3, 0, 0, // image 1
	}
	pred := []uint8{
		2, 2, 1, 1, 3, 0,
		2, 1, 3, 0, 0, 0,
	}
	rep := Segmentation(pred, truth, 2, 4, nil, 100, 1)
	if rep.Lung.Value != 1 || rep.LungMean.Value != 0 {
		t.Errorf("lung union %.4f (want 1), mean of sides %.4f (want 0)", rep.Lung.Value, rep.LungMean.Value)
	}
	// Heart: truth 3 pixels, prediction 2, both inside the truth: 2·2/5.
	if math.Abs(rep.Heart.Value-0.8) > 1e-12 {
		t.Errorf("heart Dice %.4f, want 0.8", rep.Heart.Value)
	}
	if math.Abs(rep.Avg.Value-0.9) > 1e-12 || math.Abs(rep.DiceAvg.Value-0.8/3) > 1e-12 {
		t.Errorf("avg %.4f (want 0.9), dice_avg %.4f (want %.4f)", rep.Avg.Value, rep.DiceAvg.Value, 0.8/3)
	}
	if rep.Lung.Lo != 1 || rep.Lung.Hi != 1 || rep.Heart.Lo > rep.Heart.Hi {
		t.Errorf("intervals: lung %v, heart %v", rep.Lung, rep.Heart)
	}
}
