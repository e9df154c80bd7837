package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// Resample2D applies a separable linear resampling to a channels-last
// grid: src is (inH·inW)×ch, dst is (outH·outW)×ch, wy is outH×inH and wx
// is outW×inW:
//
//	dst[(i,j),d] = Σ_{a,b} wy[i,a]·wx[j,b]·src[(a,b),d],
//
// i.e. dst = Wy·src·Wxᵀ for each channel d. With wy and wx from
// BicubicMatrix or AntialiasBicubicMatrix this is the position-embedding
// interpolation of spec §1.3. The backward is Resample2DAdjoint.
func Resample2D[T Float](dst, src, wy, wx []T, inH, inW, outH, outW, ch int) {
	const op = "ref.Resample2D"
	checkResample(op, "src", len(src), "dst", len(dst), len(wy), len(wx), inH, inW, outH, outW, ch)
	// Columns first: tmp[(a,j),d] = Σ_b wx[j,b]·src[(a,b),d].
	tmp := make([]float64, inH*outW*ch)
	for a := range inH {
		for j := range outW {
			for b := range inW {
				wv := float64(wx[j*inW+b])
				for d := range ch {
					tmp[(a*outW+j)*ch+d] += wv * float64(src[(a*inW+b)*ch+d])
				}
			}
		}
	}
	// Then rows: dst[(i,j),d] = Σ_a wy[i,a]·tmp[(a,j),d].
	acc := make([]float64, ch)
	for i := range outH {
		for j := range outW {
			clear(acc)
			for a := range inH {
				wv := float64(wy[i*inH+a])
				for d := range ch {
					acc[d] += wv * tmp[(a*outW+j)*ch+d]
				}
			}
			for d := range ch {
				dst[(i*outW+j)*ch+d] = T(acc[d])
			}
		}
	}
}

// Resample2DAdjoint is the adjoint (transpose) of Resample2D with the same
// weights, and so its backward: ddst is (outH·outW)×ch, dsrc (inH·inW)×ch
// is overwritten with
//
//	dsrc[(a,b),d] = Σ_{i,j} wy[i,a]·wx[j,b]·ddst[(i,j),d],
//
// i.e. dsrc = Wyᵀ·ddst·Wx for each channel d.
func Resample2DAdjoint[T Float](dsrc, ddst, wy, wx []T, inH, inW, outH, outW, ch int) {
	const op = "ref.Resample2DAdjoint"
	checkResample(op, "dsrc", len(dsrc), "ddst", len(ddst), len(wy), len(wx), inH, inW, outH, outW, ch)
	// tmp[(a,j),d] = Σ_i wy[i,a]·ddst[(i,j),d].
	tmp := make([]float64, inH*outW*ch)
	for i := range outH {
		for a := range inH {
			wv := float64(wy[i*inH+a])
			for j := range outW {
				for d := range ch {
					tmp[(a*outW+j)*ch+d] += wv * float64(ddst[(i*outW+j)*ch+d])
				}
			}
		}
	}
	// dsrc[(a,b),d] = Σ_j wx[j,b]·tmp[(a,j),d].
	acc := make([]float64, ch)
	for a := range inH {
		for b := range inW {
			clear(acc)
			for j := range outW {
				wv := float64(wx[j*inW+b])
				for d := range ch {
					acc[d] += wv * tmp[(a*outW+j)*ch+d]
				}
			}
			for d := range ch {
				dsrc[(a*inW+b)*ch+d] = T(acc[d])
			}
		}
	}
}

func checkResample(op, inName string, lenIn int, outName string, lenOut, lenWy, lenWx, inH, inW, outH, outW, ch int) {
	checkSizes(op, "inH, inW, outH, outW, ch", inH, inW, outH, outW, ch)
	kernels.CheckRows(op, inName, lenIn, inH*inW, ch)
	kernels.CheckRows(op, outName, lenOut, outH*outW, ch)
	kernels.CheckRows(op, "wy", lenWy, outH, inH)
	kernels.CheckRows(op, "wx", lenWx, outW, inW)
}

// BicubicMatrix returns the out×in row-major matrix W of PyTorch's
// upsample_bicubic2d along one axis with align_corners=false and an
// explicit scale factor (position-embedding mode T of spec §1.3; dinov2
// passes scale = (Hp+0.1)/M and out = floor(M·scale) = Hp). Row i holds the
// weights of output i:
//
//	ratio = 1/scale                 (in/out when scale ≤ 0: no scale given)
//	x = (i + 0.5)·ratio − 0.5       (source coordinate, not clamped)
//	x0 = min(floor(x), in−1),  t = clamp(x − x0, 0, 1)
//	W[i, clamp(x0−1+q, 0, in−1)] += k(t+1), k(t), k(1−t), k(2−t)  for q = 0..3
//
// with the Keys cubic convolution kernel at A = −0.75:
//
//	k(s) = (A+2)|s|³ − (A+3)|s|² + 1          for |s| ≤ 1
//	k(s) = A|s|³ − 5A|s|² + 8A|s| − 4A        for 1 < |s| < 2
//	k(s) = 0                                  otherwise.
//
// Taps beyond the edges are clamped (edge replicate), so each row sums to
// 1. The min/clamp on x0 and t is PyTorch's guard; it never changes W, as
// all four taps clamp to in−1 once floor(x) ≥ in−1. The ratio is exactly
// 1/scale, not in/out: PyTorch uses the given scale factor when
// recompute_scale_factor is unset.
func BicubicMatrix(out, in int, scale float64) []float64 {
	const op = "ref.BicubicMatrix"
	checkMatrixSizes(op, out, in)
	const a = -0.75
	ratio := float64(in) / float64(out)
	if scale > 0 {
		ratio = 1 / scale
	}
	w := make([]float64, out*in)
	for i := range out {
		x := (float64(i)+0.5)*ratio - 0.5
		x0 := min(int(math.Floor(x)), in-1)
		t := min(max(x-float64(x0), 0), 1)
		coef := [4]float64{keysCubic(t+1, a), keysCubic(t, a), keysCubic(1-t, a), keysCubic(2-t, a)}
		for q, c := range coef {
			j := min(max(x0-1+q, 0), in-1)
			w[i*in+j] += c
		}
	}
	return w
}

// AntialiasBicubicMatrix returns the out×in row-major matrix W of
// PyTorch's antialiased bicubic resize (F.interpolate(mode='bicubic',
// antialias=True, align_corners=False, size given), which follows Pillow)
// along one axis: position-embedding mode E of spec §1.3. Row i holds the
// weights of output i:
//
//	scale = in/out,  support = 2·max(scale, 1),  invs = 1/max(scale, 1)
//	center = scale·(i + 0.5)
//	jmin = max(trunc(center − support + 0.5), 0)
//	jmax = min(trunc(center + support + 0.5), in)
//	W[i,j] = k((j − center + 0.5)·invs) / Σ_{j'} k((j' − center + 0.5)·invs)
//	for j in [jmin, jmax), 0 elsewhere,
//
// with the Keys kernel k of BicubicMatrix at A = −0.5 (not −0.75). When
// downsampling, the kernel is stretched by scale so that it low-passes;
// when upsampling (scale < 1) it is the plain 4-tap kernel. Each row sums
// to 1 (a row whose weights sum to 0 is left as computed, as in PyTorch).
func AntialiasBicubicMatrix(out, in int) []float64 {
	const op = "ref.AntialiasBicubicMatrix"
	checkMatrixSizes(op, out, in)
	const a = -0.5
	scale := float64(in) / float64(out)
	support := 2 * max(scale, 1)
	invs := 1 / max(scale, 1)
	w := make([]float64, out*in)
	for i := range out {
		center := scale * (float64(i) + 0.5)
		lo := max(int(center-support+0.5), 0) // int() truncates toward zero, as C's cast
		hi := min(int(center+support+0.5), in)
		var total float64
		for j := lo; j < hi; j++ {
			v := keysCubic((float64(j)-center+0.5)*invs, a)
			w[i*in+j] = v
			total += v
		}
		if total != 0 {
			for j := lo; j < hi; j++ {
				w[i*in+j] /= total
			}
		}
	}
	return w
}

// keysCubic is the cubic convolution kernel of R. Keys (1981) with
// parameter a, supported on (−2, 2).
func keysCubic(s, a float64) float64 {
	s = math.Abs(s)
	switch {
	case s <= 1:
		return ((a+2)*s-(a+3))*s*s + 1
	case s < 2:
		return ((a*s-5*a)*s+8*a)*s - 4*a
	}
	return 0
}

func checkMatrixSizes(op string, out, in int) {
	if out < 0 || in < 1 {
		panic(fmt.Sprintf("%s: sizes out=%d in=%d, want out ≥ 0 and in ≥ 1", op, out, in))
	}
}
