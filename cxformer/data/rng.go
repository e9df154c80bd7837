package data

import "math/rand/v2"

// RNG is the random source of the augmentations: a PCG generator with the handful of draws
// torchvision's transforms use. Uniform(a, b) = a + (b-a)·U[0,1), like torch's uniform_.
type RNG struct{ r *rand.Rand }

// NewRNG returns a generator for the given seed and stream. Different streams of one seed
// are independent for all practical purposes.
func NewRNG(seed, stream uint64) *RNG {
	return &RNG{r: rand.New(rand.NewPCG(splitmix64(seed), splitmix64(stream^0x9e3779b97f4a7c15)))}
}

// Float64 returns a uniform value in [0, 1).
func (g *RNG) Float64() float64 { return g.r.Float64() }

// Uniform returns a + (b-a)·U[0,1). Like Python's random.uniform it accepts a > b.
func (g *RNG) Uniform(a, b float64) float64 { return a + (b-a)*g.r.Float64() }

// Bernoulli returns true with probability p (U[0,1) < p, so p = 0 never and p = 1 always).
func (g *RNG) Bernoulli(p float64) bool { return g.r.Float64() < p }

// IntRange returns a uniform integer in [lo, hi], both inclusive (torch.randint(lo, hi+1)).
func (g *RNG) IntRange(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// Perm returns a uniform random permutation of 0..n-1 (torch.randperm).
func (g *RNG) Perm(n int) []int { return g.r.Perm(n) }

// splitmix64 is a bijective 64-bit mixer (Steele et al.), used to turn structured keys such
// as (seed, epoch, index, crop) into well-spread generator seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// SampleKey identifies one draw of the augmentation of one image: the run's seed, the epoch
// and the image's index in its dataset. Equal keys give identical augmentations.
type SampleKey struct {
	Seed  uint64
	Epoch int
	Index int
}

// rng returns the generator of one crop (or other sub-stream) of this sample.
func (k SampleKey) rng(sub int) *RNG {
	seed := splitmix64(k.Seed ^ splitmix64(uint64(int64(k.Epoch))+0x51ed27))
	stream := splitmix64(uint64(int64(k.Index)))*31 + uint64(int64(sub))
	return NewRNG(seed, stream)
}
