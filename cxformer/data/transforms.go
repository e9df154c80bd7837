package data

import (
	"fmt"
	"math"
)

// ClassifyAug is the fine-tuning train augmentation of spec §9.3 (cxr_finetune.py):
// RandomResizedCrop(Size, Scale, bicubic) → HFlip(FlipP) → RandomAffine → RandomApply(
// ColorJitter, JitterP) → RandomApply(GaussianBlur(BlurKernel, σ ∈ BlurSigma), BlurP) →
// ToTensor → ImageNet normalisation. Its zero value is not useful; start from
// CXformerClassifyAug.
type ClassifyAug struct {
	Size       int
	Scale      [2]float64
	Ratio      [2]float64
	FlipP      float64
	Affine     *AffineConfig
	JitterP    float64
	Jitter     [4]float64
	BlurP      float64
	BlurKernel int
	BlurSigma  [2]float64
}

// CXformerClassifyAug returns the paper's fine-tuning augmentation at 518 px: scale
// (0.08, 1), affine 20°/10%/0.8-1.2, jitter p 0.5, blur (kernel 9) p 0.5.
func CXformerClassifyAug() ClassifyAug {
	return ClassifyAug{
		Size:       518,
		Scale:      [2]float64{0.08, 1.0},
		Ratio:      [2]float64{3.0 / 4.0, 4.0 / 3.0},
		FlipP:      0.5,
		Affine:     &AffineConfig{Degrees: 20, Translate: 0.1, Scale: [2]float64{0.8, 1.2}},
		JitterP:    0.5,
		Jitter:     [4]float64{0.4, 0.4, 0.2, 0.1},
		BlurP:      0.5,
		BlurKernel: 9,
		BlurSigma:  [2]float64{0.1, 2.0},
	}
}

// Plan draws the random decisions for a w×h image.
func (a ClassifyAug) Plan(w, h int, key SampleKey) CropPlan {
	rng := key.rng(0)
	cp := CropPlan{Global: true, Size: a.Size, Origin: CropBox{H: h, W: w}}
	cp.Box = RandomResizedCropParams(rng, w, h, a.Scale, a.Ratio)
	cp.Flip = rng.Bernoulli(a.FlipP)
	if a.Affine != nil {
		p := RandomAffineParams(rng, a.Size, a.Size, a.Affine.Degrees, a.Affine.Translate, a.Affine.Scale)
		cp.Affine = &p
	}
	if rng.Bernoulli(a.JitterP) {
		j := JitterParams(rng, a.Jitter[0], a.Jitter[1], a.Jitter[2], a.Jitter[3])
		cp.Jitter = &j
	}
	if rng.Bernoulli(a.BlurP) {
		cp.BlurSigma = rng.Uniform(a.BlurSigma[0], a.BlurSigma[1])
	}
	return cp
}

// Apply augments img for key and returns the normalised 3×Size×Size tensor.
func (a ClassifyAug) Apply(img *Gray, key SampleKey) ([]float32, error) {
	if a.Size <= 0 || a.BlurKernel <= 0 || a.BlurKernel%2 == 0 || a.BlurKernel/2 >= a.Size {
		return nil, fmt.Errorf("data: ClassifyAug size %d / blur kernel %d invalid", a.Size, a.BlurKernel)
	}
	out := make([]float32, 3*a.Size*a.Size)
	err := renderPlan(img, a.Plan(img.W, img.H, key), a.BlurKernel, 0, out, nil)
	return out, err
}

// ClassifyEval is the evaluation transform of spec §9.3: Resize(size) of the shorter side
// (Pillow bicubic), CenterCrop(size), ToTensor, ImageNet normalisation. It returns the
// 3×size×size tensor.
func ClassifyEval(img *Gray, size int) []float32 {
	return Normalize(CenterCrop(ResizeShorter(img, size), size))
}

// SegmentEval prepares an image and its label map for segmentation (spec §9.4): the
// shorter side scaled to size (albumentations SmallestMaxSize: the other side
// round(side·scale), half to even), then the centred size×size square. The image is
// resampled with Pillow's bicubic (albumentations uses OpenCV's INTER_CUBIC, a = -0.75
// without antialiasing, so values differ slightly); the labels use OpenCV's
// INTER_NEAREST (source index floor(dst·in/out)), exactly as albumentations does for
// masks. mask may be nil.
func SegmentEval(img *Gray, mask *LabelMap, size int) (*Gray, *LabelMap, error) {
	if mask != nil && (mask.W != img.W || mask.H != img.H) {
		return nil, nil, fmt.Errorf("data: SegmentEval mask %dx%d does not match image %dx%d", mask.W, mask.H, img.W, img.H)
	}
	scale := float64(size) / float64(min(img.W, img.H))
	w := int(math.RoundToEven(float64(img.W) * scale))
	h := int(math.RoundToEven(float64(img.H) * scale))
	g := CenterCrop(ResizeBicubic(img, w, h), size)
	if mask == nil {
		return g, nil, nil
	}
	m := ResizeNearestLabels(mask, w, h)
	top := int(math.RoundToEven(float64(h-size) / 2))
	left := int(math.RoundToEven(float64(w-size) / 2))
	out := &LabelMap{W: size, H: size, Pix: make([]uint8, size*size)}
	for y := 0; y < size; y++ {
		copy(out.Pix[y*size:(y+1)*size], m.Pix[(top+y)*w+left:])
	}
	return g, out, nil
}

// ResizeNearestLabels resizes a label map with OpenCV's INTER_NEAREST rule: output pixel
// (x, y) takes source pixel (min(floor(x·W/w), W-1), min(floor(y·H/h), H-1)).
func ResizeNearestLabels(m *LabelMap, w, h int) *LabelMap {
	out := &LabelMap{W: w, H: h, Pix: make([]uint8, w*h)}
	fx, fy := float64(m.W)/float64(w), float64(m.H)/float64(h)
	xs := make([]int, w)
	for x := range xs {
		xs[x] = min(int(math.Floor(float64(x)*fx)), m.W-1)
	}
	for y := 0; y < h; y++ {
		sy := min(int(math.Floor(float64(y)*fy)), m.H-1)
		src := m.Pix[sy*m.W : (sy+1)*m.W]
		dst := out.Pix[y*w : (y+1)*w]
		for x, sx := range xs {
			dst[x] = src[sx]
		}
	}
	return out
}
