package cpu

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// expElemTol bounds the relative error of every element of Exp: the
// degree-7 Taylor polynomial is exact to 5e-9 on |r| ≤ ln2/2, and the
// float32 Horner steps, the reduction and the final rounding add a few
// ulps (2^-24 ≈ 6e-8 each); measured ≈ 1.1e-7.
const expElemTol = 3e-7

func TestExp(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(1)
		for _, n := range []int{1, 7, 8, 9, 13, 16, 17, 31, 97, 131, 1000, 40000} {
			x := uniformSlice(rng, n, -80, 80)
			got := make([]float32, n)
			Exp(got, x)
			want := make([]float64, n)
			ref.Exp(want, to64(x))
			if e := maxRelElem(got, want, 0); !(e <= expElemTol) {
				t.Errorf("n=%d: max elementwise relative error %.3g > %.3g", n, e, expElemTol)
			}
		}
	})
}

// TestExpExtremes checks the clamps: very negative → 0, overflow → +Inf,
// NaN stays NaN, and a dense sweep of the representable range keeps the
// elementwise bound (including values whose result is near MaxFloat32).
func TestExpExtremes(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		x := []float32{-100, 100, float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.NaN()), 0, -87.5, 88.72, 88.73, -1e30, 1e30}
		want := []float32{0, float32(math.Inf(1)), 0, float32(math.Inf(1)), float32(math.NaN()), 1, 0, 3.3931806e38, float32(math.Inf(1)), 0, float32(math.Inf(1))}
		got := make([]float32, len(x))
		Exp(got, x)
		for i := range x {
			ok := sameFloat(got[i], want[i])
			if x[i] == 88.72 { // finite, within the element bound
				ok = math.Abs(float64(got[i])/math.Exp(float64(x[i]))-1) < expElemTol
			}
			if !ok {
				t.Errorf("exp(%g) = %g, want %g", x[i], got[i], want[i])
			}
		}
		sweep := make([]float32, 0, 17600)
		for v := -86.9; v < 88.7; v += 0.01 {
			sweep = append(sweep, float32(v))
		}
		got = make([]float32, len(sweep))
		Exp(got, sweep)
		wantSweep := make([]float64, len(sweep))
		ref.Exp(wantSweep, to64(sweep))
		if e := maxRelElem(got, wantSweep, 0); !(e <= expElemTol) {
			t.Errorf("sweep [-86.9, 88.7]: max elementwise relative error %.3g > %.3g", e, expElemTol)
		}
	})
}

// TestExpPathsAgree checks that the assembly and the pure-Go exp round
// alike (they run the same algorithm; only FMA contraction differs).
func TestExpPathsAgree(t *testing.T) {
	if len(supportedPaths()) < 2 {
		t.Skip("no assembly path on this machine")
	}
	x := uniformSlice(newRNG(2), 4099, -90, 90)
	a, g := make([]float32, len(x)), make([]float32, len(x))
	Exp(a, x)
	prev := setPath(pathGeneric)
	Exp(g, x)
	setPath(prev)
	for i := range x {
		if sameFloat(a[i], g[i]) {
			continue
		}
		if d := math.Abs(float64(a[i]-g[i])) / math.Max(float64(g[i]), 1e-37); !(d <= 2.5e-7) {
			t.Fatalf("exp(%g): assembly %g, generic %g", x[i], a[i], g[i])
		}
	}
}

func BenchmarkExp(b *testing.B) {
	n := benchTokens * benchHidden
	x, y := benchInput(n), make([]float32, n)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			Exp(y, x)
		}
		reportGBs(b, 8*n)
	})
}
