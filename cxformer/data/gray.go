package data

import (
	"fmt"
	"math"
)

// Gray is an 8-bit single-channel image stored row-major: pixel (x, y) is Pix[y*W+x].
// It is the working type of the whole augmentation pipeline, which (like the reference
// running on PIL "L"/"RGB" images) quantises to uint8 after every operation.
type Gray struct {
	W, H int
	Pix  []uint8
}

// NewGray returns a zeroed w×h image. It panics if a side is not positive.
func NewGray(w, h int) *Gray {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("data.NewGray: bad size %dx%d", w, h))
	}
	return &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
}

// At returns the pixel at column x, row y.
func (g *Gray) At(x, y int) uint8 { return g.Pix[y*g.W+x] }

// Clone returns a deep copy.
func (g *Gray) Clone() *Gray {
	return &Gray{W: g.W, H: g.H, Pix: append([]uint8(nil), g.Pix...)}
}

// Crop returns a copy of the h×w region whose top-left corner is (left, top). The region
// must lie inside the image.
func (g *Gray) Crop(top, left, h, w int) *Gray {
	if top < 0 || left < 0 || h <= 0 || w <= 0 || top+h > g.H || left+w > g.W {
		panic(fmt.Sprintf("data.Gray.Crop: region top=%d left=%d h=%d w=%d outside %dx%d image", top, left, h, w, g.W, g.H))
	}
	out := NewGray(w, h)
	for y := 0; y < h; y++ {
		copy(out.Pix[y*w:(y+1)*w], g.Pix[(top+y)*g.W+left:(top+y)*g.W+left+w])
	}
	return out
}

// GrayF is a single-channel image of real values (DICOM modality values, 16-bit PNG
// samples) before they are windowed down to 8 bits.
type GrayF struct {
	W, H int
	Pix  []float64
}

// MinMax returns the smallest and largest pixel values.
func (g *GrayF) MinMax() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range g.Pix {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	return lo, hi
}

// ToGrayMinMax maps [min, max] of the image linearly onto [0, 255] and truncates, as
// `((x - min) / (max - min) * 255).astype(uint8)` does in the reference DICOM→JPEG
// conversion. A constant image maps to all zeros.
func (g *GrayF) ToGrayMinMax() *Gray {
	out := NewGray(g.W, g.H)
	lo, hi := g.MinMax()
	if !(hi > lo) {
		return out
	}
	span := hi - lo
	for i, v := range g.Pix {
		t := (v - lo) / span * 255 // same operation order as the numpy reference
		out.Pix[i] = uint8(min(max(t, 0), 255))
	}
	return out
}

// LabelMap is a per-pixel class-index image (segmentation target), row-major like Gray.
type LabelMap struct {
	W, H int
	Pix  []uint8
}
