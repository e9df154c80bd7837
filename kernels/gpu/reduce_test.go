package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// reduceShapes are rows×cols cases: 1, primes, non-multiples of the
// column block (64) and of the lane count, single columns (one lane per
// row, 256 lanes), and enough rows to take the two-launch split path.
var reduceShapes = [][2]int{{1, 1}, {7, 3}, {255, 1}, {1031, 1}, {257, 5}, {256, 70}, {13, 129}, {4099, 3}, {0, 4}, {6, 0}}

func TestSumRows(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(31, 32))
	for _, s := range reduceShapes {
		rows, cols := s[0], s[1]
		x := randSlice(rng, rows*cols)
		gx, dst := mustUpload(t, d, x), opAlloc(t, d, cols)
		if err := d.SumRows(dst, gx, rows, cols); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, cols)
		ref.SumRows(want, to64(x), rows, cols)
		got := mustDownload(t, d, dst)
		opCheck(t, fmt.Sprintf("SumRows %dx%d", rows, cols), got, want, 1e-6)
		// Determinism: a second run gives the same bits.
		if err := d.SumRows(dst, gx, rows, cols); err != nil {
			t.Fatal(err)
		}
		opExact(t, fmt.Sprintf("SumRows %dx%d rerun", rows, cols), mustDownload(t, d, dst), got)
		gx.Release()
		dst.Release()
	}
}

func TestSumMeanBroadcastAxis(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(33, 34))
	for _, s := range [][3]int{{1, 1, 1}, {3, 7, 5}, {2, 255, 1}, {1, 1031, 2}, {5, 0, 3}, {7, 40, 70}, {300, 3, 2}, {1, 600, 9}} {
		outer, n, inner := s[0], s[1], s[2]
		name := fmt.Sprintf("%dx%dx%d", outer, n, inner)
		x := randSlice(rng, outer*n*inner)
		gx, dst := mustUpload(t, d, x), opAlloc(t, d, outer*inner)
		want := make([]float64, outer*inner)
		if err := d.SumAxis(dst, gx, outer, n, inner); err != nil {
			t.Fatal(err)
		}
		ref.SumAxis(want, to64(x), outer, n, inner)
		got := mustDownload(t, d, dst)
		opCheck(t, "SumAxis "+name, got, want, 1e-6)
		if err := d.SumAxis(dst, gx, outer, n, inner); err != nil {
			t.Fatal(err)
		}
		opExact(t, "SumAxis rerun "+name, mustDownload(t, d, dst), got)

		if err := d.MeanAxis(dst, gx, outer, n, inner); err != nil {
			t.Fatal(err)
		}
		ref.MeanAxis(want, to64(x), outer, n, inner)
		got = mustDownload(t, d, dst)
		if n == 0 {
			for i, v := range got {
				if !math.IsNaN(float64(v)) {
					t.Fatalf("MeanAxis %s: [%d] = %v, want NaN", name, i, v)
				}
			}
		} else {
			opCheck(t, "MeanAxis "+name, got, want, 1e-6)
		}

		g := randSlice(rng, outer*inner)
		gg, out := mustUpload(t, d, g), opAlloc(t, d, outer*n*inner)
		const scale = 0.25
		if err := d.BroadcastAxis(out, gg, outer, n, inner, scale); err != nil {
			t.Fatal(err)
		}
		wb := make([]float64, outer*n*inner)
		ref.BroadcastAxis(wb, to64(g), outer, n, inner, scale)
		opCheck(t, "BroadcastAxis "+name, mustDownload(t, d, out), wb, 1e-7)
		for _, b := range []*Buffer{gx, dst, gg, out} {
			b.Release()
		}
	}
}

func TestReducePanics(t *testing.T) {
	d := openTestDevice(t)
	a, b := opAlloc(t, d, 6), opAlloc(t, d, 3)
	defer a.Release()
	defer b.Release()
	opExpectPanic(t, "gpu.SumRows: len(dst)=6, want 3", func() { d.SumRows(a, a, 2, 3) })
	opExpectPanic(t, "gpu.SumRows: len(x)=3 is not rows×cols=3×2", func() { d.SumRows(b, b, 3, 2) })
	opExpectPanic(t, "gpu.SumAxis: len(dst)=6 is not outer×inner=1×3", func() { d.SumAxis(a, a, 1, 2, 3) })
	opExpectPanic(t, "gpu.MeanAxis: len(x)=3 is not outer×n×inner=1×2×3", func() { d.MeanAxis(b, b, 1, 2, 3) })
	opExpectPanic(t, "gpu.SumAxis: dst must be a different buffer", func() { d.SumAxis(a, a, 2, 1, 3) })
	opExpectPanic(t, "gpu.BroadcastAxis: negative size", func() { d.BroadcastAxis(a, b, -1, 2, 3, 1) })
}
