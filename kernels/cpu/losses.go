package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// SoftCrossEntropy computes the cross-entropy of soft targets t against
// the tempered student distribution, row by row (the DINO / iBOT loss):
//
//	z = s[r,:]/temp,  m = max_k z_k,  lse = m + log Σ_k e^{z_k − m}
//	loss[r] = −Σ_k t[r,k]·(z_k − lse) = lse·Σ_k t[r,k] − Σ_k t[r,k]·z_k.
//
// Backward: SoftCrossEntropyBackward (no gradient to t, the teacher).
//
// One pass over each row, in runs of sumRun columns. The max is taken on s
// (temp > 0 keeps the order) and the exponent is formed as
// (s − max s)·(1/temp), so its rounding is relative to the distance from
// the max rather than to |s/temp| (which reaches the hundreds at DINO's
// temperatures). A run's exp-sum is float32 and joins a float64 running
// sum, rescaled online when the run raises the max; Σt and Σt·s are
// float64 sums (the products of two float32 are exact in float64). Then
//
//	loss = (Σt·max s − Σt·s)/temp + Σt·log Σ_k e^{(s_k − max s)/temp}.
//
// Rows run in parallel.
func SoftCrossEntropy(loss, t, s []float32, rows, cols int, temp float64) {
	const op = "cpu.SoftCrossEntropy"
	kernels.CheckRows(op, "s", len(s), rows, cols)
	kernels.CheckLen(op, "t", len(t), rows*cols)
	kernels.CheckLen(op, "loss", len(loss), rows)
	invT := float32(1 / temp)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := r * cols
			sr, tr := s[o:o+cols], t[o:o+cols]
			var tsum, tdot float64
			m, sum := float32(math.Inf(-1)), 0.0
			for b := 0; b < cols; b += sumRun {
				e := min(b+sumRun, cols)
				ts, td := sumDot64(tr[b:e], sr[b:e])
				tsum += ts
				tdot += td
				m, sum = onlineExpSum(sr[b:e], m, sum, invT)
			}
			loss[r] = float32((tsum*float64(m)-tdot)/temp + tsum*math.Log(sum))
		}
	})
}

// SoftCrossEntropyBackward computes the gradient of SoftCrossEntropy with
// respect to s, given dloss:
//
//	ds[r,k] = dloss[r]·(softmax(s[r,:]/temp)_k·Σ_j t[r,j] − t[r,k]) / temp.
//
// Two passes per row: the max and exp-sum S as in the forward, then
// ds = (dloss/temp)·(e^{(s−max s)/temp}·(Σt/S) − t). ds may be s or t.
func SoftCrossEntropyBackward(ds, dloss, t, s []float32, rows, cols int, temp float64) {
	const op = "cpu.SoftCrossEntropyBackward"
	kernels.CheckRows(op, "s", len(s), rows, cols)
	kernels.CheckLen(op, "t", len(t), rows*cols)
	kernels.CheckLen(op, "ds", len(ds), rows*cols)
	kernels.CheckLen(op, "dloss", len(dloss), rows)
	invT := float32(1 / temp)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		var p [sumRun]float32 // e^{(s−max)/temp} of one run: ds may alias s
		for r := lo; r < hi; r++ {
			o := r * cols
			sr, tr, dr := s[o:o+cols], t[o:o+cols], ds[o:o+cols]
			var tsum float64
			m, sum := float32(math.Inf(-1)), 0.0
			for b := 0; b < cols; b += sumRun {
				e := min(b+sumRun, cols)
				ts, _ := sumDot64(tr[b:e], nil)
				tsum += ts
				m, sum = onlineExpSum(sr[b:e], m, sum, invT)
			}
			c := float64(dloss[r]) / temp
			a, ct := float32(c*tsum/sum), float32(c)
			for b := 0; b < cols; b += sumRun {
				e := min(b+sumRun, cols)
				pb := p[:e-b]
				expShiftSum(pb, sr[b:e], m, invT)
				for k, v := range pb {
					dr[b+k] = a*v - ct*tr[b+k]
				}
			}
		}
	})
}

// onlineExpSum folds one run of scores into a running (max m, float64
// Σ e^{(s−m)·invT}): when the run raises the max, the old sum is rescaled
// by e^{(m_old−m_new)·invT} (0 while m is still −Inf).
func onlineExpSum(s []float32, m float32, sum float64, invT float32) (float32, float64) {
	if bm := rowMax(s); bm > m {
		sum *= math.Exp((float64(m) - float64(bm)) * float64(invT))
		m = bm
	}
	return m, sum + float64(sumExpShift(s, m, invT))
}

// sumDot64 returns Σ t[i] and, when s is not nil, Σ t[i]·s[i], both in
// float64 (four accumulators each).
func sumDot64(t, s []float32) (sum, dot float64) {
	var a [4]float64
	if s == nil {
		for i, v := range t {
			a[i&3] += float64(v)
		}
		return (a[0] + a[1]) + (a[2] + a[3]), 0
	}
	s = s[:len(t)]
	var d [4]float64
	for i, v := range t {
		a[i&3] += float64(v)
		d[i&3] += float64(v) * float64(s[i])
	}
	return (a[0] + a[1]) + (a[2] + a[3]), (d[0] + d[1]) + (d[2] + d[3])
}
