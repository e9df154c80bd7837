package ref

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// Permute transposes a row-major tensor of the given shape (the source
// shape) by perm, like PyTorch's x.permute(perm).contiguous(): dst has
// shape (shape[perm[0]], …, shape[perm[r−1]]) and
//
//	dst[i_0, …, i_{r−1}] = src[j]  with  j_{perm[a]} = i_a.
//
// Backward: dsrc = Permute(ddst) with the permuted shape and the inverse
// permutation inv[perm[a]] = a. perm must hold each of 0..len(shape)−1
// once; dst and src must not overlap.
func Permute[T Float](dst, src []T, shape, perm []int) {
	const op = "ref.Permute"
	n := kernels.CheckPermutation(op, shape, perm)
	kernels.CheckLen(op, "src", len(src), n)
	kernels.CheckLen(op, "dst", len(dst), n)
	if n == 0 {
		return
	}
	// srcStride[a] is the distance in src between neighbours along axis a.
	rank := len(shape)
	srcStride := make([]int, rank)
	for a, s := rank-1, 1; a >= 0; a-- {
		srcStride[a] = s
		s *= shape[a]
	}
	// Walk dst in row-major order with an odometer over its indices.
	idx := make([]int, rank)
	for i := range n {
		j := 0
		for a := range rank {
			j += idx[a] * srcStride[perm[a]]
		}
		dst[i] = src[j]
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[perm[a]] {
				break
			}
			idx[a] = 0
		}
	}
}

// GatherRows copies rows of src selected by idx (an embedding lookup):
//
//	dst[i,:] = src[idx[i],:]   (dst is len(idx)×cols).
//
// Backward: dsrc = ScatterAddRows(ddst) into a zeroed dsrc.
func GatherRows[T Float](dst, src []T, idx []int32, cols int) {
	const op = "ref.GatherRows"
	kernels.CheckGather(op, "src", len(src), "dst", len(dst), idx, cols)
	for i, r := range idx {
		copy(dst[i*cols:(i+1)*cols], src[int(r)*cols:(int(r)+1)*cols])
	}
}

// ScatterAddRows adds the rows of src into the rows of dst named by idx:
//
//	dst[idx[i],:] += src[i,:]   (src is len(idx)×cols).
//
// dst is not cleared, and repeated indices accumulate. The sums are formed
// in float64 and rounded to T once per element. It is the backward of
// GatherRows; being linear, its own backward is GatherRows.
func ScatterAddRows[T Float](dst, src []T, idx []int32, cols int) {
	const op = "ref.ScatterAddRows"
	kernels.CheckGather(op, "dst", len(dst), "src", len(src), idx, cols)
	acc := make([]float64, len(dst))
	touched := make([]bool, len(dst))
	for i, r := range idx {
		for c := range cols {
			acc[int(r)*cols+c] += float64(src[i*cols+c])
			touched[int(r)*cols+c] = true
		}
	}
	for e, t := range touched {
		if t {
			dst[e] = T(float64(dst[e]) + acc[e])
		}
	}
}

// checkPatch validates the operands of Patchify and Unpatchify.
func checkPatch(op, imgName string, lenImg int, patchName string, lenPatch int, b, c, h, w, p int) {
	checkSizes(op, "b, c, h, w", b, c, h, w)
	if p <= 0 || h%p != 0 || w%p != 0 {
		panic(fmt.Sprintf("%s: image %d×%d is not a whole number of %d×%d patches", op, h, w, p, p))
	}
	kernels.CheckLen(op, imgName, lenImg, b*c*h*w)
	kernels.CheckRows(op, patchName, lenPatch, b*(h/p)*(w/p), c*p*p)
}

// Patchify cuts a batch of images img (b, c, h, w) into non-overlapping
// p×p patches, one row per patch, as a stride-p convolution sees them:
//
//	dst[t', c'·p² + ky·p + kx] = img[n, c', row·p + ky, col·p + kx]
//	t' = n·(h/p)·(w/p) + row·(w/p) + col.
//
// dst is (b·(h/p)·(w/p)) × (c·p·p). The patch embedding is then a GEMM
// with the conv weight flattened in the same (c, ky, kx) order. The
// backward is Unpatchify: each pixel lands in exactly one patch. dst and
// img must not overlap.
func Patchify[T Float](dst, img []T, b, c, h, w, p int) {
	checkPatch("ref.Patchify", "img", len(img), "dst", len(dst), b, c, h, w, p)
	patchIndexMap(b, c, h, w, p, func(pi, ii int) { dst[pi] = img[ii] })
}

// Unpatchify is the exact inverse of Patchify, and so its backward:
// dimg (b, c, h, w) is overwritten with the pixels of dpatch
// ((b·(h/p)·(w/p)) × (c·p·p)), each pixel coming from its one patch.
func Unpatchify[T Float](dimg, dpatch []T, b, c, h, w, p int) {
	checkPatch("ref.Unpatchify", "dimg", len(dimg), "dpatch", len(dpatch), b, c, h, w, p)
	patchIndexMap(b, c, h, w, p, func(pi, ii int) { dimg[ii] = dpatch[pi] })
}

// patchIndexMap calls f(patch index, image index) once for every pixel.
func patchIndexMap(b, c, h, w, p int, f func(pi, ii int)) {
	gh, gw, cols := h/p, w/p, c*p*p
	for n := range b {
		for row := range gh {
			for col := range gw {
				t := (n*gh+row)*gw + col
				for ch := range c {
					for ky := range p {
						for kx := range p {
							ii := ((n*c+ch)*h+row*p+ky)*w + col*p + kx
							f(t*cols+(ch*p+ky)*p+kx, ii)
						}
					}
				}
			}
		}
	}
}
