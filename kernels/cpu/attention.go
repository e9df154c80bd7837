package cpu

import (
	"sync"

	"github.com/gocx/gocx/kernels"
)

// Attention computes scaled dot-product attention for p.BH independent
// (batch×head) problems, as ref.Attention. For each problem, with Q
// (SQ×HD), K and V (SK×HD):
//
//	S = scale·Q·Kᵀ                      (SQ×SK)
//	P = softmax(S) row by row           (written to probs for the backward)
//	out = P·V                           (SQ×HD)
//
// There is no mask and no dropout. Each problem is two Gemm calls with
// Softmax between them; problems run in parallel (each goroutine a share
// of the heads, its GEMMs single-threaded), so a head's scores are still
// in cache when its softmax and P·V read them. With fewer heads than
// threads the heads run one after another and each GEMM uses every thread
// instead. The backward is AttentionBackward.
func Attention(p kernels.Attention, out, probs, q, k, v []float32) {
	p.Check("cpu.Attention", len(q), len(k), len(v), len(out), len(probs))
	if p.BH == 0 || p.SQ == 0 {
		return
	}
	scores := kernels.Gemm{M: p.SQ, N: p.SK, K: p.HD, TransB: true, Alpha: p.Scale}
	mix := kernels.Gemm{M: p.SQ, N: p.HD, K: p.SK, Alpha: 1}
	head := func(h, threads int) {
		qh, kh, vh := q[h*p.SQ*p.HD:(h+1)*p.SQ*p.HD], k[h*p.SK*p.HD:(h+1)*p.SK*p.HD], v[h*p.SK*p.HD:(h+1)*p.SK*p.HD]
		ph, oh := probs[h*p.SQ*p.SK:(h+1)*p.SQ*p.SK], out[h*p.SQ*p.HD:(h+1)*p.SQ*p.HD]
		gemm("cpu.Attention", scores, qh, kh, ph, threads)
		Softmax(ph, ph, p.SQ, p.SK)
		gemm("cpu.Attention", mix, ph, vh, oh, threads)
	}
	forEachHead(p.BH, head)
}

// AttentionBackward computes the gradients of Attention from the output
// gradient dout, the inputs q, k, v and the saved probabilities P = probs,
// as ref.AttentionBackward. Per problem:
//
//	dV = Pᵀ·dO
//	dP = dO·Vᵀ
//	dS = P ⊙ (dP − rowsum(dP ⊙ P))      (softmax backward, row by row)
//	dQ = scale·dS·K
//	dK = scale·dSᵀ·Q
//
// dq, dk and dv are overwritten. Each problem is four Gemm calls and a row
// softmax backward, with dS in a pooled SQ×SK scratch buffer per goroutine.
func AttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, probs []float32) {
	const op = "cpu.AttentionBackward"
	p.Check(op, len(q), len(k), len(v), len(dout), len(probs))
	p.Check(op, len(dq), len(dk), len(dv), len(dout), -1)
	if p.BH == 0 || p.HD == 0 {
		return
	}
	sq, sk, hd := p.SQ, p.SK, p.HD
	dvG := kernels.Gemm{TransA: true, M: sk, N: hd, K: sq, Alpha: 1}       // Pᵀ·dO
	dpG := kernels.Gemm{M: sq, N: sk, K: hd, TransB: true, Alpha: 1}       // dO·Vᵀ
	dqG := kernels.Gemm{M: sq, N: hd, K: sk, Alpha: p.Scale}               // scale·dS·K
	dkG := kernels.Gemm{TransA: true, M: sk, N: hd, K: sq, Alpha: p.Scale} // scale·dSᵀ·Q
	head := func(h, threads int) {
		qo, ko, po := h*sq*hd, h*sk*hd, h*sq*sk
		qh, kh, vh := q[qo:qo+sq*hd], k[ko:ko+sk*hd], v[ko:ko+sk*hd]
		doh, ph := dout[qo:qo+sq*hd], probs[po:po+sq*sk]
		dqh, dkh, dvh := dq[qo:qo+sq*hd], dk[ko:ko+sk*hd], dv[ko:ko+sk*hd]
		scratch := getScratch(sq * sk)
		ds := (*scratch)[:sq*sk]
		gemm(op, dvG, ph, doh, dvh, threads)
		gemm(op, dpG, doh, vh, ds, threads)
		SoftmaxBackward(ds, ph, ds, sq, sk)
		gemm(op, dqG, ds, kh, dqh, threads)
		gemm(op, dkG, ds, qh, dkh, threads)
		scratchPool.Put(scratch)
	}
	forEachHead(p.BH, head)
}

// forEachHead runs head(h, threads) for every problem h < bh. With at
// least as many problems as threads each goroutine takes a share of the
// problems and runs them single-threaded; otherwise the problems run in
// turn, each using every thread.
func forEachHead(bh int, head func(h, threads int)) {
	if t := Threads(); bh < t {
		for h := 0; h < bh; h++ {
			head(h, t)
		}
		return
	}
	parallelFor(bh, 1, func(lo, hi int) {
		for h := lo; h < hi; h++ {
			head(h, 1)
		}
	})
}

// scratchPool holds the per-goroutine dS buffers of AttentionBackward.
var scratchPool sync.Pool

func getScratch(n int) *[]float32 {
	s, _ := scratchPool.Get().(*[]float32)
	if s == nil || cap(*s) < n {
		b := make([]float32, n)
		s = &b
	}
	return s
}
