package data

import (
	"fmt"
	"math"
)

// CropBox is a rectangle in source-image pixels: rows Top..Top+H-1, columns Left..Left+W-1.
type CropBox struct{ Top, Left, H, W int }

// RandomResizedCropParams samples the crop rectangle of torchvision's RandomResizedCrop for
// a w×h image (spec §6.3). Up to 10 tries: target = area·U(scale), aspect =
// exp(U(ln ratio[0], ln ratio[1])), cw = round(√(target·aspect)), ch = round(√(target/aspect))
// (half to even, as Python's round); a try is accepted when 0 < cw ≤ w and 0 < ch ≤ h, and
// the corner is then uniform over all positions. After 10 failures: the whole image if its
// aspect lies within ratio, else the largest centred crop with the clamped aspect.
func RandomResizedCropParams(rng *RNG, w, h int, scale, ratio [2]float64) CropBox {
	area := float64(w * h)
	logR0, logR1 := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := area * rng.Uniform(scale[0], scale[1])
		aspect := math.Exp(rng.Uniform(logR0, logR1))
		cw := int(math.RoundToEven(math.Sqrt(target * aspect)))
		ch := int(math.RoundToEven(math.Sqrt(target / aspect)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			top := rng.IntRange(0, h-ch)
			left := rng.IntRange(0, w-cw)
			return CropBox{Top: top, Left: left, H: ch, W: cw}
		}
	}
	inRatio := float64(w) / float64(h)
	cw, ch := w, h
	if inRatio < min(ratio[0], ratio[1]) {
		ch = int(math.RoundToEven(float64(cw) / min(ratio[0], ratio[1])))
	} else if inRatio > max(ratio[0], ratio[1]) {
		cw = int(math.RoundToEven(float64(ch) * max(ratio[0], ratio[1])))
	}
	return CropBox{Top: (h - ch) / 2, Left: (w - cw) / 2, H: ch, W: cw}
}

// ResizedCrop crops box out of g and resizes it to size×size with ResizeBicubic
// (torchvision's F.resized_crop on a PIL image).
func ResizedCrop(g *Gray, box CropBox, size int) *Gray {
	out := NewGray(size, size)
	resizeRegionInto(g, box.Top, box.Left, box.H, box.W, out)
	return out
}

// HFlip mirrors g left-right in place.
func HFlip(g *Gray) {
	for y := 0; y < g.H; y++ {
		row := g.Pix[y*g.W : (y+1)*g.W]
		for i, j := 0, len(row)-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}

// ResizeShorter resizes g so that its shorter side becomes size, the longer side
// int(size·long/short) (truncated), with ResizeBicubic: torchvision's Resize(size) with an
// int size on a PIL image.
func ResizeShorter(g *Gray, size int) *Gray {
	if g.W <= g.H {
		return ResizeBicubic(g, size, int(float64(size)*float64(g.H)/float64(g.W)))
	}
	return ResizeBicubic(g, int(float64(size)*float64(g.W)/float64(g.H)), size)
}

// CenterCrop cuts the centred size×size square out of g (torchvision's CenterCrop: the
// corner is round((H-size)/2), round((W-size)/2), half to even). g must be at least
// size×size.
func CenterCrop(g *Gray, size int) *Gray {
	if g.W < size || g.H < size {
		panic(fmt.Sprintf("data.CenterCrop: %dx%d image smaller than %d", g.W, g.H, size))
	}
	top := int(math.RoundToEven(float64(g.H-size) / 2))
	left := int(math.RoundToEven(float64(g.W-size) / 2))
	return g.Crop(top, left, size, size)
}

// AffineParams are the parameters of one RandomAffine draw: rotation in degrees, integer
// translation in pixels and isotropic scale (no shear).
type AffineParams struct {
	Angle  float64
	TX, TY int
	Scale  float64
}

// RandomAffineParams samples torchvision's RandomAffine(degrees, translate, scale) for a w×h
// image: angle ~ U(-degrees, degrees), tx = round(U(-t·w, t·w)), ty = round(U(-t·h, t·h))
// (half to even), scale ~ U(scale[0], scale[1]).
func RandomAffineParams(rng *RNG, w, h int, degrees, translate float64, scale [2]float64) AffineParams {
	var p AffineParams
	p.Angle = rng.Uniform(-degrees, degrees)
	maxDX, maxDY := translate*float64(w), translate*float64(h)
	p.TX = int(math.RoundToEven(rng.Uniform(-maxDX, maxDX)))
	p.TY = int(math.RoundToEven(rng.Uniform(-maxDY, maxDY)))
	p.Scale = rng.Uniform(scale[0], scale[1])
	return p
}

// inverseAffine returns torchvision's _get_inverse_affine_matrix for a rotation/scale about
// centre (cx, cy) followed by a translation: the 2×3 matrix m mapping an output point to its
// source point, src = (m0·x + m1·y + m2, m3·x + m4·y + m5).
func inverseAffine(p AffineParams, cx, cy float64) [6]float64 {
	rot := p.Angle * math.Pi / 180
	a, b := math.Cos(rot), -math.Sin(rot)
	c, d := math.Sin(rot), math.Cos(rot)
	m := [6]float64{d, -b, 0, -c, a, 0}
	for i := range m {
		m[i] /= p.Scale
	}
	tx, ty := float64(p.TX), float64(p.TY)
	m[2] += m[0]*(-cx-tx) + m[1]*(-cy-ty)
	m[5] += m[3]*(-cx-tx) + m[4]*(-cy-ty)
	m[2] += cx
	m[5] += cy
	return m
}

// Affine applies p to g as torchvision's F.affine does on a PIL image: rotation and scale
// about the image centre (W/2, H/2), then the translation; nearest-neighbour sampling and
// fill 0 outside the source. The sampling reproduces Pillow's ImagingTransformAffine fast
// path: the inverse matrix in 16.16 fixed point, evaluated at pixel centres by
// incremental addition, source index = floor (arithmetic shift).
func Affine(g *Gray, p AffineParams) *Gray {
	out := NewGray(g.W, g.H)
	affineInto(g, out, p)
	return out
}

// affineInto writes Affine(g, p) into out, which must have g's size; every pixel of out
// is written.
func affineInto(g, out *Gray, p AffineParams) {
	m := inverseAffine(p, float64(g.W)*0.5, float64(g.H)*0.5)
	fixedOK := true
	for _, c := range [][2]float64{{0, 0}, {float64(g.W), 0}, {0, float64(g.H)}, {float64(g.W), float64(g.H)}} {
		if math.Abs(c[0]*m[0]+c[1]*m[1]+m[2]) >= 32768 || math.Abs(c[0]*m[3]+c[1]*m[4]+m[5]) >= 32768 {
			fixedOK = false
		}
	}
	if !fixedOK { // Pillow's double-precision path, for sources too large for 16.16
		clear(out.Pix)
		affineFloat(g, out, m)
		return
	}
	fix := func(v float64) int32 { return int32(math.Floor(v*65536 + 0.5)) }
	a0, a1, a3, a4 := fix(m[0]), fix(m[1]), fix(m[3]), fix(m[4])
	a2 := fix(m[2] + m[0]*0.5 + m[1]*0.5)
	a5 := fix(m[5] + m[3]*0.5 + m[4]*0.5)
	for y := 0; y < g.H; y++ {
		xx, yy := a2, a5
		row := out.Pix[y*g.W : (y+1)*g.W]
		for x := range row {
			v := uint8(0) // fill
			xin := int(xx >> 16)
			if xin >= 0 && xin < g.W {
				yin := int(yy >> 16)
				if yin >= 0 && yin < g.H {
					v = g.Pix[yin*g.W+xin]
				}
			}
			row[x] = v
			xx += a0
			yy += a3
		}
		a2 += a1
		a5 += a4
	}
}

// affineFloat is Pillow's non-fixed-point nearest affine loop.
func affineFloat(g, out *Gray, m [6]float64) {
	coord := func(v float64) int {
		if v < 0 {
			return -1
		}
		return int(v)
	}
	xo := m[2] + m[1]*0.5 + m[0]*0.5
	yo := m[5] + m[4]*0.5 + m[3]*0.5
	for y := 0; y < g.H; y++ {
		xx, yy := xo, yo
		for x := 0; x < g.W; x++ {
			xin := coord(xx)
			if xin >= 0 && xin < g.W {
				yin := coord(yy)
				if yin >= 0 && yin < g.H {
					out.Pix[y*g.W+x] = g.Pix[yin*g.W+xin]
				}
			}
			xx += m[0]
			yy += m[3]
		}
		xo += m[1]
		yo += m[4]
	}
}
