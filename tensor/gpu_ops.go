package tensor

import (
	"github.com/gocx/gocx/kernels"
)

// The operators of the GPU device: each runs its WGSL kernel in
// kernels/gpu, recorded into the device's open compute pass.

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
	b.fail("tensor.Gelu", b.g.dev.Gelu(buf(dst), buf(x)))
}
func (b gpuBackend) geluBackward(dx, x, dy *storage) {
	b.fail("tensor.GeluBackward", b.g.dev.GeluBackward(buf(dx), buf(x), buf(dy)))
}
func (b gpuBackend) layerNorm(y, mean, rstd, x, gamma, beta *storage, rows, cols int, eps float64) {
	b.fail("tensor.LayerNorm", b.g.dev.LayerNorm(buf(y), buf(mean), buf(rstd), buf(x), buf(gamma), buf(beta), rows, cols, eps))
}
func (b gpuBackend) layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma *storage, rows, cols int) {
	b.fail("tensor.LayerNormBackward", b.g.dev.LayerNormBackward(buf(dx), buf(dgamma), buf(dbeta), buf(dy), buf(x), buf(mean), buf(rstd), buf(gamma), rows, cols))
}
func (b gpuBackend) softmax(y, x *storage, rows, cols int) {
	b.fail("tensor.Softmax", b.g.dev.Softmax(buf(y), buf(x), rows, cols))
}
func (b gpuBackend) softmaxBackward(dx, y, dy *storage, rows, cols int) {
	b.fail("tensor.SoftmaxBackward", b.g.dev.SoftmaxBackward(buf(dx), buf(y), buf(dy), rows, cols))
}
func (b gpuBackend) logSoftmax(y, x *storage, rows, cols int) {
	b.fail("tensor.LogSoftmax", b.g.dev.LogSoftmax(buf(y), buf(x), rows, cols))
}
func (b gpuBackend) logSoftmaxBackward(dx, y, dy *storage, rows, cols int) {
	b.fail("tensor.LogSoftmaxBackward", b.g.dev.LogSoftmaxBackward(buf(dx), buf(y), buf(dy), rows, cols))
}
func (b gpuBackend) attention(p kernels.Attention, out, probs, q, k, v *storage) {
	b.fail("tensor.Attention", b.g.dev.Attention(p, buf(out), buf(probs), buf(q), buf(k), buf(v)))
}
func (b gpuBackend) attentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs *storage) {
	b.fail("tensor.AttentionBackward", b.g.dev.AttentionBackward(p, buf(dq), buf(dk), buf(dv), buf(dout), buf(q), buf(k), buf(v), buf(probs)))
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
	b.fail("tensor.CenteredSoftmax", b.g.dev.CenteredSoftmax(buf(q), buf(z), buf(c), rows, cols, temp))
}
func (b gpuBackend) sinkhornKnopp(q, z *storage, rows, cols int, temp float64, iters int) {
	b.fail("tensor.SinkhornKnopp", b.g.dev.SinkhornKnopp(buf(q), buf(z), rows, cols, temp, iters))
}
func (b gpuBackend) koLeo(loss, nn, x *storage, rows, cols int) {
	b.fail("tensor.KoLeo", b.g.dev.KoLeo(buf(loss), buf(nn), buf(x), rows, cols))
}
func (b gpuBackend) koLeoBackward(dx, dloss, x, nn *storage, rows, cols int) {
	b.fail("tensor.KoLeoBackward", b.g.dev.KoLeoBackward(buf(dx), buf(dloss), buf(x), buf(nn), rows, cols))
}
func (b gpuBackend) meanRowEntropy(dst, p *storage, rows, cols, maxRows int) {
	b.fail("tensor.MeanRowEntropy", b.g.dev.MeanRowEntropy(buf(dst), buf(p), rows, cols, maxRows))
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

// fusedAttention is off on the GPU unless GOCX_ATTENTION=fused: on an H200
// the WGSL flash kernels ran forward+backward 3-4× slower than the unfused
// GEMM + softmax path (bench/RESULTS.md), which is within 1.2× of PyTorch's
// SDPA; they stay available, tested, for devices and sizes where memory
// for the BH×SQ×SK probabilities is the limit.
func (b gpuBackend) fusedAttention(hd int) bool { return fusedOnGPU && b.g.dev.FlashSupported(hd) }
func (b gpuBackend) flashAttention(p kernels.Attention, out, lse, q, k, v *storage) {
	b.fail("tensor.FlashAttention", b.g.dev.FlashAttention(p, buf(out), buf(lse), buf(q), buf(k), buf(v)))
}
func (b gpuBackend) flashAttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, out, lse *storage) {
	b.fail("tensor.FlashAttentionBackward", b.g.dev.FlashAttentionBackward(p, buf(dq), buf(dk), buf(dv), buf(dout),
		buf(q), buf(k), buf(v), buf(out), buf(lse)))
}
