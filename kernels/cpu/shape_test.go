package cpu

import (
	"slices"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// Permute, GatherRows and Patchify/Unpatchify only move values, so they
// must match the reference exactly (tolerance 0). ScatterAddRows adds in
// float32 in index order where the reference adds in float64: each output
// is a sum of at most a few repeated rows, within a few float32 roundings
// (1e-6 of the norm).
const scatterTol = 1e-6

func TestPermute(t *testing.T) {
	rng := newRNG(80)
	cases := []struct{ shape, perm []int }{
		{[]int{1}, []int{0}},
		{[]int{7, 13}, []int{1, 0}},
		{[]int{3, 5, 7}, []int{2, 0, 1}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 1, 3}}, // heads ↔ tokens
		{[]int{2, 31, 3, 5}, []int{3, 1, 0, 2}},
		{[]int{97, 1, 13}, []int{1, 2, 0}},
		{[]int{2, 0, 3}, []int{2, 1, 0}},
		{[]int{}, []int{}},
		// Axes that stay adjacent merge (permuteAxes): attention's q/k/v
		// split and head merge, a block swap, runs broken by extent-1 axes.
		{[]int{2, 7, 3, 4, 6}, []int{2, 0, 3, 1, 4}},
		{[]int{3, 5, 2, 7}, []int{2, 3, 0, 1}},
		{[]int{4, 3, 2, 5}, []int{1, 0, 2, 3}},
		{[]int{3, 1, 5, 1, 2}, []int{4, 2, 3, 0, 1}},
		{[]int{1, 1, 1}, []int{2, 0, 1}},
		{[]int{5, 11}, []int{0, 1}},
	}
	for _, c := range cases {
		n := 1
		for _, s := range c.shape {
			n *= s
		}
		src := randSlice(rng, n)
		got := make([]float32, n)
		want := make([]float64, n)
		for _, th := range []int{1, 3} {
			withThreads(th, func() { Permute(got, src, c.shape, c.perm) })
			ref.Permute(want, to64(src), c.shape, c.perm)
			checkRel(t, "Permute", got, want, 0)
		}
	}
}

func TestPermutePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Permute with a repeated axis did not panic")
		}
	}()
	Permute(make([]float32, 6), make([]float32, 6), []int{2, 3}, []int{0, 0})
}

func TestGatherScatterRows(t *testing.T) {
	rng := newRNG(81)
	for _, c := range []struct{ tableRows, cols, n int }{{1, 1, 1}, {13, 7, 31}, {5, 131, 97}, {1000, 384, 3000}, {3, 9, 0}} {
		table := randSlice(rng, c.tableRows*c.cols)
		idx := make([]int32, c.n)
		for i := range idx {
			idx[i] = int32(rng.IntN(c.tableRows)) // with repeats
		}
		got := make([]float32, c.n*c.cols)
		want := make([]float64, c.n*c.cols)
		GatherRows(got, table, idx, c.cols)
		ref.GatherRows(want, to64(table), idx, c.cols)
		checkRel(t, "GatherRows", got, want, 0)

		src := randSlice(rng, c.n*c.cols)
		dst := randSlice(rng, c.tableRows*c.cols) // not cleared: accumulated into
		wdst := to64(dst)
		for _, th := range []int{1, 3} {
			d := append([]float32(nil), dst...)
			withThreads(th, func() { ScatterAddRows(d, src, idx, c.cols) })
			w := append([]float64(nil), wdst...)
			ref.ScatterAddRows(w, to64(src), idx, c.cols)
			checkRel(t, "ScatterAddRows", d, w, scatterTol)
		}
	}
}

func TestGatherPanicsOnBadIndex(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("GatherRows with an index past the table did not panic")
		}
	}()
	GatherRows(make([]float32, 4), make([]float32, 8), []int32{0, 4}, 2)
}

func TestPatchify(t *testing.T) {
	rng := newRNG(82)
	for _, c := range [][5]int{{1, 1, 1, 1, 1}, {2, 3, 28, 42, 14}, {1, 3, 98, 98, 14}, {3, 2, 15, 10, 5}, {1, 1, 7, 7, 7}} {
		b, ch, h, w, p := c[0], c[1], c[2], c[3], c[4]
		img := randSlice(rng, b*ch*h*w)
		n := len(img)
		got := make([]float32, n)
		want := make([]float64, n)
		Patchify(got, img, b, ch, h, w, p)
		ref.Patchify(want, to64(img), b, ch, h, w, p)
		checkRel(t, "Patchify", got, want, 0)
		back := make([]float32, n)
		Unpatchify(back, got, b, ch, h, w, p)
		checkRel(t, "Unpatchify(Patchify)", back, to64(img), 0)
	}
}

func TestPatchifyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Patchify of 15×15 into 14-pixel patches did not panic")
		}
	}()
	Patchify(make([]float32, 3*15*15), make([]float32, 3*15*15), 1, 3, 15, 15, 14)
}

func TestPermuteAxesMerges(t *testing.T) {
	for _, c := range []struct {
		shape, perm, wantShape, wantStride []int
	}{
		{[]int{8, 261, 3, 6, 64}, []int{2, 0, 3, 1, 4}, []int{3, 8, 6, 261, 64}, []int{384, 261 * 1152, 64, 1152, 1}},
		{[]int{8, 6, 261, 64}, []int{0, 2, 1, 3}, []int{8, 261, 6, 64}, []int{6 * 261 * 64, 64, 261 * 64, 1}},
		{[]int{4, 3, 2, 5}, []int{1, 0, 2, 3}, []int{3, 4, 10}, []int{10, 30, 1}},
		{[]int{5, 11}, []int{0, 1}, []int{55}, []int{1}},
		{[]int{7, 13}, []int{1, 0}, []int{13, 7}, []int{1, 13}},
		{[]int{1, 1}, []int{1, 0}, []int{1}, []int{1}},
	} {
		gs, gt := permuteAxes(c.shape, c.perm)
		if !slices.Equal(gs, c.wantShape) || !slices.Equal(gt, c.wantStride) {
			t.Errorf("permuteAxes(%v, %v) = %v, %v; want %v, %v", c.shape, c.perm, gs, gt, c.wantShape, c.wantStride)
		}
	}
}

// BenchmarkPermute reports GB/s (read + write) for the permutes of a ViT-S
// attention layer at 224 px, batch 8: the q/k/v split (a copy of 64-float
// runs) and the head merge, and a plain matrix transpose.
func BenchmarkPermute(b *testing.B) {
	for _, c := range []struct {
		name        string
		shape, perm []int
	}{
		{"qkv_split_8x261x3x6x64", []int{8, 261, 3, 6, 64}, []int{2, 0, 3, 1, 4}},
		{"head_merge_8x6x261x64", []int{8, 6, 261, 64}, []int{0, 2, 1, 3}},
		{"transpose_1044x384", []int{1044, 384}, []int{1, 0}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 1
			for _, s := range c.shape {
				n *= s
			}
			src, dst := randSlice(newRNG(1), n), make([]float32, n)
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				Permute(dst, src, c.shape, c.perm)
			}
			b.ReportMetric(float64(8*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
