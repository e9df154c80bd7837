package cpu

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// geluTol bounds the relative norm error of Gelu and GeluBackward: every
// element is within a few float32 ulps (see the elementwise bounds of
// TestGeluAccuracy).
const geluTol = 1e-6

func TestGelu(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(20)
		for _, n := range []int{1, 2, 7, 8, 9, 13, 16, 17, 31, 97, 131, 1000, 40000} {
			x := randSlice(rng, n)
			for i := range x {
				x[i] *= 3
			}
			dy := randSlice(rng, n)
			got := make([]float32, n)
			want := make([]float64, n)
			Gelu(got, x)
			ref.Gelu(want, to64(x))
			checkRel(t, "Gelu", got, want, geluTol)
			GeluBackward(got, x, dy)
			ref.GeluBackward(want, to64(x), to64(dy))
			checkRel(t, "GeluBackward", got, want, geluTol)
		}
	})
}

// TestGeluAccuracy sweeps [−12, 12] densely and bounds every element:
//
//	|gelu − x·Φ(x)| ≤ 1e-7·|x| + 2^-24·|x·Φ(x)|
//
// i.e. Φ within 1e-7 (erf within 2e-7) plus the rounding of the product;
// and for the backward, with d = Φ + x·φ ∈ [−0.17, 1.13],
//
//	|dx − dy·d| ≤ |dy|·(1.5e-7 + 2^-23·|d|).
//
// An erf approximation with 3e-7 error (Abramowitz–Stegun 7.1.26
// evaluated in float32) fails the forward bound.
func TestGeluAccuracy(t *testing.T) {
	var x []float32
	for v := -12.0; v <= 12; v += 1.0 / 4096 {
		x = append(x, float32(v))
	}
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = 1
	}
	forEachPath(t, func(t *testing.T) {
		y := make([]float32, len(x))
		dx := make([]float32, len(x))
		Gelu(y, x)
		GeluBackward(dx, x, dy)
		worstF, worstB := 0.0, 0.0
		for i, v32 := range x {
			v := float64(v32)
			cdf := 0.5 * math.Erfc(-v/math.Sqrt2)
			want := v * cdf
			errF := math.Abs(float64(y[i])-want) / (1e-7*math.Abs(v) + 0x1p-24*math.Abs(want) + 1e-40)
			d := cdf + v*math.Exp(-v*v/2)/math.Sqrt(2*math.Pi)
			errB := math.Abs(float64(dx[i])-d) / (1.5e-7 + 0x1p-23*math.Abs(d))
			worstF, worstB = max(worstF, errF), max(worstB, errB)
			if !(errF <= 1) || !(errB <= 1) {
				t.Fatalf("x=%g: gelu %g (want %g), gelu' %g (want %g)", v, y[i], want, dx[i], d)
			}
		}
		t.Logf("worst error / bound: forward %.2f, backward %.2f", worstF, worstB)
	})
}

// TestGeluExtremes: GELU(±10) is ±10·Φ(±10) (0 and 10 in float32, up to a
// tiny negative tail), ±Inf and NaN propagate like the reference.
func TestGeluExtremes(t *testing.T) {
	inf := float32(math.Inf(1))
	x := []float32{10, -10, 0, float32(math.Copysign(0, -1)), 6, -6, 40, -40, inf, float32(math.NaN())}
	forEachPath(t, func(t *testing.T) {
		y := make([]float32, len(x))
		dx := make([]float32, len(x))
		ones := make([]float32, len(x))
		for i := range ones {
			ones[i] = 1
		}
		Gelu(y, x)
		GeluBackward(dx, x, ones)
		want := make([]float64, len(x))
		wantB := make([]float64, len(x))
		ref.Gelu(want, to64(x))
		ref.GeluBackward(wantB, to64(x), to64(ones))
		for i := range x {
			if !sameFloat(y[i], float32(want[i])) && math.Abs(float64(y[i])-want[i]) > 1e-7*math.Abs(float64(x[i])) {
				t.Errorf("gelu(%g) = %g, want %g", x[i], y[i], want[i])
			}
			if !sameFloat(dx[i], float32(wantB[i])) && math.Abs(float64(dx[i])-wantB[i]) > 2e-7 {
				t.Errorf("gelu'(%g) = %g, want %g", x[i], dx[i], wantB[i])
			}
		}
	})
}

func BenchmarkGelu(b *testing.B) {
	n := benchTokens * benchHidden
	x, y := benchInput(n), make([]float32, n)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			Gelu(y, x)
		}
		reportGBs(b, 8*n)
	})
}

func BenchmarkGeluBackward(b *testing.B) {
	n := benchTokens * benchHidden
	x, dy, dx := benchInput(n), benchInput(n), make([]float32, n)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			GeluBackward(dx, x, dy)
		}
		reportGBs(b, 12*n)
	})
}
