package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// rowShapes are the rows×cols cases of the row-wise kernel tests: 1×1, a
// single row, primes, column counts around multiples of the YMM width (8)
// and of the 2- and 4-vector unrolls (16, 32), and a few wide rows.
var rowShapes = [][2]int{
	{1, 1}, {1, 2}, {1, 7}, {1, 8}, {1, 9}, {1, 13}, {3, 15}, {2, 16}, {2, 17},
	{7, 31}, {5, 32}, {4, 33}, {13, 97}, {3, 131}, {31, 7}, {97, 13}, {2, 261}, {3, 384}, {2, 1543},
}

// shapeName names a subtest after its shape.
func shapeName(rows, cols int) string { return fmt.Sprintf("%dx%d", rows, cols) }

// newRNG returns a deterministic generator, one stream per test.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// uniformSlice returns n values uniform in [lo, hi).
func uniformSlice(rng *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return s
}

// checkRel fails t unless ||got−want||/||want|| ≤ tol (NaN fails).
func checkRel(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	if e := relErr(got, want); !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %.3g", what, e, tol)
	}
}

// checkRelTo is checkRel for outputs formed by cancellation (a gradient
// minus its projection): the error is measured against the larger of
// ||want|| and scale, the norm of the terms before they cancel, since a
// result that is mathematically ~0 (LayerNorm's dx on two columns) has no
// meaningful relative error of its own.
func checkRelTo(t *testing.T, what string, got []float32, want []float64, scale, tol float64) {
	t.Helper()
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	e := math.Sqrt(num)
	if d := math.Max(math.Sqrt(den), scale); d > 0 {
		e /= d
	}
	if !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %.3g", what, e, tol)
	}
}

// norm2Prod returns ||a ⊙ b||₂ (b nil: ||a||₂), in float64.
func norm2Prod(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		p := float64(v)
		if b != nil {
			p *= float64(b[i])
		}
		s += p * p
	}
	return math.Sqrt(s)
}

// maxRelElem returns max_i |got_i − want_i| / max(|want_i|, floor).
func maxRelElem(got []float32, want []float64, floor float64) float64 {
	var m float64
	for i, w := range want {
		d := math.Abs(float64(got[i])-w) / math.Max(math.Abs(w), floor)
		if !(d <= m) {
			m = d
		}
	}
	return m
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float32) bool { return a == b || (a != a && b != b) }
