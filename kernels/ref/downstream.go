package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// BCEWithLogits is the weighted binary cross-entropy of logits x against
// targets y in [0, 1], elementwise, in the overflow-free form PyTorch uses:
//
//	loss_i = w_i·(max(x_i, 0) − x_i·y_i + log(1 + e^{−|x_i|}))
//
// A weight of 0 masks a missing label. Backward:
//
//	dx_i = dloss_i · w_i · (σ(x_i) − y_i)
func BCEWithLogits[T Float](loss, x, y, w []T) {
	n := len(x)
	kernels.CheckLen("ref.BCEWithLogits", "loss", len(loss), n)
	kernels.CheckLen("ref.BCEWithLogits", "y", len(y), n)
	kernels.CheckLen("ref.BCEWithLogits", "w", len(w), n)
	for i := range x {
		xv, yv := float64(x[i]), float64(y[i])
		loss[i] = T(float64(w[i]) * (math.Max(xv, 0) - xv*yv + math.Log1p(math.Exp(-math.Abs(xv)))))
	}
}

// BCEWithLogitsBackward returns dx_i = dloss_i·w_i·(σ(x_i) − y_i).
func BCEWithLogitsBackward[T Float](dx, dloss, x, y, w []T) {
	n := len(x)
	kernels.CheckLen("ref.BCEWithLogitsBackward", "dx", len(dx), n)
	kernels.CheckLen("ref.BCEWithLogitsBackward", "dloss", len(dloss), n)
	kernels.CheckLen("ref.BCEWithLogitsBackward", "y", len(y), n)
	kernels.CheckLen("ref.BCEWithLogitsBackward", "w", len(w), n)
	for i := range x {
		s := 1 / (1 + math.Exp(-float64(x[i])))
		dx[i] = T(float64(dloss[i]) * float64(w[i]) * (s - float64(y[i])))
	}
}

// SoftDice computes per-row soft Dice coefficients of probabilities p
// against targets t (rows = image×class, cols = pixels), as the
// segmentation loss of CXformer (spec §9.4):
//
//	dice_r = (2·Σ_j p_rj·t_rj + eps) / (Σ_j p_rj + Σ_j t_rj + eps)
//
// Backward, with I = Σ p·t and S = Σp + Σt + eps:
//
//	dp_rj = ddice_r · (2·t_rj·S − (2I + eps)) / S²
func SoftDice[T Float](dice, p, t []T, rows, cols int, eps float64) {
	kernels.CheckRows("ref.SoftDice", "p", len(p), rows, cols)
	kernels.CheckLen("ref.SoftDice", "t", len(t), rows*cols)
	kernels.CheckLen("ref.SoftDice", "dice", len(dice), rows)
	for r := 0; r < rows; r++ {
		var inter, sum float64
		for j := 0; j < cols; j++ {
			pv, tv := float64(p[r*cols+j]), float64(t[r*cols+j])
			inter += pv * tv
			sum += pv + tv
		}
		dice[r] = T((2*inter + eps) / (sum + eps))
	}
}

// SoftDiceBackward returns dp for SoftDice given the per-row gradient.
func SoftDiceBackward[T Float](dp, ddice, p, t []T, rows, cols int, eps float64) {
	kernels.CheckRows("ref.SoftDiceBackward", "p", len(p), rows, cols)
	kernels.CheckLen("ref.SoftDiceBackward", "t", len(t), rows*cols)
	kernels.CheckLen("ref.SoftDiceBackward", "dp", len(dp), rows*cols)
	kernels.CheckLen("ref.SoftDiceBackward", "ddice", len(ddice), rows)
	for r := 0; r < rows; r++ {
		var inter, sum float64
		for j := 0; j < cols; j++ {
			pv, tv := float64(p[r*cols+j]), float64(t[r*cols+j])
			inter += pv * tv
			sum += pv + tv
		}
		s := sum + eps
		for j := 0; j < cols; j++ {
			dp[r*cols+j] = T(float64(ddice[r]) * (2*float64(t[r*cols+j])*s - (2*inter + eps)) / (s * s))
		}
	}
}

// BilinearMatrix is the out×in row-major matrix of PyTorch's bilinear
// interpolation with align_corners=false and no antialias (the
// segmentation head's upsampling, spec §9.4): for output i,
//
//	src = max((i + 0.5)·in/out − 0.5, 0),  i0 = ⌊src⌋,  i1 = min(i0+1, in−1),
//	λ = src − i0,  W[i, i0] += 1−λ,  W[i, i1] += λ.
func BilinearMatrix(out, in int) []float64 {
	w := make([]float64, out*in)
	scale := float64(in) / float64(out)
	for i := 0; i < out; i++ {
		src := math.Max((float64(i)+0.5)*scale-0.5, 0)
		i0 := min(int(src), in-1)
		i1 := min(i0+1, in-1)
		l := src - float64(i0)
		w[i*in+i0] += 1 - l
		w[i*in+i1] += l
	}
	return w
}
