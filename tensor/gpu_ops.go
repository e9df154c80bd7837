package tensor

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// The operators of the GPU device. Each calls its WGSL kernel in
// kernels/gpu; an operator that calls viaHost runs its CPU kernel on host
// copies (correct, slow) until its WGSL kernel lands.

func (b gpuBackend) gemm(p kernels.Gemm, a, bb, c *storage) {
	b.fail("tensor.Gemm", b.g.dev.Gemm(p, buf(a), buf(bb), buf(c)))
}

func (b gpuBackend) addBias(dst, x, bias *storage, rows, cols int) {
	b.fail("tensor.AddBias", b.g.dev.AddBias(buf(dst), buf(x), buf(bias), rows, cols))
}
func (b gpuBackend) sumRows(dst, x *storage, rows, cols int) {
	b.fail("tensor.SumRows", b.g.dev.SumRows(buf(dst), buf(x), rows, cols))
}
func (b gpuBackend) sumAxis(dst, x *storage, outer, n, inner int) {
	b.fail("tensor.SumAxis", b.g.dev.SumAxis(buf(dst), buf(x), outer, n, inner))
}
func (b gpuBackend) broadcastAxis(dst, g *storage, outer, n, inner int, scale float64) {
	b.fail("tensor.BroadcastAxis", b.g.dev.BroadcastAxis(buf(dst), buf(g), outer, n, inner, scale))
}
func (b gpuBackend) add(dst, x, y *storage) {
	b.fail("tensor.Add", b.g.dev.Add(buf(dst), buf(x), buf(y)))
}
func (b gpuBackend) mul(dst, x, y *storage) {
	b.fail("tensor.Mul", b.g.dev.Mul(buf(dst), buf(x), buf(y)))
}
func (b gpuBackend) scale(dst, x *storage, s float64) {
	b.fail("tensor.Scale", b.g.dev.Scale(buf(dst), buf(x), s))
}
func (b gpuBackend) axpy(y *storage, alpha float64, x *storage) {
	b.fail("tensor.Axpy", b.g.dev.Axpy(buf(y), alpha, buf(x)))
}
func (b gpuBackend) exp(dst, x *storage) {
	b.fail("tensor.Exp", b.g.dev.Exp(buf(dst), buf(x)))
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
	b.fail("tensor.SoftCrossEntropy", b.g.dev.SoftCrossEntropy(buf(loss), buf(t), buf(s), rows, cols, temp))
}
func (b gpuBackend) softCrossEntropyBackward(ds, dloss, t, s *storage, rows, cols int, temp float64) {
	b.fail("tensor.SoftCrossEntropyBackward", b.g.dev.SoftCrossEntropyBackward(buf(ds), buf(dloss), buf(t), buf(s), rows, cols, temp))
}
func (b gpuBackend) l2Normalize(y, norm, x *storage, rows, cols int, eps float64) {
	b.fail("tensor.L2Normalize", b.g.dev.L2Normalize(buf(y), buf(norm), buf(x), rows, cols, eps))
}
func (b gpuBackend) l2NormalizeBackward(dx, dy, y, norm *storage, rows, cols int, eps float64) {
	b.fail("tensor.L2NormalizeBackward", b.g.dev.L2NormalizeBackward(buf(dx), buf(dy), buf(y), buf(norm), rows, cols, eps))
}
func (b gpuBackend) weightNorm(w, norm, g, v *storage, rows, cols int) {
	b.fail("tensor.WeightNorm", b.g.dev.WeightNorm(buf(w), buf(norm), buf(g), buf(v), rows, cols))
}
func (b gpuBackend) weightNormBackward(dg, dv, dw, g, v, norm *storage, rows, cols int) {
	b.fail("tensor.WeightNormBackward", b.g.dev.WeightNormBackward(buf(dg), buf(dv), buf(dw), buf(g), buf(v), buf(norm), rows, cols))
}
func (b gpuBackend) permute(dst, src *storage, shape, perm []int) {
	b.fail("tensor.Permute", b.g.dev.Permute(buf(dst), buf(src), shape, perm))
}
func (b gpuBackend) gatherRows(dst, src *storage, idx []int32, cols int) {
	b.fail("tensor.GatherRows", b.g.dev.GatherRows(buf(dst), buf(src), idx, cols))
}
func (b gpuBackend) scatterAddRows(dst, src *storage, idx []int32, cols int) {
	b.fail("tensor.ScatterAddRows", b.g.dev.ScatterAddRows(buf(dst), buf(src), idx, cols))
}
func (b gpuBackend) patchify(dst, img *storage, bb, c, h, w, p int) {
	b.fail("tensor.Patchify", b.g.dev.Patchify(buf(dst), buf(img), bb, c, h, w, p))
}
func (b gpuBackend) unpatchify(dimg, dpatch *storage, bb, c, h, w, p int) {
	b.fail("tensor.Unpatchify", b.g.dev.Unpatchify(buf(dimg), buf(dpatch), bb, c, h, w, p))
}
func (b gpuBackend) resample2D(dst, src, wy, wx *storage, inH, inW, outH, outW, ch int) {
	b.fail("tensor.Resample2D", b.g.dev.Resample2D(buf(dst), buf(src), buf(wy), buf(wx), inH, inW, outH, outW, ch))
}
func (b gpuBackend) resample2DAdjoint(dsrc, ddst, wy, wx *storage, inH, inW, outH, outW, ch int) {
	b.fail("tensor.Resample2DAdjoint", b.g.dev.Resample2DAdjoint(buf(dsrc), buf(ddst), buf(wy), buf(wx), inH, inW, outH, outW, ch))
}
func (b gpuBackend) adamW(p, g, m, v *storage, h kernels.AdamWHyper) {
	b.fail("tensor.AdamW", b.g.dev.AdamW(buf(p), buf(g), buf(m), buf(v), h))
}
func (b gpuBackend) ema(t, s *storage, momentum float64) {
	b.fail("tensor.EMA", b.g.dev.EMA(buf(t), buf(s), momentum))
}
func (b gpuBackend) copyAxis(dst *storage, dstN, dstOff int, src *storage, srcN, srcOff int, outer, count, inner int) {
	b.fail("tensor.CopyAxis", b.g.dev.CopyAxis(buf(dst), dstN, dstOff, buf(src), srcN, srcOff, outer, count, inner))
}
func (b gpuBackend) scaleCols(dst, x, g *storage, rows, cols int) {
	b.fail("tensor.ScaleCols", b.g.dev.ScaleCols(buf(dst), buf(x), buf(g), rows, cols))
}
func (b gpuBackend) mulSumRows(dst, x, y *storage, rows, cols int) {
	b.fail("tensor.MulSumRows", b.g.dev.MulSumRows(buf(dst), buf(x), buf(y), rows, cols))
}
func (b gpuBackend) selectRows(dst, x, row *storage, mask []int32, rows, cols int) {
	b.fail("tensor.SelectRows", b.g.dev.SelectRows(buf(dst), buf(x), buf(row), mask, rows, cols))
}
func (b gpuBackend) maskedSumRows(dst, x *storage, mask []int32, rows, cols int) {
	b.fail("tensor.MaskedSumRows", b.g.dev.MaskedSumRows(buf(dst), buf(x), mask, rows, cols))
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
	b.fail("tensor.BCEWithLogits", b.g.dev.BCEWithLogits(buf(loss), buf(x), buf(y), buf(w)))
}
func (b gpuBackend) bceWithLogitsBackward(dx, dloss, x, y, w *storage) {
	b.fail("tensor.BCEWithLogitsBackward", b.g.dev.BCEWithLogitsBackward(buf(dx), buf(dloss), buf(x), buf(y), buf(w)))
}
func (b gpuBackend) softDice(dice, p, t *storage, rows, cols int, eps float64) {
	b.fail("tensor.SoftDice", b.g.dev.SoftDice(buf(dice), buf(p), buf(t), rows, cols, eps))
}
func (b gpuBackend) softDiceBackward(dp, ddice, p, t *storage, rows, cols int, eps float64) {
	b.fail("tensor.SoftDiceBackward", b.g.dev.SoftDiceBackward(buf(dp), buf(ddice), buf(p), buf(t), rows, cols, eps))
}
