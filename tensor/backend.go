package tensor

import "github.com/gocx/gocx/kernels"

// backend is the device seam: every storage-level operator a device must
// run. Sizes are already checked by the tensor-level operator that calls
// it; a backend panics with a *DeviceError when its device fails.
// Destinations are overwritten unless the method says otherwise.
type backend interface {
	alloc(op string, n int) *storage
	free(s *storage)
	zero(s *storage)
	upload(dst *storage, src []float32)
	download(dst []float32, src *storage)
	copy(dst, src *storage)

	gemm(p kernels.Gemm, a, b, c *storage)
	addBias(dst, x, bias *storage, rows, cols int)
	sumRows(dst, x *storage, rows, cols int)
	sumAxis(dst, x *storage, outer, n, inner int)
	broadcastAxis(dst, g *storage, outer, n, inner int, scale float64)
	add(dst, a, b *storage)
	mul(dst, a, b *storage)
	scale(dst, x *storage, s float64)
	axpy(y *storage, alpha float64, x *storage) // y += alpha·x
	exp(dst, x *storage)
	gelu(dst, x *storage)
	geluBackward(dx, x, dy *storage)
	layerNorm(y, mean, rstd, x, gamma, beta *storage, rows, cols int, eps float64)
	layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma *storage, rows, cols int)
	softmax(y, x *storage, rows, cols int)
	softmaxBackward(dx, y, dy *storage, rows, cols int)
	logSoftmax(y, x *storage, rows, cols int)
	logSoftmaxBackward(dx, y, dy *storage, rows, cols int)
	attention(p kernels.Attention, out, probs, q, k, v *storage)
	attentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs *storage)
	softCrossEntropy(loss, t, s *storage, rows, cols int, temp float64)
	softCrossEntropyBackward(ds, dloss, t, s *storage, rows, cols int, temp float64)
	l2Normalize(y, norm, x *storage, rows, cols int, eps float64)
	l2NormalizeBackward(dx, dy, y, norm *storage, rows, cols int, eps float64)
	weightNorm(w, norm, g, v *storage, rows, cols int)
	weightNormBackward(dg, dv, dw, g, v, norm *storage, rows, cols int)
	permute(dst, src *storage, shape, perm []int)
	gatherRows(dst, src *storage, idx []int32, cols int)
	scatterAddRows(dst, src *storage, idx []int32, cols int) // accumulates into dst
	patchify(dst, img *storage, b, c, h, w, p int)
	unpatchify(dimg, dpatch *storage, b, c, h, w, p int)
	resample2D(dst, src, wy, wx *storage, inH, inW, outH, outW, ch int)
	resample2DAdjoint(dsrc, ddst, wy, wx *storage, inH, inW, outH, outW, ch int)
	adamW(p, g, m, v *storage, h kernels.AdamWHyper) // in place on p, m, v
	ema(teacher, student *storage, momentum float64) // in place on teacher
	copyAxis(dst *storage, dstN, dstOff int, src *storage, srcN, srcOff int, outer, count, inner int)
	scaleCols(dst, x, g *storage, rows, cols int)
	mulSumRows(dst, a, b *storage, rows, cols int)
	selectRows(dst, x, row *storage, mask []int32, rows, cols int)
	maskedSumRows(dst, x *storage, mask []int32, rows, cols int)
	centeredSoftmax(q, z, c *storage, rows, cols int, temp float64)
	sinkhornKnopp(q, z *storage, rows, cols int, temp float64, iters int)
	koLeo(loss, nn, x *storage, rows, cols int)
	koLeoBackward(dx, dloss, x, nn *storage, rows, cols int)
	entropyBackend // meanRowEntropy (entropy.go)
	fusedOps       // gemmBiasGelu, addScaledLayerNorm (fused.go)
	arenaOps       // arenas and the guarded optimiser step (arena.go)
	bceWithLogits(loss, x, y, w *storage)
	bceWithLogitsBackward(dx, dloss, x, y, w *storage)
	softDice(dice, p, t *storage, rows, cols int, eps float64)
	softDiceBackward(dp, ddice, p, t *storage, rows, cols int, eps float64)
	// fusedAttention reports whether the device has fused (flash)
	// attention kernels for head width hd; flashAttention and
	// flashAttentionBackward are only called when it does.
	fusedAttention(hd int) bool
	flashAttention(p kernels.Attention, out, lse, q, k, v *storage)
	flashAttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, out, lse *storage)
}
