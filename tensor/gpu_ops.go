package tensor

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// The operators of the GPU device. Each calls its WGSL kernel in
// kernels/gpu; an operator still marked "host" runs its CPU kernel on
// host copies (correct, slow) until its WGSL kernel lands.

func (b gpuBackend) gemm(p kernels.Gemm, a, bb, c *storage) {
	b.fail("tensor.Gemm", b.g.dev.Gemm(p, buf(a), buf(bb), buf(c)))
}

// host
func (b gpuBackend) addBias(dst, x, bias *storage, rows, cols int) {
	b.viaHost(st(dst), nil, st(x, bias), func(o, _, i [][]float32) { cpu.AddBias(o[0], i[0], i[1], rows, cols) })
}
func (b gpuBackend) sumRows(dst, x *storage, rows, cols int) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.SumRows(o[0], i[0], rows, cols) })
}
func (b gpuBackend) sumAxis(dst, x *storage, outer, n, inner int) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.SumAxis(o[0], i[0], outer, n, inner) })
}
func (b gpuBackend) broadcastAxis(dst, g *storage, outer, n, inner int, scale float64) {
	b.viaHost(st(dst), nil, st(g), func(o, _, i [][]float32) { cpu.BroadcastAxis(o[0], i[0], outer, n, inner, scale) })
}
func (b gpuBackend) add(dst, x, y *storage) {
	b.viaHost(st(dst), nil, st(x, y), func(o, _, i [][]float32) { cpu.Add(o[0], i[0], i[1]) })
}
func (b gpuBackend) mul(dst, x, y *storage) {
	b.viaHost(st(dst), nil, st(x, y), func(o, _, i [][]float32) { cpu.Mul(o[0], i[0], i[1]) })
}
func (b gpuBackend) scale(dst, x *storage, s float64) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.Scale(o[0], i[0], s) })
}
func (b gpuBackend) axpy(y *storage, alpha float64, x *storage) {
	b.viaHost(nil, st(y), st(x), func(_, io, i [][]float32) { cpu.Axpy(io[0], alpha, i[0]) })
}
func (b gpuBackend) exp(dst, x *storage) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.Exp(o[0], i[0]) })
}
func (b gpuBackend) gelu(dst, x *storage) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.Gelu(o[0], i[0]) })
}
func (b gpuBackend) geluBackward(dx, x, dy *storage) {
	b.viaHost(st(dx), nil, st(x, dy), func(o, _, i [][]float32) { cpu.GeluBackward(o[0], i[0], i[1]) })
}
func (b gpuBackend) layerNorm(y, mean, rstd, x, gamma, beta *storage, rows, cols int, eps float64) {
	b.viaHost(st(y, mean, rstd), nil, st(x, gamma, beta), func(o, _, i [][]float32) {
		cpu.LayerNorm(o[0], o[1], o[2], i[0], i[1], i[2], rows, cols, eps)
	})
}
func (b gpuBackend) layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma *storage, rows, cols int) {
	b.viaHost(st(dx, dgamma, dbeta), nil, st(dy, x, mean, rstd, gamma), func(o, _, i [][]float32) {
		cpu.LayerNormBackward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4], rows, cols)
	})
}
func (b gpuBackend) softmax(y, x *storage, rows, cols int) {
	b.viaHost(st(y), nil, st(x), func(o, _, i [][]float32) { cpu.Softmax(o[0], i[0], rows, cols) })
}
func (b gpuBackend) softmaxBackward(dx, y, dy *storage, rows, cols int) {
	b.viaHost(st(dx), nil, st(y, dy), func(o, _, i [][]float32) { cpu.SoftmaxBackward(o[0], i[0], i[1], rows, cols) })
}
func (b gpuBackend) logSoftmax(y, x *storage, rows, cols int) {
	b.viaHost(st(y), nil, st(x), func(o, _, i [][]float32) { cpu.LogSoftmax(o[0], i[0], rows, cols) })
}
func (b gpuBackend) logSoftmaxBackward(dx, y, dy *storage, rows, cols int) {
	b.viaHost(st(dx), nil, st(y, dy), func(o, _, i [][]float32) { cpu.LogSoftmaxBackward(o[0], i[0], i[1], rows, cols) })
}
func (b gpuBackend) attention(p kernels.Attention, out, probs, q, k, v *storage) {
	b.viaHost(st(out, probs), nil, st(q, k, v), func(o, _, i [][]float32) { cpu.Attention(p, o[0], o[1], i[0], i[1], i[2]) })
}
func (b gpuBackend) attentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs *storage) {
	b.viaHost(st(dq, dk, dv), nil, st(dout, q, k, v, probs), func(o, _, i [][]float32) {
		cpu.AttentionBackward(p, o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4])
	})
}
func (b gpuBackend) softCrossEntropy(loss, t, s *storage, rows, cols int, temp float64) {
	b.viaHost(st(loss), nil, st(t, s), func(o, _, i [][]float32) { cpu.SoftCrossEntropy(o[0], i[0], i[1], rows, cols, temp) })
}
func (b gpuBackend) softCrossEntropyBackward(ds, dloss, t, s *storage, rows, cols int, temp float64) {
	b.viaHost(st(ds), nil, st(dloss, t, s), func(o, _, i [][]float32) {
		cpu.SoftCrossEntropyBackward(o[0], i[0], i[1], i[2], rows, cols, temp)
	})
}
func (b gpuBackend) l2Normalize(y, norm, x *storage, rows, cols int, eps float64) {
	b.viaHost(st(y, norm), nil, st(x), func(o, _, i [][]float32) { cpu.L2Normalize(o[0], o[1], i[0], rows, cols, eps) })
}
func (b gpuBackend) l2NormalizeBackward(dx, dy, y, norm *storage, rows, cols int, eps float64) {
	b.viaHost(st(dx), nil, st(dy, y, norm), func(o, _, i [][]float32) {
		cpu.L2NormalizeBackward(o[0], i[0], i[1], i[2], rows, cols, eps)
	})
}
func (b gpuBackend) weightNorm(w, norm, g, v *storage, rows, cols int) {
	b.viaHost(st(w, norm), nil, st(g, v), func(o, _, i [][]float32) { cpu.WeightNorm(o[0], o[1], i[0], i[1], rows, cols) })
}
func (b gpuBackend) weightNormBackward(dg, dv, dw, g, v, norm *storage, rows, cols int) {
	b.viaHost(st(dg, dv), nil, st(dw, g, v, norm), func(o, _, i [][]float32) {
		cpu.WeightNormBackward(o[0], o[1], i[0], i[1], i[2], i[3], rows, cols)
	})
}
func (b gpuBackend) permute(dst, src *storage, shape, perm []int) {
	b.viaHost(st(dst), nil, st(src), func(o, _, i [][]float32) { cpu.Permute(o[0], i[0], shape, perm) })
}
func (b gpuBackend) gatherRows(dst, src *storage, idx []int32, cols int) {
	b.viaHost(st(dst), nil, st(src), func(o, _, i [][]float32) { cpu.GatherRows(o[0], i[0], idx, cols) })
}
func (b gpuBackend) scatterAddRows(dst, src *storage, idx []int32, cols int) {
	b.viaHost(nil, st(dst), st(src), func(_, io, i [][]float32) { cpu.ScatterAddRows(io[0], i[0], idx, cols) })
}
func (b gpuBackend) patchify(dst, img *storage, bb, c, h, w, p int) {
	b.viaHost(st(dst), nil, st(img), func(o, _, i [][]float32) { cpu.Patchify(o[0], i[0], bb, c, h, w, p) })
}
func (b gpuBackend) unpatchify(dimg, dpatch *storage, bb, c, h, w, p int) {
	b.viaHost(st(dimg), nil, st(dpatch), func(o, _, i [][]float32) { cpu.Unpatchify(o[0], i[0], bb, c, h, w, p) })
}
func (b gpuBackend) resample2D(dst, src, wy, wx *storage, inH, inW, outH, outW, ch int) {
	b.viaHost(st(dst), nil, st(src, wy, wx), func(o, _, i [][]float32) {
		cpu.Resample2D(o[0], i[0], i[1], i[2], inH, inW, outH, outW, ch)
	})
}
func (b gpuBackend) resample2DAdjoint(dsrc, ddst, wy, wx *storage, inH, inW, outH, outW, ch int) {
	b.viaHost(st(dsrc), nil, st(ddst, wy, wx), func(o, _, i [][]float32) {
		cpu.Resample2DAdjoint(o[0], i[0], i[1], i[2], inH, inW, outH, outW, ch)
	})
}
func (b gpuBackend) adamW(p, g, m, v *storage, h kernels.AdamWHyper) {
	b.viaHost(nil, st(p, m, v), st(g), func(_, io, i [][]float32) { cpu.AdamW(io[0], i[0], io[1], io[2], h) })
}
func (b gpuBackend) ema(t, s *storage, momentum float64) {
	b.viaHost(nil, st(t), st(s), func(_, io, i [][]float32) { cpu.EMA(io[0], i[0], momentum) })
}
func (b gpuBackend) copyAxis(dst *storage, dstN, dstOff int, src *storage, srcN, srcOff int, outer, count, inner int) {
	b.viaHost(nil, st(dst), st(src), func(_, io, i [][]float32) {
		cpu.CopyAxis(io[0], dstN, dstOff, i[0], srcN, srcOff, outer, count, inner)
	})
}
func (b gpuBackend) scaleCols(dst, x, g *storage, rows, cols int) {
	b.viaHost(st(dst), nil, st(x, g), func(o, _, i [][]float32) { cpu.ScaleCols(o[0], i[0], i[1], rows, cols) })
}
func (b gpuBackend) mulSumRows(dst, x, y *storage, rows, cols int) {
	b.viaHost(st(dst), nil, st(x, y), func(o, _, i [][]float32) { cpu.MulSumRows(o[0], i[0], i[1], rows, cols) })
}
func (b gpuBackend) selectRows(dst, x, row *storage, mask []int32, rows, cols int) {
	b.viaHost(st(dst), nil, st(x, row), func(o, _, i [][]float32) { cpu.SelectRows(o[0], i[0], i[1], mask, rows, cols) })
}
func (b gpuBackend) maskedSumRows(dst, x *storage, mask []int32, rows, cols int) {
	b.viaHost(st(dst), nil, st(x), func(o, _, i [][]float32) { cpu.MaskedSumRows(o[0], i[0], mask, rows, cols) })
}
func (b gpuBackend) centeredSoftmax(q, z, c *storage, rows, cols int, temp float64) {
	b.viaHost(st(q), nil, st(z, c), func(o, _, i [][]float32) { cpu.CenteredSoftmax(o[0], i[0], i[1], rows, cols, temp) })
}
func (b gpuBackend) sinkhornKnopp(q, z *storage, rows, cols int, temp float64, iters int) {
	b.viaHost(st(q), nil, st(z), func(o, _, i [][]float32) { cpu.SinkhornKnopp(o[0], i[0], rows, cols, temp, iters) })
}
func (b gpuBackend) koLeo(loss, x *storage, rows, cols int) []int32 {
	nn := make([]int32, rows)
	b.viaHost(st(loss), nil, st(x), func(o, _, i [][]float32) { cpu.KoLeo(o[0], nn, i[0], rows, cols) })
	return nn
}
func (b gpuBackend) koLeoBackward(dx, dloss, x *storage, nn []int32, rows, cols int) {
	b.viaHost(st(dx), nil, st(dloss, x), func(o, _, i [][]float32) {
		cpu.KoLeoBackward(o[0], float64(i[0][0]), i[1], nn, rows, cols)
	})
}
func (b gpuBackend) bceWithLogits(loss, x, y, w *storage) {
	b.viaHost(st(loss), nil, st(x, y, w), func(o, _, i [][]float32) { cpu.BCEWithLogits(o[0], i[0], i[1], i[2]) })
}
func (b gpuBackend) bceWithLogitsBackward(dx, dloss, x, y, w *storage) {
	b.viaHost(st(dx), nil, st(dloss, x, y, w), func(o, _, i [][]float32) {
		cpu.BCEWithLogitsBackward(o[0], i[0], i[1], i[2], i[3])
	})
}
func (b gpuBackend) softDice(dice, p, t *storage, rows, cols int, eps float64) {
	b.viaHost(st(dice), nil, st(p, t), func(o, _, i [][]float32) { cpu.SoftDice(o[0], i[0], i[1], rows, cols, eps) })
}
func (b gpuBackend) softDiceBackward(dp, ddice, p, t *storage, rows, cols int, eps float64) {
	b.viaHost(st(dp), nil, st(ddice, p, t), func(o, _, i [][]float32) {
		cpu.SoftDiceBackward(o[0], i[0], i[1], i[2], rows, cols, eps)
	})
}
