package cpu

import "testing"

// reportGBs reports the bandwidth of a benchmark that reads and writes
// bytesPerOp bytes per iteration, in GB/s (10⁹ bytes per second).
func reportGBs(b *testing.B, bytesPerOp int) {
	b.Helper()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/s/1e9, "GB/s")
	}
}

// benchPaths runs f as one sub-benchmark per row-kernel path: the AVX2+FMA
// assembly where the CPU has it, and the pure-Go generic path, so that
// `go test -bench` prints the two side by side.
func benchPaths(b *testing.B, f func(b *testing.B)) {
	paths := []string{pathGeneric}
	for _, p := range supportedPaths() {
		if p == pathAVX2FMA {
			paths = []string{pathAVX2FMA, pathGeneric}
		}
	}
	for _, p := range paths {
		b.Run(p, func(b *testing.B) {
			prev := setPath(p)
			defer setPath(prev)
			f(b)
		})
	}
}

// ViT-S/14 shapes of the row-kernel benchmarks: a batch of 8 images at
// 224 px is 8×(1+4+256) = 2088 tokens of width 384 (MLP hidden 1536), and
// attention has 8×6 heads of 261×261 scores. The DINO head has 16384
// prototypes (a batch of 128 rows).
const (
	benchTokens    = 8 * 261
	benchWidth     = 384
	benchHidden    = 1536
	benchAttnRows  = 8 * 6 * 261
	benchAttnCols  = 261
	benchHeadRows  = 128
	benchHeadCols  = 16384
	benchFillSeed  = 7
	benchFillScale = 4
)

// benchInput returns n deterministic values of about unit size (scaled).
func benchInput(n int) []float32 {
	x := randSlice(newRNG(benchFillSeed), n)
	for i := range x {
		x[i] *= benchFillScale
	}
	return x
}
