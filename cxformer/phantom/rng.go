package phantom

import "math/rand/v2"

// Random streams of one sample. Each part of a patient draws from its own
// stream, so that changing one finding (its presence or its parameters)
// leaves the rest of the patient unchanged.
const (
	streamAnatomy = iota + 1
	streamVessels
	streamPresence
	streamCardiomegaly
	streamEffusion
	streamConsolidation
	streamPneumothorax
	streamNodule
	streamTexture
	streamPixels
)

// splitmix64 is a bijective 64-bit mixer (Steele, Lea and Flood's SplitMix
// finaliser): consecutive inputs give uncorrelated outputs.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// streamKey derives the key of stream of sample index under seed.
func streamKey(seed uint64, index int, stream int) uint64 {
	return splitmix64(splitmix64(seed^0x70686e746f6d2121) ^ splitmix64(uint64(index)*0x100+uint64(stream)))
}

// newStream returns the random source of one stream of one sample.
func newStream(seed uint64, index int, stream int) *rand.Rand {
	k := streamKey(seed, index, stream)
	return rand.New(rand.NewPCG(k, splitmix64(k)))
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
