package tensor

import (
	"math"
	"math/rand/v2"
)

// RNG is a seeded, serialisable random source for initialisers and
// augmentation. Its state round-trips through MarshalBinary and
// UnmarshalBinary, which is what an exact training resume needs.
type RNG struct {
	pcg *rand.PCG
	r   *rand.Rand
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	p := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &RNG{pcg: p, r: rand.New(p)}
}

// Float64 returns a uniform sample in [0, 1).
func (g *RNG) Float64() float64 { return g.r.Float64() }

// NormFloat64 returns a standard normal sample.
func (g *RNG) NormFloat64() float64 { return g.r.NormFloat64() }

// IntN returns a uniform integer in [0, n).
func (g *RNG) IntN(n int) int { return g.r.IntN(n) }

// Perm returns a random permutation of [0, n).
func (g *RNG) Perm(n int) []int { return g.r.Perm(n) }

// Uint64 returns a uniform 64-bit value (for deriving child seeds).
func (g *RNG) Uint64() uint64 { return g.r.Uint64() }

// MarshalBinary returns the generator's state.
func (g *RNG) MarshalBinary() ([]byte, error) { return g.pcg.MarshalBinary() }

// UnmarshalBinary restores a state from MarshalBinary.
func (g *RNG) UnmarshalBinary(b []byte) error { return g.pcg.UnmarshalBinary(b) }

// Normal returns a tensor of N(0, std²) samples on dev.
func Normal(dev Device, g *RNG, std float64, shape ...int) *Tensor {
	data := make([]float32, numel("tensor.Normal", shape))
	for i := range data {
		data[i] = float32(g.NormFloat64() * std)
	}
	return MustFromSlice(dev, data, shape...)
}

// TruncNormal returns N(0, std²) samples truncated to [lo, hi] (absolute
// bounds, as torch.nn.init.trunc_normal_) by rejection.
func TruncNormal(dev Device, g *RNG, std, lo, hi float64, shape ...int) *Tensor {
	data := make([]float32, numel("tensor.TruncNormal", shape))
	for i := range data {
		for {
			v := g.NormFloat64() * std
			if v >= lo && v <= hi {
				data[i] = float32(v)
				break
			}
		}
	}
	return MustFromSlice(dev, data, shape...)
}

// Uniform returns U(lo, hi) samples on dev.
func Uniform(dev Device, g *RNG, lo, hi float64, shape ...int) *Tensor {
	data := make([]float32, numel("tensor.Uniform", shape))
	for i := range data {
		data[i] = float32(lo + (hi-lo)*g.Float64())
	}
	return MustFromSlice(dev, data, shape...)
}

// KaimingUniform returns PyTorch's default Linear/Conv weight init,
// U(±1/√fanIn) (kaiming_uniform with a=√5).
func KaimingUniform(dev Device, g *RNG, fanIn int, shape ...int) *Tensor {
	b := 1 / math.Sqrt(float64(max(fanIn, 1)))
	return Uniform(dev, g, -b, b, shape...)
}
