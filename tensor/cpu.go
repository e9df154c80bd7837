package tensor

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// cpuDevice runs every operator through kernels/cpu on host memory.
type cpuDevice struct{}

// CPU is the host device. Its kernels are AVX2+FMA assembly where the CPU
// has it and pure Go elsewhere (see kernels/cpu).
var CPU Device = cpuDevice{}

func (cpuDevice) String() string   { return "cpu" }
func (cpuDevice) IsGPU() bool      { return false }
func (cpuDevice) Sync() error      { return nil }
func (cpuDevice) backend() backend { return cpuBackend{} }
func (cpuBackend) free(s *storage) {
	if s.parent == nil { // an arena view's slice belongs to the arena
		cpuRecycle(s.cpu)
	}
	s.cpu = nil
}
func (cpuBackend) zero(s *storage)    { clear(s.cpu) }
func (cpuBackend) copy(d, s *storage) { copy(d.cpu, s.cpu) }

type cpuBackend struct{}

func (cpuBackend) alloc(op string, n int) *storage {
	return &storage{dev: CPU, n: n, cpu: cpuAlloc(n)}
}
func (cpuBackend) upload(dst *storage, src []float32)   { copy(dst.cpu, src) }
func (cpuBackend) download(dst []float32, src *storage) { copy(dst, src.cpu) }

func (cpuBackend) gemm(p kernels.Gemm, a, b, c *storage) { cpu.Gemm(p, a.cpu, b.cpu, c.cpu) }
func (cpuBackend) addBias(dst, x, bias *storage, rows, cols int) {
	cpu.AddBias(dst.cpu, x.cpu, bias.cpu, rows, cols)
}
func (cpuBackend) sumRows(dst, x *storage, rows, cols int) { cpu.SumRows(dst.cpu, x.cpu, rows, cols) }
func (cpuBackend) sumAxis(dst, x *storage, outer, n, inner int) {
	cpu.SumAxis(dst.cpu, x.cpu, outer, n, inner)
}
func (cpuBackend) broadcastAxis(dst, g *storage, outer, n, inner int, scale float64) {
	cpu.BroadcastAxis(dst.cpu, g.cpu, outer, n, inner, scale)
}
func (cpuBackend) add(dst, a, b *storage)                 { cpu.Add(dst.cpu, a.cpu, b.cpu) }
func (cpuBackend) mul(dst, a, b *storage)                 { cpu.Mul(dst.cpu, a.cpu, b.cpu) }
func (cpuBackend) scale(dst, x *storage, s float64)       { cpu.Scale(dst.cpu, x.cpu, s) }
func (cpuBackend) axpy(y *storage, a float64, x *storage) { cpu.Axpy(y.cpu, a, x.cpu) }
func (cpuBackend) exp(dst, x *storage)                    { cpu.Exp(dst.cpu, x.cpu) }
func (cpuBackend) gelu(dst, x *storage)                   { cpu.Gelu(dst.cpu, x.cpu) }
func (cpuBackend) geluBackward(dx, x, dy *storage)        { cpu.GeluBackward(dx.cpu, x.cpu, dy.cpu) }
func (cpuBackend) layerNorm(y, mean, rstd, x, gamma, beta *storage, rows, cols int, eps float64) {
	cpu.LayerNorm(y.cpu, mean.cpu, rstd.cpu, x.cpu, gamma.cpu, beta.cpu, rows, cols, eps)
}
func (cpuBackend) layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma *storage, rows, cols int) {
	cpu.LayerNormBackward(dx.cpu, dgamma.cpu, dbeta.cpu, dy.cpu, x.cpu, mean.cpu, rstd.cpu, gamma.cpu, rows, cols)
}
func (cpuBackend) softmax(y, x *storage, rows, cols int) { cpu.Softmax(y.cpu, x.cpu, rows, cols) }
func (cpuBackend) softmaxBackward(dx, y, dy *storage, rows, cols int) {
	cpu.SoftmaxBackward(dx.cpu, y.cpu, dy.cpu, rows, cols)
}
func (cpuBackend) logSoftmax(y, x *storage, rows, cols int) { cpu.LogSoftmax(y.cpu, x.cpu, rows, cols) }
func (cpuBackend) logSoftmaxBackward(dx, y, dy *storage, rows, cols int) {
	cpu.LogSoftmaxBackward(dx.cpu, y.cpu, dy.cpu, rows, cols)
}
func (cpuBackend) attention(p kernels.Attention, out, probs, q, k, v *storage) {
	cpu.Attention(p, out.cpu, probs.cpu, q.cpu, k.cpu, v.cpu)
}
func (cpuBackend) attentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs *storage) {
	cpu.AttentionBackward(p, dq.cpu, dk.cpu, dv.cpu, dout.cpu, q.cpu, k.cpu, v.cpu, probs.cpu)
}
func (cpuBackend) softCrossEntropy(loss, t, s *storage, rows, cols int, temp float64) {
	cpu.SoftCrossEntropy(loss.cpu, t.cpu, s.cpu, rows, cols, temp)
}
func (cpuBackend) softCrossEntropyBackward(ds, dloss, t, s *storage, rows, cols int, temp float64) {
	cpu.SoftCrossEntropyBackward(ds.cpu, dloss.cpu, t.cpu, s.cpu, rows, cols, temp)
}
func (cpuBackend) l2Normalize(y, norm, x *storage, rows, cols int, eps float64) {
	cpu.L2Normalize(y.cpu, norm.cpu, x.cpu, rows, cols, eps)
}
func (cpuBackend) l2NormalizeBackward(dx, dy, y, norm *storage, rows, cols int, eps float64) {
	cpu.L2NormalizeBackward(dx.cpu, dy.cpu, y.cpu, norm.cpu, rows, cols, eps)
}
func (cpuBackend) weightNorm(w, norm, g, v *storage, rows, cols int) {
	cpu.WeightNorm(w.cpu, norm.cpu, g.cpu, v.cpu, rows, cols)
}
func (cpuBackend) weightNormBackward(dg, dv, dw, g, v, norm *storage, rows, cols int) {
	cpu.WeightNormBackward(dg.cpu, dv.cpu, dw.cpu, g.cpu, v.cpu, norm.cpu, rows, cols)
}
func (cpuBackend) permute(dst, src *storage, shape, perm []int) {
	cpu.Permute(dst.cpu, src.cpu, shape, perm)
}
func (cpuBackend) gatherRows(dst, src *storage, idx []int32, cols int) {
	cpu.GatherRows(dst.cpu, src.cpu, idx, cols)
}
func (cpuBackend) scatterAddRows(dst, src *storage, idx []int32, cols int) {
	cpu.ScatterAddRows(dst.cpu, src.cpu, idx, cols)
}
func (cpuBackend) patchify(dst, img *storage, b, c, h, w, p int) {
	cpu.Patchify(dst.cpu, img.cpu, b, c, h, w, p)
}
func (cpuBackend) unpatchify(dimg, dpatch *storage, b, c, h, w, p int) {
	cpu.Unpatchify(dimg.cpu, dpatch.cpu, b, c, h, w, p)
}
func (cpuBackend) resample2D(dst, src, wy, wx *storage, inH, inW, outH, outW, ch int) {
	cpu.Resample2D(dst.cpu, src.cpu, wy.cpu, wx.cpu, inH, inW, outH, outW, ch)
}
func (cpuBackend) resample2DAdjoint(dsrc, ddst, wy, wx *storage, inH, inW, outH, outW, ch int) {
	cpu.Resample2DAdjoint(dsrc.cpu, ddst.cpu, wy.cpu, wx.cpu, inH, inW, outH, outW, ch)
}
func (cpuBackend) adamW(p, g, m, v *storage, h kernels.AdamWHyper) {
	cpu.AdamW(p.cpu, g.cpu, m.cpu, v.cpu, h)
}
func (cpuBackend) ema(t, s *storage, momentum float64) { cpu.EMA(t.cpu, s.cpu, momentum) }
func (cpuBackend) copyAxis(dst *storage, dstN, dstOff int, src *storage, srcN, srcOff int, outer, count, inner int) {
	cpu.CopyAxis(dst.cpu, dstN, dstOff, src.cpu, srcN, srcOff, outer, count, inner)
}
func (cpuBackend) scaleCols(dst, x, g *storage, rows, cols int) {
	cpu.ScaleCols(dst.cpu, x.cpu, g.cpu, rows, cols)
}
func (cpuBackend) mulSumRows(dst, a, b *storage, rows, cols int) {
	cpu.MulSumRows(dst.cpu, a.cpu, b.cpu, rows, cols)
}
func (cpuBackend) selectRows(dst, x, row *storage, mask []int32, rows, cols int) {
	cpu.SelectRows(dst.cpu, x.cpu, row.cpu, mask, rows, cols)
}
func (cpuBackend) maskedSumRows(dst, x *storage, mask []int32, rows, cols int) {
	cpu.MaskedSumRows(dst.cpu, x.cpu, mask, rows, cols)
}
func (cpuBackend) centeredSoftmax(q, z, c *storage, rows, cols int, temp float64) {
	cpu.CenteredSoftmax(q.cpu, z.cpu, c.cpu, rows, cols, temp)
}
func (cpuBackend) sinkhornKnopp(q, z *storage, rows, cols int, temp float64, iters int) {
	cpu.SinkhornKnopp(q.cpu, z.cpu, rows, cols, temp, iters)
}
func (cpuBackend) koLeo(loss, nn, x *storage, rows, cols int) {
	cpu.KoLeo(loss.cpu, nn.cpu, x.cpu, rows, cols)
}
func (cpuBackend) koLeoBackward(dx, dloss, x, nn *storage, rows, cols int) {
	cpu.KoLeoBackward(dx.cpu, dloss.cpu, x.cpu, nn.cpu, rows, cols)
}
func (cpuBackend) bceWithLogits(loss, x, y, w *storage) {
	cpu.BCEWithLogits(loss.cpu, x.cpu, y.cpu, w.cpu)
}
func (cpuBackend) bceWithLogitsBackward(dx, dloss, x, y, w *storage) {
	cpu.BCEWithLogitsBackward(dx.cpu, dloss.cpu, x.cpu, y.cpu, w.cpu)
}
func (cpuBackend) softDice(dice, p, t *storage, rows, cols int, eps float64) {
	cpu.SoftDice(dice.cpu, p.cpu, t.cpu, rows, cols, eps)
}
func (cpuBackend) softDiceBackward(dp, ddice, p, t *storage, rows, cols int, eps float64) {
	cpu.SoftDiceBackward(dp.cpu, ddice.cpu, p.cpu, t.cpu, rows, cols, eps)
}
func (cpuBackend) fusedAttention(hd int) bool { return true }
func (cpuBackend) flashAttention(p kernels.Attention, out, lse, q, k, v *storage) {
	cpu.FlashAttention(p, out.cpu, lse.cpu, q.cpu, k.cpu, v.cpu)
}
func (cpuBackend) flashAttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, out, lse *storage) {
	cpu.FlashAttentionBackward(p, dq.cpu, dk.cpu, dv.cpu, dout.cpu, q.cpu, k.cpu, v.cpu, out.cpu, lse.cpu)
}
