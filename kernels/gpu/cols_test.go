package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

func TestMulSumRows(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(41, 42))
	for _, s := range reduceShapes {
		rows, cols := s[0], s[1]
		a, b := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
		ga, gb, dst := mustUpload(t, d, a), mustUpload(t, d, b), opAlloc(t, d, cols)
		if err := d.MulSumRows(dst, ga, gb, rows, cols); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, cols)
		ref.MulSumRows(want, to64(a), to64(b), rows, cols)
		got := mustDownload(t, d, dst)
		opCheck(t, fmt.Sprintf("MulSumRows %dx%d", rows, cols), got, want, 1e-6)
		if err := d.MulSumRows(dst, ga, gb, rows, cols); err != nil {
			t.Fatal(err)
		}
		opExact(t, fmt.Sprintf("MulSumRows %dx%d rerun", rows, cols), mustDownload(t, d, dst), got)
		ga.Release()
		gb.Release()
		dst.Release()
	}
}

// randMask returns a mask with about a fraction p of the rows set (to
// arbitrary non-zero values).
func randMask(rng *rand.Rand, rows int, p float64) []int32 {
	m := make([]int32, rows)
	for i := range m {
		if rng.Float64() < p {
			m[i] = int32(1 + rng.IntN(5))
			if rng.IntN(2) == 0 {
				m[i] = -m[i]
			}
		}
	}
	return m
}

func TestSelectMaskedSumRows(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(43, 44))
	for _, s := range [][2]int{{1, 1}, {7, 3}, {257, 5}, {256, 70}, {30, 8}, {1031, 1}, {4099, 2}} {
		rows, cols := s[0], s[1]
		for _, p := range []float64{0, 0.4, 1} {
			name := fmt.Sprintf("%dx%d p=%v", rows, cols, p)
			x, row := randSlice(rng, rows*cols), randSlice(rng, cols)
			mask := randMask(rng, rows, p)
			gx, grow, dst := mustUpload(t, d, x), mustUpload(t, d, row), opAlloc(t, d, rows*cols)
			if err := d.SelectRows(dst, gx, grow, mask, rows, cols); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, rows*cols)
			ref.SelectRows(want, x, row, mask, rows, cols)
			opExact(t, "SelectRows "+name, mustDownload(t, d, dst), want)
			// In place.
			if err := d.SelectRows(gx, gx, grow, mask, rows, cols); err != nil {
				t.Fatal(err)
			}
			opExact(t, "SelectRows in place "+name, mustDownload(t, d, gx), want)

			if err := d.Upload(gx, x); err != nil {
				t.Fatal(err)
			}
			sum := opAlloc(t, d, cols)
			if err := d.MaskedSumRows(sum, gx, mask, rows, cols); err != nil {
				t.Fatal(err)
			}
			ws := make([]float64, cols)
			ref.MaskedSumRows(ws, to64(x), mask, rows, cols)
			got := mustDownload(t, d, sum)
			opCheck(t, "MaskedSumRows "+name, got, ws, 1e-6)
			if err := d.MaskedSumRows(sum, gx, mask, rows, cols); err != nil {
				t.Fatal(err)
			}
			opExact(t, "MaskedSumRows rerun "+name, mustDownload(t, d, sum), got)
			for _, b := range []*Buffer{gx, grow, dst, sum} {
				b.Release()
			}
		}
	}
}

func TestColsPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b := opAlloc(t, d, 6), opAlloc(t, d, 3)
	defer a.Release()
	defer b.Release()
	opExpectPanic(t, "gpu.MulSumRows: len(b)=3, want 6", func() { d.MulSumRows(b, a, b, 2, 3) })
	opExpectPanic(t, "gpu.SelectRows: len(mask)=1, want 2", func() { d.SelectRows(a, a, b, []int32{1}, 2, 3) })
	opExpectPanic(t, "gpu.MaskedSumRows: len(mask)=3, want 2", func() { d.MaskedSumRows(b, a, []int32{1, 0, 1}, 2, 3) })
	opExpectPanic(t, "gpu.SelectRows: len(row)=6, want 3", func() { d.SelectRows(a, a, a, []int32{1, 0}, 2, 3) })
}
