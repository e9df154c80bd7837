package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// SoftCrossEntropy computes, for each row r of rows×cols score and target
// matrices, the cross-entropy of a soft target t against the tempered
// student distribution (the DINO / iBOT loss term):
//
//	loss[r] = −Σ_k t[r,k]·log_softmax(s[r,:]/temp)_k.
//
// t need not sum to one (the backward keeps Σ_j t[r,j]). The backward is
// SoftCrossEntropyBackward; t gets no gradient.
func SoftCrossEntropy[T Float](loss, t, s []T, rows, cols int, temp float64) {
	const op = "ref.SoftCrossEntropy"
	kernels.CheckRows(op, "s", len(s), rows, cols)
	kernels.CheckRows(op, "t", len(t), rows, cols)
	kernels.CheckLen(op, "loss", len(loss), rows)
	z := make([]float64, cols)
	for r := range rows {
		lse := temperedLogSumExp(z, s[r*cols:(r+1)*cols], temp)
		var l float64
		for k := range cols {
			l -= float64(t[r*cols+k]) * (z[k] - lse)
		}
		loss[r] = T(l)
	}
}

// temperedLogSumExp sets z[k] = s[k]/temp and returns log Σ_k e^{z[k]},
// computed with the maximum subtracted.
func temperedLogSumExp[T Float](z []float64, s []T, temp float64) float64 {
	m := math.Inf(-1)
	for k, v := range s {
		z[k] = float64(v) / temp
		m = max(m, z[k])
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(v - m)
	}
	return m + math.Log(sum)
}

// SoftCrossEntropyBackward computes the gradient of SoftCrossEntropy with
// respect to the scores s, given the per-row loss gradient dloss:
//
//	ds[r,k] = dloss[r]·(softmax(s[r,:]/temp)_k·Σ_j t[r,j] − t[r,k]) / temp.
//
// The target t is a constant (the teacher) and receives no gradient.
func SoftCrossEntropyBackward[T Float](ds, dloss, t, s []T, rows, cols int, temp float64) {
	const op = "ref.SoftCrossEntropyBackward"
	kernels.CheckRows(op, "ds", len(ds), rows, cols)
	kernels.CheckRows(op, "s", len(s), rows, cols)
	kernels.CheckRows(op, "t", len(t), rows, cols)
	kernels.CheckLen(op, "dloss", len(dloss), rows)
	z := make([]float64, cols)
	for r := range rows {
		o := r * cols
		lse := temperedLogSumExp(z, s[o:o+cols], temp)
		var tsum float64
		for k := range cols {
			tsum += float64(t[o+k])
		}
		scale := float64(dloss[r]) / temp
		for k := range cols {
			ds[o+k] = T(scale * (math.Exp(z[k]-lse)*tsum - float64(t[o+k])))
		}
	}
}
