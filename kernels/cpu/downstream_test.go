package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

func TestBCEAndDiceMatchRef(t *testing.T) {
	rng := newRNG(31)
	for _, n := range []int{1, 7, 131, 40000} {
		x := uniformSlice(rng, n, -30, 30)
		y := make([]float32, n)
		w := make([]float32, n)
		dl := randSlice(rng, n)
		for i := range y {
			y[i] = float32(rng.IntN(2))
			w[i] = float32(rng.IntN(4)) / 3
		}
		loss := make([]float32, n)
		want := make([]float64, n)
		BCEWithLogits(loss, x, y, w)
		ref.BCEWithLogits(want, to64(x), to64(y), to64(w))
		checkRel(t, "BCEWithLogits", loss, want, 1e-6)
		BCEWithLogitsBackward(loss, dl, x, y, w)
		ref.BCEWithLogitsBackward(want, to64(dl), to64(x), to64(y), to64(w))
		checkRel(t, "BCEWithLogitsBackward", loss, want, 1e-6)
	}
	for _, sh := range [][2]int{{1, 1}, {3, 13}, {16, 4096}} {
		rows, cols := sh[0], sh[1]
		p := uniformSlice(rng, rows*cols, 0, 1)
		tt := make([]float32, rows*cols)
		for i := range tt {
			tt[i] = float32(rng.IntN(2))
		}
		d := make([]float32, rows)
		wd := make([]float64, rows)
		SoftDice(d, p, tt, rows, cols, 1e-6)
		ref.SoftDice(wd, to64(p), to64(tt), rows, cols, 1e-6)
		checkRel(t, "SoftDice "+shapeName(rows, cols), d, wd, 1e-6)
		dd := randSlice(rng, rows)
		dp := make([]float32, rows*cols)
		wdp := make([]float64, rows*cols)
		SoftDiceBackward(dp, dd, p, tt, rows, cols, 1e-6)
		ref.SoftDiceBackward(wdp, to64(dd), to64(p), to64(tt), rows, cols, 1e-6)
		checkRel(t, "SoftDiceBackward "+shapeName(rows, cols), dp, wdp, 1e-6)
	}
}

func BenchmarkSoftDice(b *testing.B) {
	// 8 images × 4 classes at 518×518.
	rows, cols := 32, 518*518
	p := benchInput(rows * cols)
	tt := benchInput(rows * cols)
	d := make([]float32, rows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		SoftDice(d, p, tt, rows, cols, 1e-6)
	}
	reportGBs(b, 8*rows*cols)
}

func BenchmarkBCEWithLogits(b *testing.B) {
	n := 1 << 20
	x, y, w := benchInput(n), benchInput(n), benchInput(n)
	loss := make([]float32, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		BCEWithLogits(loss, x, y, w)
	}
	reportGBs(b, 16*n)
}
