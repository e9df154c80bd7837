package ref

import (
	"fmt"
	"testing"
)

func TestPermuteRoundTrip(t *testing.T) {
	rng := newRNG(t)
	for _, c := range []struct{ shape, perm []int }{
		{[]int{7}, []int{0}},
		{[]int{3, 13}, []int{1, 0}},
		{[]int{1, 7, 3}, []int{2, 0, 1}},
		{[]int{2, 3, 5, 7}, []int{2, 0, 3, 1}},
		{[]int{2, 1, 3, 1, 5}, []int{4, 3, 2, 1, 0}},
	} {
		n := 1
		for _, s := range c.shape {
			n *= s
		}
		src := randn(rng, n)
		dst, back := make([]float64, n), make([]float64, n)
		Permute(dst, src, c.shape, c.perm)
		Permute(back, dst, permutedShape(c.shape, c.perm), inversePerm(c.perm))
		if e := relErr(back, src); e != 0 {
			t.Errorf("shape %v perm %v: round trip differs (relative error %g)", c.shape, c.perm, e)
		}
	}
}

// TestPermuteIndex checks the index rule dst[i] = src[j], j_{perm[a]} = i_a,
// by decoding every dst position independently of Permute's odometer.
func TestPermuteIndex(t *testing.T) {
	shape, perm := []int{2, 3, 5, 7}, []int{2, 0, 3, 1}
	src := make([]float64, 2*3*5*7)
	for i := range src {
		src[i] = float64(i)
	}
	dst := make([]float64, len(src))
	Permute(dst, src, shape, perm)
	ds := permutedShape(shape, perm) // (5, 2, 7, 3)
	for i0 := range ds[0] {
		for i1 := range ds[1] {
			for i2 := range ds[2] {
				for i3 := range ds[3] {
					var j [4]int
					j[perm[0]], j[perm[1]], j[perm[2]], j[perm[3]] = i0, i1, i2, i3
					want := float64(((j[0]*3+j[1])*5+j[2])*7 + j[3])
					if got := dst[((i0*2+i1)*7+i2)*3+i3]; got != want {
						t.Fatalf("dst[%d,%d,%d,%d]=%v, want src[%v]=%v", i0, i1, i2, i3, got, j, want)
					}
				}
			}
		}
	}
	// A 2-D permute is the matrix transpose.
	m := []float64{1, 2, 3, 4, 5, 6}
	mt := make([]float64, 6)
	Permute(mt, m, []int{2, 3}, []int{1, 0})
	if fmt.Sprint(mt) != "[1 4 2 5 3 6]" {
		t.Errorf("transpose of [[1 2 3] [4 5 6]] = %v", mt)
	}
}

func TestGatherScatterKnown(t *testing.T) {
	src := []float64{0, 1, 10, 11, 20, 21}
	idx := []int32{2, 0, 2}
	dst := make([]float64, 6)
	GatherRows(dst, src, idx, 2)
	if fmt.Sprint(dst) != "[20 21 0 1 20 21]" {
		t.Errorf("GatherRows = %v", dst)
	}
	acc := []float64{1, 1, 1, 1, 1, 1}
	ScatterAddRows(acc, []float64{1, 2, 3, 4, 5, 6}, idx, 2)
	// Row 2 receives rows 0 and 2 of src; row 0 receives row 1; row 1 nothing.
	if fmt.Sprint(acc) != "[4 5 1 1 7 9]" {
		t.Errorf("ScatterAddRows = %v, want [4 5 1 1 7 9]", acc)
	}
}

func TestPatchifyLayout(t *testing.T) {
	const b, c, h, w, p = 2, 3, 6, 9, 3
	img := make([]float64, b*c*h*w)
	for i := range img {
		img[i] = float64(i)
	}
	patches := make([]float64, len(img))
	Patchify(patches, img, b, c, h, w, p)
	gh, gw, cols := h/p, w/p, c*p*p
	// Decode each patch entry back to its pixel (the inverse direction of
	// Patchify's loop).
	for e, v := range patches {
		tok, col := e/cols, e%cols
		n, row, pc := tok/(gh*gw), tok%(gh*gw)/gw, tok%gw
		ch, ky, kx := col/(p*p), col%(p*p)/p, col%p
		want := float64(((n*c+ch)*h+row*p+ky)*w + pc*p + kx)
		if v != want {
			t.Fatalf("patch entry %d (token %d, column %d) = %v, want pixel %v", e, tok, col, v, want)
		}
	}
	back := make([]float64, len(img))
	Unpatchify(back, patches, b, c, h, w, p)
	if e := relErr(back, img); e != 0 {
		t.Errorf("Unpatchify(Patchify(img)) differs from img: %g", e)
	}
	// p = 1 and one patch covering the whole image.
	for _, pp := range []int{1, 6} {
		one := make([]float64, 1*2*6*6)
		for i := range one {
			one[i] = float64(i)
		}
		pt, bk := make([]float64, len(one)), make([]float64, len(one))
		Patchify(pt, one, 1, 2, 6, 6, pp)
		Unpatchify(bk, pt, 1, 2, 6, 6, pp)
		if e := relErr(bk, one); e != 0 {
			t.Errorf("p=%d: round trip differs", pp)
		}
	}
}
