package tensor

import (
	"fmt"
	"slices"

	"github.com/gocx/gocx/kernels"
)

// Permute returns x with its axes reordered: axis i of the result is axis
// perm[i] of x. It writes a new contiguous tensor.
func Permute(x *Tensor, perm ...int) *Tensor {
	const op = "tensor.Permute"
	kernels.CheckPermutation(op, x.shape, perm)
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = x.shape[p]
	}
	y := newTensor(op, x.st.dev, out)
	x.st.dev.backend().permute(y.st, x.st, x.shape, perm)
	return y
}

// InversePerm returns the permutation that undoes perm.
func InversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}

// GatherRows returns the rows idx of x viewed as (rows, last dim): the
// result is (len(idx), last dim).
func GatherRows(x *Tensor, idx []int32) *Tensor {
	rows, cols := rowsCols(x)
	checkIdx("tensor.GatherRows", idx, rows)
	y := newTensor("tensor.GatherRows", x.st.dev, []int{len(idx), cols})
	x.st.dev.backend().gatherRows(y.st, x.st, idx, cols)
	return y
}

// ScatterAddRows adds row i of src to row idx[i] of dst, in place;
// repeated indices accumulate.
func ScatterAddRows(dst, src *Tensor, idx []int32) {
	const op = "tensor.ScatterAddRows"
	be := sameDevice(op, dst, src)
	rows, cols := rowsCols(dst)
	sr, sc := rowsCols(src)
	if sc != cols || sr != len(idx) {
		panic(fmt.Sprintf("%s: src %s for %d indices into dst %s", op, ShapeString(src.shape), len(idx), ShapeString(dst.shape)))
	}
	checkIdx(op, idx, rows)
	be.scatterAddRows(dst.st, src.st, idx, cols)
}

func checkIdx(op string, idx []int32, rows int) {
	for i, v := range idx {
		if v < 0 || int(v) >= rows {
			panic(fmt.Sprintf("%s: index %d at position %d out of range [0, %d)", op, v, i, rows))
		}
	}
}

// Patchify turns images (B, C, H, W) into patch rows (B, H/p·W/p, C·p·p)
// for a non-overlapping p×p patch embedding (row-major patch order,
// column index c·p²+ky·p+kx). H and W must be multiples of p.
func Patchify(img *Tensor, p int) *Tensor {
	const op = "tensor.Patchify"
	if img.Rank() != 4 || p <= 0 || img.Dim(2)%p != 0 || img.Dim(3)%p != 0 {
		panic(fmt.Sprintf("%s: image %s is not (B, C, H, W) with H, W multiples of %d", op, ShapeString(img.shape), p))
	}
	b, c, h, w := img.shape[0], img.shape[1], img.shape[2], img.shape[3]
	y := newTensor(op, img.st.dev, []int{b, (h / p) * (w / p), c * p * p})
	img.st.dev.backend().patchify(y.st, img.st, b, c, h, w, p)
	return y
}

// Unpatchify is the adjoint (and inverse) of Patchify: patch rows back to
// images of shape (b, c, h, w).
func Unpatchify(patches *Tensor, b, c, h, w, p int) *Tensor {
	const op = "tensor.Unpatchify"
	mustNumel(op, "patches", patches, b*c*h*w)
	y := newTensor(op, patches.st.dev, []int{b, c, h, w})
	patches.st.dev.backend().unpatchify(y.st, patches.st, b, c, h, w, p)
	return y
}

// Concat joins tensors along axis; all other dimensions must agree.
func Concat(axis int, ts ...*Tensor) *Tensor {
	const op = "tensor.Concat"
	if len(ts) == 0 {
		panic(op + ": nothing to concatenate")
	}
	be := sameDevice(op, ts...)
	first := ts[0]
	if axis < 0 {
		axis += first.Rank()
	}
	if axis < 0 || axis >= first.Rank() {
		panic(fmt.Sprintf("%s: axis %d for shape %s", op, axis, ShapeString(first.shape)))
	}
	total := 0
	for _, t := range ts {
		if t.Rank() != first.Rank() || !slices.Equal(t.shape[:axis], first.shape[:axis]) ||
			!slices.Equal(t.shape[axis+1:], first.shape[axis+1:]) {
			panic(fmt.Sprintf("%s: shapes %s and %s differ off axis %d", op, ShapeString(first.shape), ShapeString(t.shape), axis))
		}
		total += t.shape[axis]
	}
	outShape := slices.Clone(first.shape)
	outShape[axis] = total
	out := newTensor(op, first.st.dev, outShape)
	outer, inner := numel(op, first.shape[:axis]), numel(op, first.shape[axis+1:])
	off := 0
	for _, t := range ts {
		n := t.shape[axis]
		be.copyAxis(out.st, total, off, t.st, n, 0, outer, n, inner)
		off += n
	}
	return out
}

// Slice returns x[..., lo:hi, ...] along axis as a new tensor.
func Slice(x *Tensor, axis, lo, hi int) *Tensor {
	const op = "tensor.Slice"
	if axis < 0 {
		axis += x.Rank()
	}
	if axis < 0 || axis >= x.Rank() || lo < 0 || hi < lo || hi > x.shape[axis] {
		panic(fmt.Sprintf("%s: [%d:%d] on axis %d of %s", op, lo, hi, axis, ShapeString(x.shape)))
	}
	outShape := slices.Clone(x.shape)
	outShape[axis] = hi - lo
	out := newTensor(op, x.st.dev, outShape)
	outer, inner := numel(op, x.shape[:axis]), numel(op, x.shape[axis+1:])
	x.st.dev.backend().copyAxis(out.st, hi-lo, 0, x.st, x.shape[axis], lo, outer, hi-lo, inner)
	return out
}

// SliceBackward returns the gradient of x for out = Slice(x, axis, lo, hi):
// zeros of x's shape with dout written at [lo:hi].
func SliceBackward(dout *Tensor, xShape []int, axis, lo int) *Tensor {
	const op = "tensor.SliceBackward"
	if axis < 0 {
		axis += len(xShape)
	}
	dx := Zeros(dout.st.dev, xShape...)
	outer, inner := numel(op, xShape[:axis]), numel(op, xShape[axis+1:])
	n := dout.shape[axis]
	dout.st.dev.backend().copyAxis(dx.st, xShape[axis], lo, dout.st, n, 0, outer, n, inner)
	return dx
}

// SelectRows replaces the rows of x (viewed as (rows, last dim)) whose mask
// entry is non-zero by row (iBOT's mask token).
func SelectRows(x, row *Tensor, mask []int32) *Tensor {
	const op = "tensor.SelectRows"
	be := sameDevice(op, x, row)
	rows, cols := rowsCols(x)
	mustNumel(op, "row", row, cols)
	if len(mask) != rows {
		panic(fmt.Sprintf("%s: %d mask entries for %d rows of %s", op, len(mask), rows, ShapeString(x.shape)))
	}
	y := like(op, x)
	be.selectRows(y.st, x.st, row.st, mask, rows, cols)
	return y
}

// MaskedSumRows returns Σ of the rows of x whose mask entry is non-zero.
func MaskedSumRows(x *Tensor, mask []int32) *Tensor {
	const op = "tensor.MaskedSumRows"
	rows, cols := rowsCols(x)
	if len(mask) != rows {
		panic(fmt.Sprintf("%s: %d mask entries for %d rows of %s", op, len(mask), rows, ShapeString(x.shape)))
	}
	y := newTensor(op, x.st.dev, []int{cols})
	x.st.dev.backend().maskedSumRows(y.st, x.st, mask, rows, cols)
	return y
}
