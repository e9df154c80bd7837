package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// The teacher-side kernels against the float64 references. The arguments
// of exp are (z−c)/temp up to ~40 at temp 0.04, and rounding them to
// float32 alone shifts each exponent by up to 40·6e-8 ≈ 2.4e-6, so the
// bound is 4e-6 (one wrong element of a 13-wide row shows as ~1e-1).
func TestCenteredSoftmaxAndSinkhorn(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(21)
		for _, sh := range [][2]int{{1, 1}, {1, 7}, {3, 13}, {12, 1024}, {31, 97}, {5, 16384}} {
			rows, cols := sh[0], sh[1]
			z := uniformSlice(rng, rows*cols, -1, 1)
			c := uniformSlice(rng, cols, -0.3, 0.3)
			q := make([]float32, rows*cols)
			want := make([]float64, rows*cols)
			CenteredSoftmax(q, z, c, rows, cols, 0.04)
			ref.CenteredSoftmax(want, to64(z), to64(c), rows, cols, 0.04)
			checkRel(t, "CenteredSoftmax "+shapeName(rows, cols), q, want, 4e-6)

			SinkhornKnopp(q, z, rows, cols, 0.04, 3)
			ref.SinkhornKnopp(want, to64(z), rows, cols, 0.04, 3)
			checkRel(t, "SinkhornKnopp "+shapeName(rows, cols), q, want, 4e-6)
		}
	})
}

// Large logits overflow exp without the global max shift; with it the
// targets stay finite and rows sum to 1.
func TestSinkhornNoOverflow(t *testing.T) {
	z := []float32{10, 9, 8, 10.5, 7, 9.5}
	q := make([]float32, 6)
	SinkhornKnopp(q, z, 2, 3, 0.04, 3) // z/temp up to 262: e^262 overflows float32
	for r := 0; r < 2; r++ {
		s := float64(q[3*r]) + float64(q[3*r+1]) + float64(q[3*r+2])
		if math.IsNaN(s) || math.Abs(s-1) > 1e-5 {
			t.Fatalf("row %d sums to %v (%v)", r, s, q)
		}
	}
}

func TestKoLeoMatchesRef(t *testing.T) {
	rng := newRNG(22)
	for _, sh := range [][2]int{{2, 1}, {3, 7}, {13, 48}, {64, 384}} {
		rows, cols := sh[0], sh[1]
		x := randSlice(rng, rows*cols)
		loss, nn := make([]float32, 1), make([]float32, rows)
		KoLeo(loss, nn, x, rows, cols)
		wl, wnn := make([]float64, 1), make([]float64, rows)
		ref.KoLeo(wl, wnn, to64(x), rows, cols)
		checkRel(t, "KoLeo loss "+shapeName(rows, cols), loss, wl, 1e-5)
		for i := range nn {
			if float64(nn[i]) != wnn[i] {
				t.Fatalf("%s: neighbour of %d is %v, ref %v", shapeName(rows, cols), i, nn[i], wnn[i])
			}
		}
		dx := make([]float32, rows*cols)
		want := make([]float64, rows*cols)
		KoLeoBackward(dx, []float32{0.7}, x, nn, rows, cols)
		ref.KoLeoBackward(want, []float64{0.7}, to64(x), wnn, rows, cols)
		checkRel(t, "KoLeoBackward "+shapeName(rows, cols), dx, want, 1e-5)
	}
}

// A neighbour index that is not a row index is a bug upstream: the
// backward panics naming the op and the index.
func TestKoLeoBackwardRejectsBadIndex(t *testing.T) {
	x := randSlice(newRNG(23), 3*4)
	dx := make([]float32, len(x))
	for _, bad := range []float32{-1, 3, 0.5, float32(math.NaN())} {
		nn := []float32{1, bad, 0}
		want := fmt.Sprintf("cpu.KoLeoBackward: nn[1]=%v is not a row index in [0,3)", float64(bad))
		func() {
			defer func() {
				if r := recover(); r != want {
					t.Errorf("nn %v: panic %v, want %q", nn, r, want)
				}
			}()
			KoLeoBackward(dx, []float32{1}, x, nn, 3, 4)
		}()
	}
}

func BenchmarkSinkhornKnopp(b *testing.B) {
	// The iBOT teacher at CXformer scale: ~1.4K masked tokens × 16,384 prototypes.
	rows, cols := 1400, 16384
	z := benchInput(rows * cols)
	q := make([]float32, len(z))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		SinkhornKnopp(q, z, rows, cols, 0.07, 3)
	}
	// exp pass (read z, write q) + 3 rounds of (read for column sums, read+write scale) + final scale.
	reportGBs(b, 4*rows*cols*(2+3*3+2))
}

func BenchmarkCenteredSoftmax(b *testing.B) {
	rows, cols := 128, 16384
	z := benchInput(rows * cols)
	c := make([]float32, cols)
	q := make([]float32, len(z))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		CenteredSoftmax(q, z, c, rows, cols, 0.07)
	}
	reportGBs(b, 4*rows*cols*3)
}
