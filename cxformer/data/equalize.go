package data

import "math"

// EqualizeHist returns the global histogram equalisation of g, exactly as OpenCV's
// cv::equalizeHist computes it for CV_8UC1 (spec §6.1):
//
//	hist = 256-bin histogram; i0 = first non-empty bin; N = W·H
//	if hist[i0] == N: every output pixel is i0
//	scale = 255 / (N - hist[i0])                 (float32)
//	lut[i0] = 0; lut[i] = saturate(rint(float32(Σ_{j=i0+1..i} hist[j]) · scale)), i > i0
//	out = lut[in]
//
// rint rounds half to even (OpenCV's cvRound); the multiply is done in float32 as OpenCV
// does, which matters for bit-parity on large images.
func EqualizeHist(g *Gray) *Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	out := &Gray{W: g.W, H: g.H, Pix: make([]uint8, len(g.Pix))}
	total := len(g.Pix)
	if total == 0 {
		return out
	}
	i0 := 0
	for hist[i0] == 0 {
		i0++
	}
	var lut [256]uint8
	if hist[i0] == total {
		for i := range lut {
			lut[i] = uint8(i0)
		}
	} else {
		scale := float32(255) / float32(total-hist[i0])
		sum := 0
		for i := i0 + 1; i < 256; i++ {
			sum += hist[i]
			v := math.RoundToEven(float64(float32(sum) * scale))
			lut[i] = uint8(min(max(v, 0), 255))
		}
	}
	for i, v := range g.Pix {
		out.Pix[i] = lut[v]
	}
	return out
}
