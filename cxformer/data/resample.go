package data

import (
	"fmt"
	"math"
)

// Pillow's resampling constants (libImaging/Resample.c): 8-bit coefficients are fixed point
// with 22 fractional bits, and the bicubic kernel uses a = -0.5 with support 2.
const (
	resamplePrecisionBits = 32 - 8 - 2
	bicubicA              = -0.5
	bicubicSupport        = 2.0
)

// bicubicKernel is Keys' cubic convolution kernel with a = -0.5 (Pillow's BICUBIC).
func bicubicKernel(x float64) float64 {
	const a = bicubicA
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// resampleCoeffs are the fixed-point filter taps of one resampling axis: output sample i
// reads inputs start[i] .. start[i]+count[i]-1 with weights k[i*ksize : i*ksize+count[i]].
type resampleCoeffs struct {
	ksize int
	start []int
	count []int
	k     []int32
}

// bicubicCoeffs reproduces Pillow's precompute_coeffs + normalize_coeffs_8bpc for an axis of
// inSize samples resized to outSize: scale = in/out, the kernel is stretched by
// max(scale, 1) when downscaling (antialiasing), tap weights are normalised to sum 1 and
// rounded half away from zero to 22 fractional bits.
func bicubicCoeffs(inSize, outSize int) resampleCoeffs {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1.0)
	support := bicubicSupport * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := resampleCoeffs{ksize: ksize, start: make([]int, outSize), count: make([]int, outSize), k: make([]int32, outSize*ksize)}
	w := make([]float64, ksize)
	ss := 1 / filterscale
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		xmin := int(center - support + 0.5) // C's (int) truncation; negatives clamp to 0 below
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = bicubicKernel((float64(x+xmin) - center + 0.5) * ss)
			ww += w[x]
		}
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				c.k[xx*ksize+x] = int32(-0.5 + v*(1<<resamplePrecisionBits))
			} else {
				c.k[xx*ksize+x] = int32(0.5 + v*(1<<resamplePrecisionBits))
			}
		}
		c.start[xx] = xmin
		c.count[xx] = xmax
	}
	return c
}

// clip8 turns a fixed-point accumulator into a saturated byte (Pillow's clip8).
func clip8(acc int32) uint8 {
	v := acc >> resamplePrecisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// ResizeBicubic resizes g to w×h the way Pillow's Image.resize(BICUBIC) does for an "L"
// image, bit for bit: separable Keys cubic (a = -0.5), antialiased when shrinking (the
// kernel support grows to 2·scale), fixed-point taps, a horizontal pass into an 8-bit
// intermediate followed by a vertical pass, each rounded and saturated to uint8. This is
// what torchvision's Resize/RandomResizedCrop run on PIL images.
func ResizeBicubic(g *Gray, w, h int) *Gray {
	out := NewGray(w, h)
	resizeRegionInto(g, 0, 0, g.H, g.W, out)
	return out
}

// resizeRegionInto resizes the h×w region of src at (top, left) into dst, treating the
// region as a separate image (crop first, then resize, as torchvision's resized_crop does:
// taps never read outside the region).
func resizeRegionInto(src *Gray, top, left, h, w int, dst *Gray) {
	if top < 0 || left < 0 || h <= 0 || w <= 0 || top+h > src.H || left+w > src.W {
		panic(fmt.Sprintf("data.resize: region top=%d left=%d h=%d w=%d outside %dx%d image", top, left, h, w, src.W, src.H))
	}
	outW, outH := dst.W, dst.H
	needH := outW != w
	needV := outH != h
	if !needH && !needV {
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*outW:(y+1)*outW], src.Pix[(top+y)*src.W+left:])
		}
		return
	}
	cv := bicubicCoeffs(h, outH)
	// Rows of the region that the vertical pass reads.
	yFirst, yLast := 0, h
	if needV {
		yFirst = cv.start[0]
		yLast = cv.start[outH-1] + cv.count[outH-1]
	}
	// Horizontal pass into tmp (rows yFirst..yLast-1 of the region).
	var tmp []uint8
	tmpW := w
	if needH {
		ch := bicubicCoeffs(w, outW)
		tmpW = outW
		rows := yLast - yFirst
		if needV {
			tmp = make([]uint8, rows*outW)
		} else {
			tmp = dst.Pix
		}
		// Taps past count[xx] have weight 0, so every output can run ksize taps over a
		// zero-padded copy of the row: no per-pixel slicing or tail handling.
		ks := ch.ksize
		rowBuf := make([]uint8, w+ks)
		for y := 0; y < rows; y++ {
			copy(rowBuf, src.Pix[(top+yFirst+y)*src.W+left:(top+yFirst+y)*src.W+left+w])
			horizontalRow(tmp[y*outW:(y+1)*outW], rowBuf, ch.start, ch.k, ks)
		}
		if !needV {
			return
		}
	}
	// Vertical pass: row accumulators, so the inner loops run along contiguous rows.
	rowAt := func(y int) []uint8 { // row y of the region (already horizontally resampled if needed)
		if needH {
			return tmp[(y-yFirst)*tmpW : (y-yFirst+1)*tmpW]
		}
		return src.Pix[(top+y)*src.W+left : (top+y)*src.W+left+w]
	}
	acc := make([]int32, tmpW)
	for yy := 0; yy < outH; yy++ {
		for i := range acc {
			acc[i] = 1 << (resamplePrecisionBits - 1)
		}
		k := cv.k[yy*cv.ksize : yy*cv.ksize+cv.count[yy]]
		y0 := cv.start[yy]
		t := 0
		for ; t+2 <= len(k); t += 2 { // two taps per sweep halves the accumulator traffic
			r0, r1 := rowAt(y0+t), rowAt(y0+t+1)
			k0, k1 := k[t], k[t+1]
			r0, r1 = r0[:len(acc)], r1[:len(acc)]
			for x := range acc {
				acc[x] += int32(r0[x])*k0 + int32(r1[x])*k1
			}
		}
		if t < len(k) {
			r0, k0 := rowAt(y0 + t)[:len(acc)], k[t]
			for x := range acc {
				acc[x] += int32(r0[x]) * k0
			}
		}
		out := dst.Pix[yy*outW : (yy+1)*outW]
		out = out[:len(acc)]
		for x, a := range acc {
			out[x] = clip8(a)
		}
	}
}

// horizontalRow computes one output row of the horizontal pass: out[xx] =
// clip8(2^21 + Σ_i row[start[xx]+i]·k[xx·ks+i]) over ks taps (row is zero-padded by ks).
func horizontalRow(out, row []uint8, start []int, k []int32, ks int) {
	const half = int32(1) << (resamplePrecisionBits - 1)
	if ks == 5 { // every upscale: support 2 → 5 taps, unrolled
		for xx := range out {
			s := start[xx]
			p := row[s : s+5 : s+5]
			kk := k[xx*5 : xx*5+5 : xx*5+5]
			acc := half + int32(p[0])*kk[0] + int32(p[1])*kk[1] + int32(p[2])*kk[2] + int32(p[3])*kk[3] + int32(p[4])*kk[4]
			out[xx] = clip8(acc)
		}
		return
	}
	for xx := range out {
		s := start[xx]
		kk := k[xx*ks : xx*ks+ks]
		p := row[s : s+ks]
		p = p[:len(kk)]
		acc := half
		for i, kv := range kk {
			acc += int32(p[i]) * kv
		}
		out[xx] = clip8(acc)
	}
}
