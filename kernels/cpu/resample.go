package cpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// Resample2D applies a separable linear resampling to a channels-last
// grid (the position-embedding interpolation of spec §1.3): src is
// (inH·inW)×ch, dst (outH·outW)×ch, wy outH×inH and wx outW×inW, and
//
//	dst[(i,j),d] = Σ_{a,b} wy[i,a]·wx[j,b]·src[(a,b),d],
//
// i.e. dst = Wy·src·Wxᵀ per channel. It runs as two GEMM-like passes, the
// columns first (tmp = src·Wxᵀ, inH·outW×ch) and then the rows
// (dst = Wy·tmp), each an axpy over the ch contiguous channels per weight;
// zero weights (most of a bicubic matrix) are skipped.
//
// Backward: Resample2DAdjoint.
func Resample2D(dst, src, wy, wx []float32, inH, inW, outH, outW, ch int) {
	checkResample("cpu.Resample2D", "src", len(src), "dst", len(dst), len(wy), len(wx), inH, inW, outH, outW, ch)
	tmp := make([]float32, inH*outW*ch)
	// tmp[(a,j),:] = Σ_b wx[j,b]·src[(a,b),:]
	parallelFor(inH, rowChunk(inW*outW*ch), func(lo, hi int) {
		for a := lo; a < hi; a++ {
			for j := range outW {
				axpyRows(tmp[(a*outW+j)*ch:(a*outW+j+1)*ch], wx[j*inW:(j+1)*inW], src[a*inW*ch:], ch, ch)
			}
		}
	})
	// dst[(i,j),:] = Σ_a wy[i,a]·tmp[(a,j),:]
	parallelFor(outH, rowChunk(inH*outW*ch), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for j := range outW {
				axpyRows(dst[(i*outW+j)*ch:(i*outW+j+1)*ch], wy[i*inH:(i+1)*inH], tmp[j*ch:], outW*ch, ch)
			}
		}
	})
}

// Resample2DAdjoint is the adjoint (transpose) of Resample2D with the same
// weights, and so its backward: ddst is (outH·outW)×ch and dsrc
// ((inH·inW)×ch) is overwritten with
//
//	dsrc[(a,b),d] = Σ_{i,j} wy[i,a]·wx[j,b]·ddst[(i,j),d],
//
// i.e. dsrc = Wyᵀ·ddst·Wx per channel, again as two passes: the rows
// first (tmp[(a,j),:] = Σ_i wy[i,a]·ddst[(i,j),:]), then the columns.
func Resample2DAdjoint(dsrc, ddst, wy, wx []float32, inH, inW, outH, outW, ch int) {
	checkResample("cpu.Resample2DAdjoint", "dsrc", len(dsrc), "ddst", len(ddst), len(wy), len(wx), inH, inW, outH, outW, ch)
	tmp := make([]float32, inH*outW*ch)
	// tmp[(a,j),:] = Σ_i wy[i,a]·ddst[(i,j),:]: column a of wy, stride inH.
	parallelFor(inH, rowChunk(outH*outW*ch), func(lo, hi int) {
		col := make([]float32, outH)
		for a := lo; a < hi; a++ {
			for i := range outH {
				col[i] = wy[i*inH+a]
			}
			for j := range outW {
				axpyRows(tmp[(a*outW+j)*ch:(a*outW+j+1)*ch], col, ddst[j*ch:], outW*ch, ch)
			}
		}
	})
	// dsrc[(a,b),:] = Σ_j wx[j,b]·tmp[(a,j),:]
	parallelFor(inH, rowChunk(inW*outW*ch), func(lo, hi int) {
		col := make([]float32, outW)
		for b := range inW {
			for j := range outW {
				col[j] = wx[j*inW+b]
			}
			for a := lo; a < hi; a++ {
				axpyRows(dsrc[(a*inW+b)*ch:(a*inW+b+1)*ch], col, tmp[a*outW*ch:], ch, ch)
			}
		}
	})
}

// axpyRows sets dst = Σ_k w[k]·src[k·stride : k·stride+n], skipping zero
// weights; len(dst) == n.
func axpyRows(dst, w, src []float32, stride, n int) {
	clear(dst)
	for k, wk := range w {
		if wk == 0 {
			continue
		}
		s := src[k*stride : k*stride+n]
		for d, v := range s {
			dst[d] += wk * v
		}
	}
}

// checkResample validates the operands of Resample2D and its adjoint.
func checkResample(op, inName string, lenIn int, outName string, lenOut, lenWy, lenWx, inH, inW, outH, outW, ch int) {
	if inH < 0 || inW < 0 || outH < 0 || outW < 0 || ch < 0 {
		panic(fmt.Sprintf("%s: negative size inH=%d inW=%d outH=%d outW=%d ch=%d", op, inH, inW, outH, outW, ch))
	}
	kernels.CheckRows(op, inName, lenIn, inH*inW, ch)
	kernels.CheckRows(op, outName, lenOut, outH*outW, ch)
	kernels.CheckRows(op, "wy", lenWy, outH, inH)
	kernels.CheckRows(op, "wx", lenWx, outW, inW)
}
