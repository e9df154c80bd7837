package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// The reductions add in float64 and round once, so each output is within
// 2^-24 of the reference: 1e-7 bounds the norm.
const reduceTol = 1e-7

func TestSumRows(t *testing.T) {
	forEachPath(t, testSumRows) // rows accumulate with accumF64 (assembly or Go)
}

func testSumRows(t *testing.T) {
	rng := newRNG(50)
	for _, sh := range append(rowShapes, [2]int{4000, 131}, [2]int{7, 2000}) {
		rows, cols := sh[0], sh[1]
		x := randSlice(rng, rows*cols)
		got := make([]float32, cols)
		want := make([]float64, cols)
		for _, th := range []int{1, 3} {
			withThreads(th, func() { SumRows(got, x, rows, cols) })
			ref.SumRows(want, to64(x), rows, cols)
			checkRel(t, "SumRows "+shapeName(rows, cols), got, want, reduceTol)
		}
	}
}

// accumF64's assembly does the pure-Go loop's float64 additions, so the
// two agree bit for bit at every length (tails of 1-7 columns included).
func TestAccumF64MatchesGeneric(t *testing.T) {
	rng := newRNG(52)
	for _, n := range []int{0, 1, 3, 7, 8, 9, 16, 17, 131, 1000} {
		row := randSlice(rng, n+5) // longer than acc: only len(acc) is read
		got, want := make([]float64, n), make([]float64, n)
		for j := range got {
			got[j] = float64(row[n-1-j]) * 1e3
			want[j] = got[j]
		}
		accumF64(got, row)
		accumF64Generic(want, row)
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("n=%d: acc[%d] = %v, generic %v", n, j, got[j], want[j])
			}
		}
	}
}

func TestAxisOps(t *testing.T) {
	forEachPath(t, testAxisOps) // BroadcastAxis scales with the assembly row kernel
}

func testAxisOps(t *testing.T) {
	rng := newRNG(51)
	for _, s := range [][3]int{{1, 1, 1}, {1, 7, 1}, {3, 13, 1}, {1, 31, 97}, {5, 7, 13}, {2, 1000, 600}, {97, 3, 2}, {4, 0, 3}} {
		outer, n, inner := s[0], s[1], s[2]
		x := randSlice(rng, outer*n*inner)
		g := randSlice(rng, outer*inner)
		got := make([]float32, outer*inner)
		want := make([]float64, outer*inner)
		SumAxis(got, x, outer, n, inner)
		ref.SumAxis(want, to64(x), outer, n, inner)
		checkRel(t, "SumAxis", got, want, reduceTol)
		if n > 0 { // the mean over an empty axis is NaN in both
			MeanAxis(got, x, outer, n, inner)
			ref.MeanAxis(want, to64(x), outer, n, inner)
			checkRel(t, "MeanAxis", got, want, reduceTol)
		}
		bgot := make([]float32, outer*n*inner)
		bwant := make([]float64, outer*n*inner)
		BroadcastAxis(bgot, g, outer, n, inner, 0.25)
		ref.BroadcastAxis(bwant, to64(g), outer, n, inner, 0.25)
		checkRel(t, "BroadcastAxis", bgot, bwant, 0) // scaling by 2^-2 is exact
	}
}

func TestAxisPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SumAxis with a short dst did not panic")
		}
	}()
	SumAxis(make([]float32, 2), make([]float32, 12), 2, 2, 3)
}

func BenchmarkSumRows(b *testing.B) {
	rows, cols := 2088, 384
	x, d := make([]float32, rows*cols), make([]float32, cols)
	for b.Loop() {
		SumRows(d, x, rows, cols)
	}
	reportGBs(b, 4*rows*cols)
}
