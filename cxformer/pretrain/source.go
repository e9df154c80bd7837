package pretrain

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// DataSource delivers the multi-crop batch of a training step. Next must be
// deterministic in step (the same step gives the same batch, whatever came
// before): that is what makes a resumed run exact without saving the
// source's state. The batch needs its global and local crops in the
// crop-major layout of cxformer.Batch; the trainer adds the iBOT masks when
// Masks is nil, moves the crops to its device, and releases them after the
// step.
type DataSource interface {
	Next(step int) (cxformer.Batch, error)
}

// RandomCrops is a synthetic DataSource: every image is a smooth random
// field of Gaussian blobs on a gradient background (gray, replicated to
// RGB and normalised to roughly zero mean and unit variance), and its crops
// are DINOv2-style random resized crops — global crops cover 32-100% of
// the image area, local crops 5-32% — with random horizontal flips. Crops
// of one image share its blobs, so the SSL objective has structure to
// learn. Images and crops depend only on (Seed, step, image index).
type RandomCrops struct {
	Batch      int // images per step
	GlobalSize int // global crop side (pixels)
	LocalSize  int // local crop side (pixels)
	NLocal     int // local crops per image
	Seed       uint64
	Blobs      int     // blobs per image (default 6)
	NoiseStd   float64 // per-pixel Gaussian noise (field units)
}

// NewRandomCrops returns the synthetic source for a pretraining config.
func NewRandomCrops(c Config) *RandomCrops {
	return &RandomCrops{Batch: c.BatchSize, GlobalSize: c.GlobalCropSize, LocalSize: c.LocalCropSize,
		NLocal: c.SSL.NLocal, Seed: c.Seed, Blobs: 6, NoiseStd: 0.02}
}

// blob is one isotropic Gaussian bump of the image field, in the unit
// square.
type blob struct{ cx, cy, inv2s2, amp float64 }

// image is the continuous field of one synthetic image.
type image struct {
	blobs        []blob
	base, gx, gy float64
}

// seedFor mixes (seed, step, index) into one generator seed (SplitMix64
// finaliser), so nearby steps and images get unrelated streams.
func seedFor(seed uint64, step, index int, salt uint64) uint64 {
	x := seed ^ salt
	for _, v := range []uint64{uint64(step), uint64(index)} {
		x += 0x9e3779b97f4a7c15 + v
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
		x = (x ^ (x >> 27)) * 0x94d049bb133111eb
		x ^= x >> 31
	}
	return x
}

const (
	saltImage = 0x1a2b3c4d5e6f7081
	saltMask  = 0x5ca1ab1e0ddba11
	// saltDropPath seeds the student's stochastic-depth draws of a step.
	saltDropPath = 0xd209a7f5c3e1b468
)

// Next renders the batch of step: (2B, 3, G, G) global and (NLocal·B, 3,
// L, L) local crops on the CPU, crop-major; masks are left to the trainer.
func (r *RandomCrops) Next(step int) (cxformer.Batch, error) {
	if r.Batch < 1 || r.GlobalSize < 1 || (r.NLocal > 0 && r.LocalSize < 1) || r.NLocal < 0 {
		return cxformer.Batch{}, fmt.Errorf("pretrain.RandomCrops: batch %d, global size %d, local size %d, %d local crops: sizes must be positive",
			r.Batch, r.GlobalSize, r.LocalSize, r.NLocal)
	}
	if step < 0 {
		return cxformer.Batch{}, fmt.Errorf("pretrain.RandomCrops: negative step %d", step)
	}
	b, g, l := r.Batch, r.GlobalSize, r.LocalSize
	gs, ls := 3*g*g, 3*l*l
	global := make([]float32, 2*b*gs)
	var local []float32
	if r.NLocal > 0 {
		local = make([]float32, r.NLocal*b*ls)
	}
	blobs := r.Blobs
	if blobs <= 0 {
		blobs = 6
	}
	for i := range b {
		rng := tensor.NewRNG(seedFor(r.Seed, step, i, saltImage))
		img := newImage(rng, blobs)
		for c := range 2 {
			row := c*b + i
			img.renderCrop(rng, global[row*gs:(row+1)*gs], g, 0.32, 1.0, r.NoiseStd)
		}
		for c := range r.NLocal {
			row := c*b + i
			img.renderCrop(rng, local[row*ls:(row+1)*ls], l, 0.05, 0.32, r.NoiseStd)
		}
	}
	out := cxformer.Batch{Global: tensor.MustFromSlice(tensor.CPU, global, 2*b, 3, g, g)}
	if r.NLocal > 0 {
		out.Local = tensor.MustFromSlice(tensor.CPU, local, r.NLocal*b, 3, l, l)
	}
	return out, nil
}

func newImage(rng *tensor.RNG, n int) *image {
	img := &image{base: 0.3 + 0.2*rng.Float64(), gx: 0.3 * (rng.Float64() - 0.5), gy: 0.3 * (rng.Float64() - 0.5)}
	for range n {
		s := 0.04 + 0.16*rng.Float64()
		amp := 0.25 + 0.5*rng.Float64()
		if rng.Float64() < 0.3 {
			amp = -amp
		}
		img.blobs = append(img.blobs, blob{cx: rng.Float64(), cy: rng.Float64(), inv2s2: 1 / (2 * s * s), amp: amp})
	}
	return img
}

// renderCrop draws a random resized crop — area fraction in [lo, hi] of
// the unit square, aspect ratio in [3/4, 4/3] (log-uniform), as
// torchvision's RandomResizedCrop — with a random horizontal flip, samples
// the field at size×size pixel centres and writes the normalised gray
// value to the 3 channels of dst. Blobs are separable, so each costs
// O(size) exponentials per crop.
func (img *image) renderCrop(rng *tensor.RNG, dst []float32, size int, lo, hi, noise float64) {
	area := lo + (hi-lo)*rng.Float64()
	logr := math.Log(3.0/4) + (math.Log(4.0/3)-math.Log(3.0/4))*rng.Float64()
	ar := math.Exp(logr)
	w := math.Min(1, math.Sqrt(area*ar))
	h := math.Min(1, math.Sqrt(area/ar))
	x0 := (1 - w) * rng.Float64()
	y0 := (1 - h) * rng.Float64()
	flip := rng.Float64() < 0.5

	xs := make([]float64, size)
	ys := make([]float64, size)
	for k := range size {
		t := (float64(k) + 0.5) / float64(size)
		xs[k] = x0 + w*t
		if flip {
			xs[k] = x0 + w*(1-t)
		}
		ys[k] = y0 + h*t
	}
	field := make([]float64, size*size)
	for y := range size {
		for x := range size {
			field[y*size+x] = img.base + img.gx*(xs[x]-0.5) + img.gy*(ys[y]-0.5)
		}
	}
	ex := make([]float64, size)
	ey := make([]float64, size)
	for _, bl := range img.blobs {
		for k := range size {
			dx, dy := xs[k]-bl.cx, ys[k]-bl.cy
			ex[k] = math.Exp(-dx * dx * bl.inv2s2)
			ey[k] = bl.amp * math.Exp(-dy*dy*bl.inv2s2)
		}
		for y := range size {
			row := field[y*size : (y+1)*size]
			for x := range row {
				row[x] += ey[y] * ex[x]
			}
		}
	}
	plane := size * size
	for i, v := range field {
		if noise > 0 {
			v += noise * rng.NormFloat64()
		}
		// Roughly ImageNet-normalised gray: mean 0.45, std 0.25.
		f := float32((v - 0.45) / 0.25)
		dst[i], dst[plane+i], dst[2*plane+i] = f, f, f
	}
}
