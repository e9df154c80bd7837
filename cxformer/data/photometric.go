package data

import (
	"fmt"
	"math"
)

// pilBlend is one sample of Pillow's ImagingBlend(in1, in2, alpha) on 8-bit data:
// t = in1 + alpha·(in2 - in1) in float32, then saturated to [0, 255] and truncated
// (Pillow truncates here; it does not round).
func pilBlend(in1, in2 int, alpha float32) uint8 {
	t := float32(in1) + alpha*float32(in2-in1)
	if t <= 0 {
		return 0
	}
	if t >= 255 {
		return 255
	}
	return uint8(t)
}

// Jitter holds one ColorJitter draw: the application order of the four adjustments (a
// permutation of 0 brightness, 1 contrast, 2 saturation, 3 hue) and their factors. A
// factor of 1 (hue 0) leaves the image unchanged.
type Jitter struct {
	Order                [4]int
	Brightness, Contrast float64
	Saturation, Hue      float64
}

// JitterParams samples torchvision's ColorJitter(brightness=b, contrast=c, saturation=s,
// hue=h).get_params: a random order, then factors U(max(0,1-b), 1+b), U(max(0,1-c), 1+c),
// U(max(0,1-s), 1+s) and U(-h, h). A zero strength disables that adjustment (factor 1,
// hue 0, no draw), as in torchvision.
func JitterParams(rng *RNG, b, c, s, h float64) Jitter {
	j := Jitter{Brightness: 1, Contrast: 1, Saturation: 1}
	copy(j.Order[:], rng.Perm(4))
	if b > 0 {
		j.Brightness = rng.Uniform(max(0, 1-b), 1+b)
	}
	if c > 0 {
		j.Contrast = rng.Uniform(max(0, 1-c), 1+c)
	}
	if s > 0 {
		j.Saturation = rng.Uniform(max(0, 1-s), 1+s)
	}
	if h > 0 {
		j.Hue = rng.Uniform(-h, h)
	}
	return j
}

// ApplyJitter applies a ColorJitter draw to a gray image that stands for an RGB image with
// R = G = B, in place, as torchvision does on a PIL image (Pillow ImageEnhance):
//
//	brightness f: v ← blend(0, v, f)                       = trunc(f·v), saturated
//	contrast   f: v ← blend(m, v, f), m = int(mean(v)+0.5) = trunc(m + f·(v-m)), saturated
//
// in the drawn order, each step quantised to uint8 (so the contrast mean is taken after a
// preceding brightness step). Saturation blends with the image's own luminance and hue
// rotates HSV hue; both leave an R = G = B image unchanged (its luminance is itself, its
// HSV saturation is 0), so they are identities here.
func ApplyJitter(g *Gray, j Jitter) {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	var lut [256]uint8 // composite map from the original value to the current one
	for i := range lut {
		lut[i] = uint8(i)
	}
	n := len(g.Pix)
	for _, op := range j.Order {
		switch {
		case op == 0 && j.Brightness != 1:
			f := float32(j.Brightness)
			for i := range lut {
				lut[i] = pilBlend(0, int(lut[i]), f)
			}
		case op == 1 && j.Contrast != 1 && n > 0:
			sum := 0.0
			for v, c := range hist {
				sum += float64(c) * float64(lut[v])
			}
			m := int(sum/float64(n) + 0.5)
			f := float32(j.Contrast)
			for i := range lut {
				lut[i] = pilBlend(m, int(lut[i]), f)
			}
		}
	}
	applyLUT(g, &lut)
}

func applyLUT(g *Gray, lut *[256]uint8) {
	for i, v := range g.Pix {
		g.Pix[i] = lut[v]
	}
}

// Solarize inverts every pixel at or above threshold: v ≥ t → 255 - v (Pillow's
// ImageOps.solarize, used by torchvision's RandomSolarize).
func Solarize(g *Gray, threshold int) {
	var lut [256]uint8
	for i := range lut {
		if i < threshold {
			lut[i] = uint8(i)
		} else {
			lut[i] = uint8(255 - i)
		}
	}
	applyLUT(g, &lut)
}

// GaussianKernel1D returns torchvision's 1-D Gaussian kernel: x = linspace(-(k-1)/2,
// (k-1)/2, k), w = exp(-x²/(2σ²)) / Σ exp(-x²/(2σ²)), computed in float32.
func GaussianKernel1D(size int, sigma float64) []float32 {
	k := make([]float32, size)
	half := float32(size-1) * 0.5
	s := float32(sigma)
	var sum float32
	for i := range k {
		x := -half + float32(i)
		v := float32(math.Exp(float64(-0.5 * (x / s) * (x / s))))
		k[i] = v
		sum += v
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// GaussianBlur blurs g in place as torchvision's GaussianBlur(kernel_size=size, sigma) does
// on a PIL image: the image converted to float32, reflect padding of size/2 (mirror
// without repeating the edge), convolution with the Gaussian kernel, round half to even
// back to uint8. torchvision convolves once with the 2-D outer-product kernel; this does
// the mathematically identical separable pair of 1-D passes in float32 (pairing the
// symmetric taps), which can move a result that lies within float rounding of a .5
// boundary by one level. The image must be larger than size/2 in both directions.
func GaussianBlur(g *Gray, size int, sigma float64) {
	gaussianBlur(g, size, sigma, nil)
}

func gaussianBlur(g *Gray, size int, sigma float64, s *scratch) {
	r := size / 2
	if size <= 0 || size%2 == 0 || g.W <= r || g.H <= r {
		panic(fmt.Sprintf("data.GaussianBlur: kernel %d on a %dx%d image (need an odd kernel and sides > %d)", size, g.W, g.H, r))
	}
	k := GaussianKernel1D(size, sigma)
	w, h := g.W, g.H
	tmp := s.floats(w * h)
	row := make([]float32, w+2*r)
	kc := k[r]
	// Horizontal pass into tmp.
	for y := 0; y < h; y++ {
		in := g.Pix[y*w : (y+1)*w]
		mid := row[r : r+w]
		for x, v := range in {
			mid[x] = float32(v)
		}
		for d := 1; d <= r; d++ { // reflect: -d → d, w-1+d → w-1-d
			row[r-d] = mid[d]
			row[r+w-1+d] = mid[w-1-d]
		}
		out := tmp[y*w : (y+1)*w]
		if r == 4 { // kernel 9 (the only size the pipeline uses): one fused sweep
			k0, k1, k2, k3 := k[0], k[1], k[2], k[3]
			for x := range out {
				p := row[x : x+9 : x+9]
				out[x] = kc*p[4] + k3*(p[3]+p[5]) + k2*(p[2]+p[6]) + k1*(p[1]+p[7]) + k0*(p[0]+p[8])
			}
			continue
		}
		for x, v := range mid {
			out[x] = kc * v
		}
		for d := 1; d <= r; d++ {
			kd := k[r-d]
			a := row[r-d : r-d+w]
			b := row[r+d : r+d+w]
			for x := range out {
				out[x] += kd * (a[x] + b[x])
			}
		}
	}
	// Vertical pass, row by row.
	reflect := func(i int) int {
		if i < 0 {
			return -i
		}
		if i >= h {
			return 2*(h-1) - i
		}
		return i
	}
	acc := row[:w]
	for y := 0; y < h; y++ {
		c := tmp[y*w : (y+1)*w]
		if r == 4 {
			k0, k1, k2, k3 := k[0], k[1], k[2], k[3]
			a1, b1 := tmp[reflect(y-1)*w:][:w], tmp[reflect(y+1)*w:][:w]
			a2, b2 := tmp[reflect(y-2)*w:][:w], tmp[reflect(y+2)*w:][:w]
			a3, b3 := tmp[reflect(y-3)*w:][:w], tmp[reflect(y+3)*w:][:w]
			a4, b4 := tmp[reflect(y-4)*w:][:w], tmp[reflect(y+4)*w:][:w]
			out := g.Pix[y*w : (y+1)*w]
			for x := range out {
				v := kc*c[x] + k3*(a1[x]+b1[x]) + k2*(a2[x]+b2[x]) + k1*(a3[x]+b3[x]) + k0*(a4[x]+b4[x])
				out[x] = uint8(min(max(math.RoundToEven(float64(v)), 0), 255))
			}
			continue
		}
		for x, v := range c {
			acc[x] = kc * v
		}
		for d := 1; d <= r; d++ {
			kd := k[r-d]
			a := tmp[reflect(y-d)*w:][:w]
			b := tmp[reflect(y+d)*w:][:w]
			for x := range acc {
				acc[x] += kd * (a[x] + b[x])
			}
		}
		out := g.Pix[y*w : (y+1)*w]
		for x, v := range acc {
			out[x] = uint8(min(max(math.RoundToEven(float64(v)), 0), 255))
		}
	}
}

// ImageNet normalisation constants (torchvision), applied per channel after ToTensor.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// normLUT[c][v] = (v/255 - mean[c]) / std[c] in float32, the exact values ToTensor followed
// by Normalize produces for channel c of an R = G = B pixel of value v.
var normLUT = func() (t [3][256]float32) {
	for c := range 3 {
		for v := range 256 {
			t[c][v] = (float32(v)/float32(255) - ImageNetMean[c]) / ImageNetStd[c]
		}
	}
	return
}()

// NormalizeInto writes the 3-channel CHW float32 tensor of g replicated to RGB and
// ImageNet-normalised (ToTensor then Normalize(mean, std)) into dst, which must have length
// 3·W·H. The three planes differ because the channel statistics differ.
func NormalizeInto(g *Gray, dst []float32) {
	n := g.W * g.H
	if len(dst) != 3*n {
		panic(fmt.Sprintf("data.NormalizeInto: dst length %d, want 3*%d*%d = %d", len(dst), g.W, g.H, 3*n))
	}
	for c := range 3 {
		lut := &normLUT[c]
		plane := dst[c*n : (c+1)*n]
		for i, v := range g.Pix {
			plane[i] = lut[v]
		}
	}
}

// Normalize returns the normalised 3×H×W tensor of g (see NormalizeInto).
func Normalize(g *Gray) []float32 {
	out := make([]float32, 3*g.W*g.H)
	NormalizeInto(g, out)
	return out
}
