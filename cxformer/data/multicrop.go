package data

import (
	"errors"
	"fmt"
	"math"
)

// AffineConfig parameterises torchvision's RandomAffine(degrees, translate=(t, t),
// scale=Scale) without shear.
type AffineConfig struct {
	Degrees   float64
	Translate float64
	Scale     [2]float64
}

// MultiCropConfig describes the DINOv2 multi-crop augmentation (spec §6.2). Probabilities
// are the ones actually applied ("effective"); see WithNominalBlur for dinov2's
// configuration literals.
type MultiCropConfig struct {
	GlobalSize  int        // output side of the 2 global crops (CXformer 518)
	LocalSize   int        // output side of the local crops (CXformer 98)
	NumLocal    int        // number of local crops (8)
	GlobalScale [2]float64 // RandomResizedCrop area fraction of global crops (0.32, 1)
	LocalScale  [2]float64 // ... of local crops (0.05, 0.32)
	Ratio       [2]float64 // RandomResizedCrop aspect range (3/4, 4/3)
	FlipP       float64    // horizontal flip probability (0.5)
	// GlobalAffine, when non-nil, is applied to both global crops after the flip
	// (CXformer: 20°, 10%, 0.8-1.2); local crops never get it.
	GlobalAffine *AffineConfig
	JitterP      float64    // probability of ColorJitter (0.8)
	Jitter       [4]float64 // ColorJitter brightness, contrast, saturation, hue (0.4, 0.4, 0.2, 0.1)
	GrayscaleP   float64    // RandomGrayscale probability (0.2; an identity on gray images)
	// BlurP are the probabilities of GaussianBlur on global crop 1, global crop 2 and the
	// local crops: the effective dinov2 values 0, 0.9, 0.5.
	BlurP             [3]float64
	BlurKernel        int        // Gaussian kernel size (9)
	BlurSigma         [2]float64 // σ ~ U(0.1, 2.0)
	SolarizeP         float64    // RandomSolarize probability on global crop 2 only (0.2)
	SolarizeThreshold int        // 128
	// SmartLocal centre-crops int(0.75·W) × int(0.75·H) before each local crop (CXformer's
	// smart_local option, off by default).
	SmartLocal bool
}

// CXformerMultiCrop returns the CXformer pretraining augmentation (spec §6.2, §8): 2 global
// crops of 518 px with affine, 8 local crops of 98 px.
func CXformerMultiCrop() MultiCropConfig {
	return MultiCropConfig{
		GlobalSize:        518,
		LocalSize:         98,
		NumLocal:          8,
		GlobalScale:       [2]float64{0.32, 1.0},
		LocalScale:        [2]float64{0.05, 0.32},
		Ratio:             [2]float64{3.0 / 4.0, 4.0 / 3.0},
		FlipP:             0.5,
		GlobalAffine:      &AffineConfig{Degrees: 20, Translate: 0.1, Scale: [2]float64{0.8, 1.2}},
		JitterP:           0.8,
		Jitter:            [4]float64{0.4, 0.4, 0.2, 0.1},
		GrayscaleP:        0.2,
		BlurP:             [3]float64{0.0, 0.9, 0.5},
		BlurKernel:        9,
		BlurSigma:         [2]float64{0.1, 2.0},
		SolarizeP:         0.2,
		SolarizeThreshold: 128,
	}
}

// DINOv2MultiCrop returns the plain dinov2 augmentation (no affine, 224/96 px crops).
func DINOv2MultiCrop() MultiCropConfig {
	c := CXformerMultiCrop()
	c.GlobalSize, c.LocalSize, c.GlobalAffine = 224, 96, nil
	return c
}

// WithNominalBlur returns c with the blur probabilities dinov2's code is configured with
// (1.0, 0.1, 0.5). dinov2's GaussianBlur wrapper passes 1-p to RandomApply, so the released
// models were trained with the effective values (0, 0.9, 0.5) that the presets use; this
// option exists to study the literal reading only.
func (c MultiCropConfig) WithNominalBlur() MultiCropConfig {
	c.BlurP = [3]float64{1.0, 0.1, 0.5}
	return c
}

// Validate reports the first invalid field.
func (c MultiCropConfig) Validate() error {
	prob := func(name string, p float64) error {
		if p < 0 || p > 1 {
			return fmt.Errorf("data: MultiCropConfig.%s = %v, want a probability in [0, 1]", name, p)
		}
		return nil
	}
	switch {
	case c.GlobalSize <= 0 || c.LocalSize <= 0:
		return fmt.Errorf("data: MultiCropConfig sizes must be positive (global %d, local %d)", c.GlobalSize, c.LocalSize)
	case c.NumLocal < 0:
		return fmt.Errorf("data: MultiCropConfig.NumLocal = %d, want >= 0", c.NumLocal)
	case !(c.GlobalScale[0] > 0 && c.GlobalScale[0] <= c.GlobalScale[1] && c.GlobalScale[1] <= 1):
		return fmt.Errorf("data: MultiCropConfig.GlobalScale = %v, want 0 < lo <= hi <= 1", c.GlobalScale)
	case !(c.LocalScale[0] > 0 && c.LocalScale[0] <= c.LocalScale[1] && c.LocalScale[1] <= 1):
		return fmt.Errorf("data: MultiCropConfig.LocalScale = %v, want 0 < lo <= hi <= 1", c.LocalScale)
	case !(c.Ratio[0] > 0 && c.Ratio[0] <= c.Ratio[1]):
		return fmt.Errorf("data: MultiCropConfig.Ratio = %v, want 0 < lo <= hi", c.Ratio)
	case c.BlurKernel <= 0 || c.BlurKernel%2 == 0:
		return fmt.Errorf("data: MultiCropConfig.BlurKernel = %d, want a positive odd size", c.BlurKernel)
	case c.BlurKernel/2 >= min(c.GlobalSize, c.LocalSize):
		return fmt.Errorf("data: MultiCropConfig.BlurKernel = %d too large for %d px crops", c.BlurKernel, min(c.GlobalSize, c.LocalSize))
	case !(c.BlurSigma[0] > 0 && c.BlurSigma[0] <= c.BlurSigma[1]):
		return fmt.Errorf("data: MultiCropConfig.BlurSigma = %v, want 0 < lo <= hi", c.BlurSigma)
	}
	for _, e := range []error{
		prob("FlipP", c.FlipP), prob("JitterP", c.JitterP), prob("GrayscaleP", c.GrayscaleP),
		prob("BlurP[0]", c.BlurP[0]), prob("BlurP[1]", c.BlurP[1]), prob("BlurP[2]", c.BlurP[2]),
		prob("SolarizeP", c.SolarizeP),
	} {
		if e != nil {
			return e
		}
	}
	if a := c.GlobalAffine; a != nil {
		if a.Degrees < 0 || a.Translate < 0 || a.Translate > 1 || !(a.Scale[0] > 0 && a.Scale[0] <= a.Scale[1]) {
			return fmt.Errorf("data: MultiCropConfig.GlobalAffine = %+v invalid", *a)
		}
	}
	return nil
}

// CropPlan is every random decision of one crop, drawn by MultiCrop.Plan and executed by
// MultiCrop.Render. Nil/zero fields mean "not applied".
type CropPlan struct {
	Global    bool    // global (true) or local crop
	Index     int     // 0 or 1 for global crops, 0..NumLocal-1 for local crops
	Size      int     // output side in pixels
	Origin    CropBox // region of the source the crop box is relative to (smart_local)
	Box       CropBox // RandomResizedCrop rectangle, relative to Origin
	Flip      bool
	Affine    *AffineParams
	Jitter    *Jitter
	Grayscale bool    // RandomGrayscale fired (identity on gray images)
	BlurSigma float64 // > 0 when GaussianBlur is applied with this σ
	Solarize  bool
}

// ImagePlan holds the plans of all crops of one image.
type ImagePlan struct {
	Global []CropPlan // 2 crops
	Local  []CropPlan // NumLocal crops
}

// MultiCrop is a validated multi-crop augmentation. It is safe for concurrent use.
type MultiCrop struct{ cfg MultiCropConfig }

// NewMultiCrop validates cfg and returns the augmentation.
func NewMultiCrop(cfg MultiCropConfig) (*MultiCrop, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg
	if cfg.GlobalAffine != nil {
		a := *cfg.GlobalAffine
		c.GlobalAffine = &a
	}
	return &MultiCrop{cfg: c}, nil
}

// Config returns the configuration.
func (m *MultiCrop) Config() MultiCropConfig { return m.cfg }

// Plan draws all random decisions for a w×h source image. Each crop has its own generator
// derived from (key, crop number), so a plan depends only on the key and the image size.
// The draw order inside a crop follows the reference pipeline: crop box, flip, affine
// (global), jitter (apply?, order, factors), grayscale, blur (apply?, σ), solarise.
func (m *MultiCrop) Plan(w, h int, key SampleKey) ImagePlan {
	c := &m.cfg
	p := ImagePlan{Global: make([]CropPlan, 2), Local: make([]CropPlan, c.NumLocal)}
	for i := range 2 {
		p.Global[i] = m.planCrop(key.rng(i), w, h, true, i)
	}
	for i := range c.NumLocal {
		p.Local[i] = m.planCrop(key.rng(2+i), w, h, false, i)
	}
	return p
}

func (m *MultiCrop) planCrop(rng *RNG, w, h int, global bool, index int) CropPlan {
	c := &m.cfg
	cp := CropPlan{Global: global, Index: index, Origin: CropBox{H: h, W: w}}
	scale, blurP := c.LocalScale, c.BlurP[2]
	cp.Size = c.LocalSize
	if global {
		scale, blurP, cp.Size = c.GlobalScale, c.BlurP[index], c.GlobalSize
	} else if c.SmartLocal {
		cw, ch := max(int(0.75*float64(w)), 1), max(int(0.75*float64(h)), 1)
		cp.Origin = CropBox{Top: roundHalfEven(float64(h-ch) / 2), Left: roundHalfEven(float64(w-cw) / 2), H: ch, W: cw}
	}
	cp.Box = RandomResizedCropParams(rng, cp.Origin.W, cp.Origin.H, scale, c.Ratio)
	cp.Flip = rng.Bernoulli(c.FlipP)
	if global && c.GlobalAffine != nil {
		a := RandomAffineParams(rng, cp.Size, cp.Size, c.GlobalAffine.Degrees, c.GlobalAffine.Translate, c.GlobalAffine.Scale)
		cp.Affine = &a
	}
	if rng.Bernoulli(c.JitterP) {
		j := JitterParams(rng, c.Jitter[0], c.Jitter[1], c.Jitter[2], c.Jitter[3])
		cp.Jitter = &j
	}
	cp.Grayscale = rng.Bernoulli(c.GrayscaleP)
	if rng.Bernoulli(blurP) {
		cp.BlurSigma = rng.Uniform(c.BlurSigma[0], c.BlurSigma[1])
	}
	if global && index == 1 {
		cp.Solarize = rng.Bernoulli(c.SolarizeP)
	}
	return cp
}

// errPlanMismatch reports a plan drawn for a different image size.
var errPlanMismatch = errors.New("plan does not fit the image")

// RenderCrop executes one crop plan on img and writes the normalised 3×Size×Size tensor
// into dst (length 3·Size²). Steps, all on 8-bit data: resized crop (Pillow bicubic), flip,
// affine (nearest, fill 0), colour jitter, blur, solarise; then ToTensor + ImageNet
// normalisation of the gray image replicated to RGB.
func (m *MultiCrop) RenderCrop(img *Gray, p CropPlan, dst []float32) error {
	return m.renderCrop(img, p, dst, nil)
}

func (m *MultiCrop) renderCrop(img *Gray, p CropPlan, dst []float32, s *scratch) error {
	return renderPlan(img, p, m.cfg.BlurKernel, m.cfg.SolarizeThreshold, dst, s)
}

// renderPlan executes a crop plan (see MultiCrop.RenderCrop).
func renderPlan(img *Gray, p CropPlan, blurKernel, solarizeThreshold int, dst []float32, s *scratch) error {
	if len(dst) != 3*p.Size*p.Size {
		return fmt.Errorf("data: crop output length %d, want 3*%d*%d", len(dst), p.Size, p.Size)
	}
	g, err := renderPlanGray(img, p, blurKernel, solarizeThreshold, s)
	if err != nil {
		return err
	}
	NormalizeInto(g, dst)
	return nil
}

// renderPlanGray executes every step of a crop plan before normalisation and returns the
// 8-bit crop, which lives in s's buffers (valid until s is used again).
func renderPlanGray(img *Gray, p CropPlan, blurKernel, solarizeThreshold int, s *scratch) (*Gray, error) {
	o, b := p.Origin, p.Box
	if o.Top < 0 || o.Left < 0 || o.Top+o.H > img.H || o.Left+o.W > img.W ||
		b.Top < 0 || b.Left < 0 || b.Top+b.H > o.H || b.Left+b.W > o.W || b.H <= 0 || b.W <= 0 || p.Size <= 0 {
		return nil, fmt.Errorf("data: crop %+v in origin %+v on %dx%d image: %w", b, o, img.W, img.H, errPlanMismatch)
	}
	g := s.gray(0, p.Size)
	resizeRegionInto(img, o.Top+b.Top, o.Left+b.Left, b.H, b.W, g)
	if p.Flip {
		HFlip(g)
	}
	if p.Affine != nil {
		g2 := s.gray(1, p.Size)
		affineInto(g, g2, *p.Affine)
		g = g2
	}
	if p.Jitter != nil {
		ApplyJitter(g, *p.Jitter)
	}
	if p.BlurSigma > 0 {
		gaussianBlur(g, blurKernel, p.BlurSigma, s)
	}
	if p.Solarize {
		Solarize(g, solarizeThreshold)
	}
	return g, nil
}

// Views are the normalised crops of one image: CHW float32 tensors of 3·S² (global) and
// 3·s² (local) values.
type Views struct {
	Global [][]float32
	Local  [][]float32
	Plan   ImagePlan
}

// Apply plans and renders all crops of img for key.
func (m *MultiCrop) Apply(img *Gray, key SampleKey) (*Views, error) {
	plan := m.Plan(img.W, img.H, key)
	v := &Views{Plan: plan, Global: make([][]float32, 2), Local: make([][]float32, len(plan.Local))}
	s := &scratch{}
	for i, cp := range plan.Global {
		v.Global[i] = make([]float32, 3*cp.Size*cp.Size)
		if err := m.renderCrop(img, cp, v.Global[i], s); err != nil {
			return nil, err
		}
	}
	for i, cp := range plan.Local {
		v.Local[i] = make([]float32, 3*cp.Size*cp.Size)
		if err := m.renderCrop(img, cp, v.Local[i], s); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// scratch holds reusable working buffers so that rendering many crops allocates little.
// A nil *scratch allocates fresh buffers.
type scratch struct {
	bufs [2]*Gray
	f32  []float32
}

func (s *scratch) floats(n int) []float32 {
	if s == nil {
		return make([]float32, n)
	}
	if cap(s.f32) < n {
		s.f32 = make([]float32, n)
	}
	return s.f32[:n]
}

func (s *scratch) gray(slot, size int) *Gray {
	if s == nil {
		return NewGray(size, size)
	}
	g := s.bufs[slot]
	if g == nil || cap(g.Pix) < size*size {
		g = &Gray{Pix: make([]uint8, size*size)}
		s.bufs[slot] = g
	}
	g.W, g.H, g.Pix = size, size, g.Pix[:size*size]
	return g
}

func roundHalfEven(x float64) int { return int(math.RoundToEven(x)) }
