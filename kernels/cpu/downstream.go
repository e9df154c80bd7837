package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// BCEWithLogits is the weighted binary cross-entropy of logits against
// targets, elementwise, in PyTorch's overflow-free form:
//
//	loss_i = w_i·(max(x_i, 0) − x_i·y_i + log(1 + e^{−|x_i|}))
//
// (w_i = 0 masks a missing label). Backward: BCEWithLogitsBackward,
// dx_i = dloss_i·w_i·(σ(x_i) − y_i).
func BCEWithLogits(loss, x, y, w []float32) {
	n := len(x)
	kernels.CheckLen("cpu.BCEWithLogits", "loss", len(loss), n)
	kernels.CheckLen("cpu.BCEWithLogits", "y", len(y), n)
	kernels.CheckLen("cpu.BCEWithLogits", "w", len(w), n)
	parallelFor(n, elemChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xv := float64(x[i])
			loss[i] = float32(float64(w[i]) * (math.Max(xv, 0) - xv*float64(y[i]) + math.Log1p(math.Exp(-math.Abs(xv)))))
		}
	})
}

// BCEWithLogitsBackward returns dx_i = dloss_i·w_i·(σ(x_i) − y_i).
func BCEWithLogitsBackward(dx, dloss, x, y, w []float32) {
	n := len(x)
	kernels.CheckLen("cpu.BCEWithLogitsBackward", "dx", len(dx), n)
	kernels.CheckLen("cpu.BCEWithLogitsBackward", "dloss", len(dloss), n)
	kernels.CheckLen("cpu.BCEWithLogitsBackward", "y", len(y), n)
	kernels.CheckLen("cpu.BCEWithLogitsBackward", "w", len(w), n)
	parallelFor(n, elemChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := 1 / (1 + math.Exp(-float64(x[i])))
			dx[i] = float32(float64(dloss[i]) * float64(w[i]) * (s - float64(y[i])))
		}
	})
}

// SoftDice computes per-row soft Dice coefficients (rows = image×class,
// cols = pixels): dice_r = (2Σ p·t + eps)/(Σp + Σt + eps), sums in float64.
// Backward: SoftDiceBackward, dp = ddice·(2t·S − (2I + eps))/S² with
// I = Σ p·t and S = Σp + Σt + eps.
func SoftDice(dice, p, t []float32, rows, cols int, eps float64) {
	kernels.CheckRows("cpu.SoftDice", "p", len(p), rows, cols)
	kernels.CheckLen("cpu.SoftDice", "t", len(t), rows*cols)
	kernels.CheckLen("cpu.SoftDice", "dice", len(dice), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			inter, sum := diceSums(p[r*cols:(r+1)*cols], t[r*cols:(r+1)*cols])
			dice[r] = float32((2*inter + eps) / (sum + eps))
		}
	})
}

// SoftDiceBackward returns dp for SoftDice given the per-row gradient.
func SoftDiceBackward(dp, ddice, p, t []float32, rows, cols int, eps float64) {
	kernels.CheckRows("cpu.SoftDiceBackward", "p", len(p), rows, cols)
	kernels.CheckLen("cpu.SoftDiceBackward", "t", len(t), rows*cols)
	kernels.CheckLen("cpu.SoftDiceBackward", "dp", len(dp), rows*cols)
	kernels.CheckLen("cpu.SoftDiceBackward", "ddice", len(ddice), rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			pr, tr, dr := p[r*cols:(r+1)*cols], t[r*cols:(r+1)*cols], dp[r*cols:(r+1)*cols]
			inter, sum := diceSums(pr, tr)
			s := sum + eps
			a := float64(ddice[r]) * 2 / s
			b := float64(ddice[r]) * (2*inter + eps) / (s * s)
			for j := range dr {
				dr[j] = float32(a*float64(tr[j]) - b)
			}
		}
	})
}

func diceSums(p, t []float32) (inter, sum float64) {
	for j := range p {
		inter += float64(p[j]) * float64(t[j])
		sum += float64(p[j]) + float64(t[j])
	}
	return inter, sum
}
