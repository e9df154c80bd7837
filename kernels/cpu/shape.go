package cpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// Permute transposes a row-major tensor of the given (source) shape by
// perm, like PyTorch's x.permute(perm).contiguous(): dst has shape
// (shape[perm[0]], …, shape[perm[r−1]]) and
//
//	dst[i_0, …, i_{r−1}] = src[j]  with  j_{perm[a]} = i_a.
//
// Backward: Permute(dsrc, ddst, permuted shape, inverse perm) with
// inv[perm[a]] = a. dst and src must not overlap.
//
// dst is written row by row (its last axis after merging the axes that
// stay adjacent, see permuteAxes): a row is one copy where the last axis
// stays last, else a strided read of src; rows are split over goroutines.
func Permute(dst, src []float32, shape, perm []int) {
	const op = "cpu.Permute"
	n := kernels.CheckPermutation(op, shape, perm)
	kernels.CheckLen(op, "src", len(src), n)
	kernels.CheckLen(op, "dst", len(dst), n)
	rank := len(shape)
	if n == 0 {
		return
	}
	if rank == 0 {
		dst[0] = src[0]
		return
	}
	dstShape, stride := permuteAxes(shape, perm)
	rank = len(dstShape)
	inner, step := dstShape[rank-1], stride[rank-1]
	parallelFor(n/inner, rowChunk(inner), func(lo, hi int) {
		// Decode row lo into indices over dst's leading axes.
		idx := make([]int, rank-1)
		base := 0
		for a, rem := rank-2, lo; a >= 0; a-- {
			idx[a] = rem % dstShape[a]
			rem /= dstShape[a]
			base += idx[a] * stride[a]
		}
		for row := lo; row < hi; row++ {
			d := dst[row*inner : (row+1)*inner]
			if step == 1 {
				copy(d, src[base:base+inner])
			} else {
				j := base
				for i := range d {
					d[i] = src[j]
					j += step
				}
			}
			for a := rank - 2; a >= 0; a-- { // odometer
				idx[a]++
				base += stride[a]
				if idx[a] < dstShape[a] {
					break
				}
				base -= stride[a] * dstShape[a]
				idx[a] = 0
			}
		}
	})
}

// permuteAxes returns dst's shape and, per dst axis, the src distance
// between neighbours along it, with runs of axes that stay adjacent and in
// order (perm[a+1] = perm[a]+1) merged into one: permuting (B, S, 3, H, d)
// by (2, 0, 3, 1, 4) keeps d innermost, so each dst row is a contiguous
// run of src, copied whole; (B, H, S, d) by (0, 2, 1, 3) likewise. Axes of
// extent 1 are dropped (they move nothing); at least one axis remains.
func permuteAxes(shape, perm []int) (dstShape, stride []int) {
	rank := len(shape)
	srcStride := make([]int, rank)
	for a, s := rank-1, 1; a >= 0; a-- {
		srcStride[a] = s
		s *= shape[a]
	}
	prev := -2
	for _, p := range perm {
		switch {
		case shape[p] == 1:
			continue
		case p == prev+1 && len(dstShape) > 0:
			// src axis p follows the last kept one in src too: merge.
			dstShape[len(dstShape)-1] *= shape[p]
			stride[len(stride)-1] = srcStride[p]
		default:
			dstShape = append(dstShape, shape[p])
			stride = append(stride, srcStride[p])
		}
		prev = p
	}
	if len(dstShape) == 0 {
		return []int{1}, []int{1}
	}
	return dstShape, stride
}

// GatherRows copies the rows of src selected by idx (an embedding lookup):
//
//	dst[i,:] = src[idx[i],:]   (dst is len(idx)×cols).
//
// Backward: ScatterAddRows of the gradient into a zeroed dsrc.
func GatherRows(dst, src []float32, idx []int32, cols int) {
	kernels.CheckGather("cpu.GatherRows", "src", len(src), "dst", len(dst), idx, cols)
	parallelFor(len(idx), rowChunk(cols), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := int(idx[i])
			copy(dst[i*cols:(i+1)*cols], src[r*cols:(r+1)*cols])
		}
	})
}

// ScatterAddRows adds the rows of src into the rows of dst named by idx:
//
//	dst[idx[i],:] += src[i,:]   (src is len(idx)×cols).
//
// dst is not cleared and repeated indices accumulate, in order of i. Work
// is split over column blocks so that no two goroutines touch one element
// and the order (hence the result) does not depend on threading. Its
// backward is GatherRows.
func ScatterAddRows(dst, src []float32, idx []int32, cols int) {
	kernels.CheckGather("cpu.ScatterAddRows", "dst", len(dst), "src", len(src), idx, cols)
	minCols := max(64, 16384/max(1, len(idx)))
	parallelFor(cols, minCols, func(lo, hi int) {
		for i, r := range idx {
			d := dst[int(r)*cols+lo : int(r)*cols+hi]
			s := src[i*cols+lo : i*cols+hi]
			for c, v := range s {
				d[c] += v
			}
		}
	})
}

// checkPatch validates the operands of Patchify and Unpatchify.
func checkPatch(op, imgName string, lenImg int, patchName string, lenPatch int, b, c, h, w, p int) {
	if b < 0 || c < 0 || h < 0 || w < 0 {
		panic(fmt.Sprintf("%s: negative size b=%d c=%d h=%d w=%d", op, b, c, h, w))
	}
	if p <= 0 || h%p != 0 || w%p != 0 {
		panic(fmt.Sprintf("%s: image %d×%d is not a whole number of %d×%d patches", op, h, w, p, p))
	}
	kernels.CheckLen(op, imgName, lenImg, b*c*h*w)
	kernels.CheckRows(op, patchName, lenPatch, b*(h/p)*(w/p), c*p*p)
}

// Patchify cuts a batch of images img (b, c, h, w) into non-overlapping
// p×p patches, one row per patch, in the order a stride-p convolution
// reads them:
//
//	dst[t, c'·p² + ky·p + kx] = img[n, c', row·p + ky, col·p + kx],
//	t = n·(h/p)·(w/p) + row·(w/p) + col.
//
// dst is (b·(h/p)·(w/p)) × (c·p·p); the patch embedding is then a GEMM
// with the conv weight flattened in (c, ky, kx) order. Backward:
// Unpatchify (each pixel is in exactly one patch).
func Patchify(dst, img []float32, b, c, h, w, p int) {
	checkPatch("cpu.Patchify", "img", len(img), "dst", len(dst), b, c, h, w, p)
	patchRuns(b, c, h, w, p, func(pi, ii int) { copy(dst[pi:pi+p], img[ii:ii+p]) })
}

// Unpatchify is the exact inverse of Patchify, and so its backward: dimg
// (b, c, h, w) is overwritten with the pixels of dpatch
// ((b·(h/p)·(w/p)) × (c·p·p)).
func Unpatchify(dimg, dpatch []float32, b, c, h, w, p int) {
	checkPatch("cpu.Unpatchify", "dimg", len(dimg), "dpatch", len(dpatch), b, c, h, w, p)
	patchRuns(b, c, h, w, p, func(pi, ii int) { copy(dimg[ii:ii+p], dpatch[pi:pi+p]) })
}

// patchRuns calls f(patch offset, image offset) for every run of p pixels
// (one kernel row of one channel of one patch), parallel over patches.
func patchRuns(b, c, h, w, p int, f func(pi, ii int)) {
	gh, gw, cols := h/p, w/p, c*p*p
	parallelFor(b*gh*gw, rowChunk(cols), func(lo, hi int) {
		for t := lo; t < hi; t++ {
			n, row, col := t/(gh*gw), (t/gw)%gh, t%gw
			for ch := range c {
				for ky := range p {
					f(t*cols+(ch*p+ky)*p, ((n*c+ch)*h+row*p+ky)*w+col*p)
				}
			}
		}
	})
}
