package gpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

func permuteCase(t *testing.T, d *Device, rng *rand.Rand, shape, perm []int) {
	t.Helper()
	n := 1
	for _, s := range shape {
		n *= s
	}
	src := randSlice(rng, n)
	gs, gd := mustUpload(t, d, src), opAlloc(t, d, n)
	defer gs.Release()
	defer gd.Release()
	if err := d.Permute(gd, gs, shape, perm); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, n)
	ref.Permute(want, src, shape, perm)
	opExact(t, fmt.Sprintf("Permute shape %v perm %v", shape, perm), mustDownload(t, d, gd), want)
}

func TestPermute(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(51, 52))
	cases := []struct{ shape, perm []int }{
		{[]int{1}, []int{0}},
		{[]int{7}, []int{0}},
		{[]int{3, 5}, []int{1, 0}},
		{[]int{37, 41}, []int{1, 0}},                 // tiles with ragged edges
		{[]int{1, 257}, []int{1, 0}},                 // a unit axis: a plain copy
		{[]int{3, 37, 41}, []int{0, 2, 1}},           // batched transpose
		{[]int{5, 6, 8}, []int{1, 0, 2}},             // inner run kept, vec4
		{[]int{5, 6, 7}, []int{1, 0, 2}},             // inner run kept, scalar
		{[]int{2, 5, 3, 2, 8}, []int{2, 0, 3, 1, 4}}, // the qkv split of attention
		{[]int{2, 3, 5, 8}, []int{0, 2, 1, 3}},       // heads back to tokens
		{[]int{2, 3, 4, 5, 6, 7}, []int{5, 4, 3, 2, 1, 0}},
		{[]int{2, 3, 4, 5, 6, 7}, []int{1, 0, 3, 2, 5, 4}},
		{[]int{4, 0, 3}, []int{2, 1, 0}},
		{[]int{33, 2, 40}, []int{2, 1, 0}},
	}
	for _, c := range cases {
		permuteCase(t, d, rng, c.shape, c.perm)
	}
	// Random ranks 1–6 with small axes, some of length 1.
	for range 40 {
		r := 1 + rng.IntN(6)
		shape := make([]int, r)
		for a := range shape {
			shape[a] = 1 + rng.IntN(6)
		}
		permuteCase(t, d, rng, shape, rng.Perm(r))
	}
}

func TestMergeAxes(t *testing.T) {
	for _, c := range []struct {
		shape, perm, dims, pm []int
	}{
		{[]int{2, 3, 4}, []int{0, 1, 2}, []int{24}, []int{0}},
		{[]int{2, 3, 4}, []int{2, 0, 1}, []int{6, 4}, []int{1, 0}},
		{[]int{2, 1, 4}, []int{2, 1, 0}, []int{2, 4}, []int{1, 0}},
		{[]int{2, 5, 3, 2, 8}, []int{2, 0, 3, 1, 4}, []int{2, 5, 3, 2, 8}, []int{2, 0, 3, 1, 4}},
		{[]int{2, 3, 4, 5}, []int{2, 3, 0, 1}, []int{6, 20}, []int{1, 0}},
		{[]int{1, 1}, []int{1, 0}, []int{}, []int{}},
	} {
		dims, pm := mergeAxes(c.shape, c.perm)
		if !slices.Equal(dims, c.dims) || !slices.Equal(pm, c.pm) {
			t.Errorf("mergeAxes(%v, %v) = %v, %v; want %v, %v", c.shape, c.perm, dims, pm, c.dims, c.pm)
		}
	}
}

func TestGatherScatterRows(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(53, 54))
	for _, s := range [][3]int{{1, 1, 1}, {5, 3, 7}, {10, 8, 4}, {257, 31, 3}, {64, 100, 70}, {300, 2, 1}, {0, 4, 3}, {4, 3, 0}} {
		nIdx, tableRows, cols := s[0], s[1], s[2]
		name := fmt.Sprintf("idx=%d table=%d cols=%d", nIdx, tableRows, cols)
		idx := make([]int32, nIdx)
		for i := range idx {
			idx[i] = int32(rng.IntN(tableRows)) // repeats are certain when nIdx > tableRows
		}
		if nIdx > 2 {
			idx[1] = idx[0] // at least one repeat
		}
		table, rows := randSlice(rng, tableRows*cols), randSlice(rng, nIdx*cols)
		gt, gr := mustUpload(t, d, table), mustUpload(t, d, rows)
		g := opAlloc(t, d, nIdx*cols)
		if err := d.GatherRows(g, gt, idx, cols); err != nil {
			t.Fatal(err)
		}
		wg := make([]float32, nIdx*cols)
		ref.GatherRows(wg, table, idx, cols)
		opExact(t, "GatherRows "+name, mustDownload(t, d, g), wg)

		if err := d.ScatterAddRows(gt, gr, idx, cols); err != nil {
			t.Fatal(err)
		}
		ws := to64(table)
		ref.ScatterAddRows(ws, to64(rows), idx, cols)
		got := mustDownload(t, d, gt)
		opCheck(t, "ScatterAddRows "+name, got, ws, 1e-6)
		// Determinism: the same scatter from the same start, same bits.
		if err := d.Upload(gt, table); err != nil {
			t.Fatal(err)
		}
		if err := d.ScatterAddRows(gt, gr, idx, cols); err != nil {
			t.Fatal(err)
		}
		opExact(t, "ScatterAddRows rerun "+name, mustDownload(t, d, gt), got)
		for _, b := range []*Buffer{gt, gr, g} {
			b.Release()
		}
	}
}

// TestScatterAddRowsHotRow sends many sources to one row (an embedding
// row used by every token): the CSR list is long and summed by 256 lanes.
func TestScatterAddRowsHotRow(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(55, 56))
	const nIdx, cols = 3000, 2
	idx := make([]int32, nIdx)
	for i := range idx {
		if i%10 == 0 {
			idx[i] = 1
		}
	}
	table, rows := randSlice(rng, 3*cols), randSlice(rng, nIdx*cols)
	gt, gr := mustUpload(t, d, table), mustUpload(t, d, rows)
	defer gt.Release()
	defer gr.Release()
	if err := d.ScatterAddRows(gt, gr, idx, cols); err != nil {
		t.Fatal(err)
	}
	want := to64(table)
	ref.ScatterAddRows(want, to64(rows), idx, cols)
	opCheck(t, "ScatterAddRows hot row", mustDownload(t, d, gt), want, 1e-6)
}

func TestScatterTable(t *testing.T) {
	got := scatterTable([]int32{3, 0, 3, 2, 0, 3}, 5)
	// destinations 0, 2, 3; offsets 0 2 3 6; sources in ascending order.
	want := []int32{0, 2, 3, 6, 0, 2, 3, 1, 4, 3, 0, 2, 5}
	if !slices.Equal(got, want) {
		t.Errorf("scatterTable = %v, want %v", got, want)
	}
}

func TestPatchify(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(57, 58))
	for _, s := range [][5]int{{1, 1, 1, 1, 1}, {2, 3, 6, 4, 2}, {1, 3, 14, 28, 14}, {2, 1, 15, 10, 5}, {3, 2, 9, 9, 3}} {
		b, c, h, w, p := s[0], s[1], s[2], s[3], s[4]
		name := fmt.Sprintf("b=%d c=%d %dx%d p=%d", b, c, h, w, p)
		img := randSlice(rng, b*c*h*w)
		gi, gp := mustUpload(t, d, img), opAlloc(t, d, len(img))
		if err := d.Patchify(gp, gi, b, c, h, w, p); err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(img))
		ref.Patchify(want, img, b, c, h, w, p)
		opExact(t, "Patchify "+name, mustDownload(t, d, gp), want)
		back := opAlloc(t, d, len(img))
		if err := d.Unpatchify(back, gp, b, c, h, w, p); err != nil {
			t.Fatal(err)
		}
		wantBack := make([]float32, len(img))
		ref.Unpatchify(wantBack, want, b, c, h, w, p)
		opExact(t, "Unpatchify "+name, mustDownload(t, d, back), wantBack)
		opExact(t, "Unpatchify∘Patchify "+name, wantBack, img)
		for _, x := range []*Buffer{gi, gp, back} {
			x.Release()
		}
	}
}

func TestCopyAxis(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(59, 60))
	// {outer, dstN, dstOff, srcN, srcOff, count, inner}
	for _, s := range [][7]int{{1, 1, 0, 1, 0, 1, 1}, {3, 7, 2, 5, 1, 4, 3}, {2, 10, 4, 6, 0, 6, 8},
		{4, 261, 5, 256, 0, 256, 6}, {5, 3, 0, 3, 0, 3, 4}, {2, 9, 3, 4, 1, 2, 1}, {3, 5, 5, 2, 2, 0, 7}} {
		outer, dstN, dstOff, srcN, srcOff, count, inner := s[0], s[1], s[2], s[3], s[4], s[5], s[6]
		name := fmt.Sprintf("%v", s)
		dst, src := randSlice(rng, outer*dstN*inner), randSlice(rng, outer*srcN*inner)
		gd, gs := mustUpload(t, d, dst), mustUpload(t, d, src)
		if err := d.CopyAxis(gd, dstN, dstOff, gs, srcN, srcOff, outer, count, inner); err != nil {
			t.Fatal(err)
		}
		ref.CopyAxis(dst, dstN, dstOff, src, srcN, srcOff, outer, count, inner)
		opExact(t, "CopyAxis "+name, mustDownload(t, d, gd), dst)
		gd.Release()
		gs.Release()
	}
}

func TestShapePanics(t *testing.T) {
	d := openTestDevice(t)
	a, b := opAlloc(t, d, 6), opAlloc(t, d, 6)
	defer a.Release()
	defer b.Release()
	opExpectPanic(t, "gpu.Permute: perm [0 0] is not a permutation", func() { d.Permute(a, b, []int{2, 3}, []int{0, 0}) })
	opExpectPanic(t, "gpu.Permute: len(src)=6, want 8", func() { d.Permute(a, b, []int{2, 4}, []int{1, 0}) })
	opExpectPanic(t, "gpu.Permute: dst must be a different buffer", func() { d.Permute(a, a, []int{2, 3}, []int{1, 0}) })
	opExpectPanic(t, "more than 6", func() {
		big, _ := d.Alloc(128)
		defer big.Release()
		other, _ := d.Alloc(128)
		defer other.Release()
		d.Permute(big, other, []int{2, 2, 2, 2, 2, 2, 2}, []int{6, 5, 4, 3, 2, 1, 0})
	})
	opExpectPanic(t, "gpu.GatherRows: idx[1]=3 out of range [0,2) of src", func() { d.GatherRows(a, b, []int32{0, 3}, 3) })
	opExpectPanic(t, "gpu.ScatterAddRows: idx[0]=-1", func() { d.ScatterAddRows(a, b, []int32{-1, 0}, 3) })
	opExpectPanic(t, "gpu.ScatterAddRows: len(src)=6 is not rows×cols=3×3", func() { d.ScatterAddRows(a, b, []int32{0, 1, 1}, 3) })
	opExpectPanic(t, "gpu.Patchify: image 3×2 is not a whole number of 2×2 patches", func() { d.Patchify(a, b, 1, 1, 3, 2, 2) })
	opExpectPanic(t, "gpu.Unpatchify: len(dimg)=6, want 4", func() { d.Unpatchify(a, b, 1, 1, 2, 2, 2) })
	opExpectPanic(t, "gpu.CopyAxis: run [2,4) of dst axis 3", func() { d.CopyAxis(a, 3, 2, b, 3, 0, 2, 2, 1) })
	opExpectPanic(t, "gpu.CopyAxis: dst must be a different buffer", func() { d.CopyAxis(a, 3, 0, a, 3, 1, 2, 2, 1) })
}
