package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// The lead's small kernels (LayerScale, mask-token selection, axis copies)
// against the references: all are exact or one rounding.
func TestColsAndCopyAxisMatchRef(t *testing.T) {
	rng := newRNG(41)
	for _, sh := range rowShapes {
		rows, cols := sh[0], sh[1]
		x := randSlice(rng, rows*cols)
		g := randSlice(rng, cols)
		got := make([]float32, rows*cols)
		want := make([]float64, rows*cols)
		ScaleCols(got, x, g, rows, cols)
		ref.ScaleCols(want, to64(x), to64(g), rows, cols)
		checkRel(t, "ScaleCols "+shapeName(rows, cols), got, want, 1e-7)
		ScaleCols(x, x, g, rows, cols) // in place
		checkRel(t, "ScaleCols in place "+shapeName(rows, cols), x, want, 1e-7)

		a, b := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
		s := make([]float32, cols)
		ws := make([]float64, cols)
		MulSumRows(s, a, b, rows, cols)
		ref.MulSumRows(ws, to64(a), to64(b), rows, cols)
		checkRel(t, "MulSumRows "+shapeName(rows, cols), s, ws, 1e-6)

		mask := make([]int32, rows)
		for i := range mask {
			mask[i] = int32(rng.IntN(2))
		}
		row := randSlice(rng, cols)
		SelectRows(got, a, row, mask, rows, cols)
		ref.SelectRows(want, to64(a), to64(row), mask, rows, cols)
		checkRel(t, "SelectRows "+shapeName(rows, cols), got, want, 0)
		MaskedSumRows(s, a, mask, rows, cols)
		ref.MaskedSumRows(ws, to64(a), mask, rows, cols)
		checkRel(t, "MaskedSumRows "+shapeName(rows, cols), s, ws, 1e-6)
	}
	for _, c := range [][5]int{{1, 1, 1, 0, 0}, {3, 7, 5, 2, 1}, {2, 13, 4, 4, 9}, {5, 4, 31, 3, 1}} {
		outer, dstN, srcN, count, off := c[0], c[1], c[2], c[3], c[4]
		inner := 3
		src := randSlice(rng, outer*srcN*inner)
		dst := randSlice(rng, outer*dstN*inner)
		want := to64(dst)
		CopyAxis(dst, dstN, off, src, srcN, 0, outer, count, inner)
		ref.CopyAxis(want, dstN, off, to64(src), srcN, 0, outer, count, inner)
		checkRel(t, "CopyAxis", dst, want, 0)
	}
}

func BenchmarkScaleCols(b *testing.B) {
	rows, cols := 2088, 384 // LayerScale at the ViT-S shape, T = 8×261
	x, g := benchInput(rows*cols), benchInput(cols)
	dst := make([]float32, rows*cols)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ScaleCols(dst, x, g, rows, cols)
	}
	reportGBs(b, 8*rows*cols)
}

func BenchmarkCopyAxis(b *testing.B) {
	// Inserting 8×261 token rows of width 384 into a longer sequence.
	outer, n, inner := 8, 261, 384
	src := benchInput(outer * n * inner)
	dst := make([]float32, outer*(n+5)*inner)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		CopyAxis(dst, n+5, 5, src, n, 0, outer, n, inner)
	}
	reportGBs(b, 8*outer*n*inner)
}
