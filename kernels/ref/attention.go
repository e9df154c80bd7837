package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Attention computes scaled dot-product attention for p.BH independent
// (batch×head) problems. For each problem, with Q (SQ×HD), K and V (SK×HD):
//
//	S = scale·Q·Kᵀ                      (SQ×SK)
//	P = softmax(S) row by row           (saved in probs for the backward)
//	out = P·V                           (SQ×HD)
//
// There is no mask and no dropout. Scores and probabilities are kept in
// float64 inside a problem, so only probs and out are rounded to T. The
// backward is AttentionBackward.
func Attention[T Float](p kernels.Attention, out, probs, q, k, v []T) {
	p.Check("ref.Attention", len(q), len(k), len(v), len(out), len(probs))
	sq, sk, hd := p.SQ, p.SK, p.HD
	s := make([]float64, sk)
	for b := range p.BH {
		qb, kb, vb := q[b*sq*hd:], k[b*sk*hd:], v[b*sk*hd:]
		for i := range sq {
			m := math.Inf(-1)
			for j := range sk {
				var dot float64
				for d := range hd {
					dot += float64(qb[i*hd+d]) * float64(kb[j*hd+d])
				}
				s[j] = p.Scale * dot
				m = max(m, s[j])
			}
			var sum float64
			for j := range sk {
				s[j] = math.Exp(s[j] - m)
				sum += s[j]
			}
			for j := range sk {
				s[j] /= sum
				probs[(b*sq+i)*sk+j] = T(s[j])
			}
			for d := range hd {
				var acc float64
				for j := range sk {
					acc += s[j] * float64(vb[j*hd+d])
				}
				out[(b*sq+i)*hd+d] = T(acc)
			}
		}
	}
}

// AttentionBackward computes the gradients of Attention from the output
// gradient dout, the inputs q, k, v and the saved probabilities P = probs.
// Per problem:
//
//	dV = Pᵀ·dO
//	dP = dO·Vᵀ
//	dS = P ⊙ (dP − rowsum(dP ⊙ P))      (softmax backward, row by row)
//	dQ = scale·dS·K
//	dK = scale·dSᵀ·Q
//
// dq, dk and dv are overwritten.
func AttentionBackward[T Float](p kernels.Attention, dq, dk, dv, dout, q, k, v, probs []T) {
	const op = "ref.AttentionBackward"
	p.Check(op, len(q), len(k), len(v), len(dout), len(probs))
	p.Check(op, len(dq), len(dk), len(dv), len(dout), -1)
	sq, sk, hd := p.SQ, p.SK, p.HD
	ds := make([]float64, sq*sk)
	acc := make([]float64, sk*hd)
	for b := range p.BH {
		qo, ko, po := b*sq*hd, b*sk*hd, b*sq*sk
		// dV = Pᵀ·dO
		clear(acc)
		for i := range sq {
			for j := range sk {
				pij := float64(probs[po+i*sk+j])
				for d := range hd {
					acc[j*hd+d] += pij * float64(dout[qo+i*hd+d])
				}
			}
		}
		for x := range sk * hd {
			dv[ko+x] = T(acc[x])
		}
		// dS = P ⊙ (dP − rowsum(dP ⊙ P)) with dP = dO·Vᵀ
		for i := range sq {
			var rowDot float64
			for j := range sk {
				var dp float64
				for d := range hd {
					dp += float64(dout[qo+i*hd+d]) * float64(v[ko+j*hd+d])
				}
				ds[i*sk+j] = dp
				rowDot += dp * float64(probs[po+i*sk+j])
			}
			for j := range sk {
				ds[i*sk+j] = float64(probs[po+i*sk+j]) * (ds[i*sk+j] - rowDot)
			}
		}
		// dQ = scale·dS·K
		for i := range sq {
			for d := range hd {
				var s float64
				for j := range sk {
					s += ds[i*sk+j] * float64(k[ko+j*hd+d])
				}
				dq[qo+i*hd+d] = T(p.Scale * s)
			}
		}
		// dK = scale·dSᵀ·Q
		for j := range sk {
			for d := range hd {
				var s float64
				for i := range sq {
					s += ds[i*sk+j] * float64(q[qo+i*hd+d])
				}
				dk[ko+j*hd+d] = T(p.Scale * s)
			}
		}
	}
}
