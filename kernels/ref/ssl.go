package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// CenteredSoftmax computes the DINO/iBOT teacher targets with a
// moving-average center (spec §4.1):
//
//	q[r,k] = softmax_k((z[r,k] − c[k]) / temp)
//
// with the row maximum subtracted first. The center is not updated here:
// the trainer folds the mean of the raw logits into c after the step
// (c ← m·c + (1−m)·mean_r z, applied lazily at the next call). No
// gradient: the teacher is a constant.
func CenteredSoftmax[T Float](q, z, c []T, rows, cols int, temp float64) {
	kernels.CheckRows("ref.CenteredSoftmax", "z", len(z), rows, cols)
	kernels.CheckLen("ref.CenteredSoftmax", "q", len(q), rows*cols)
	kernels.CheckLen("ref.CenteredSoftmax", "c", len(c), cols)
	row := make([]float64, cols)
	for r := 0; r < rows; r++ {
		mx := math.Inf(-1)
		for k := 0; k < cols; k++ {
			row[k] = (float64(z[r*cols+k]) - float64(c[k])) / temp
			mx = math.Max(mx, row[k])
		}
		var s float64
		for k := range row {
			row[k] = math.Exp(row[k] - mx)
			s += row[k]
		}
		for k := range row {
			q[r*cols+k] = T(row[k] / s)
		}
	}
}

// SinkhornKnopp computes teacher targets by iters rounds of Sinkhorn-Knopp
// normalisation (spec §4.3, single process):
//
//	Q = exp(z/temp − max)ᵀ (K×R); Q /= ΣQ
//	repeat iters: Q[k,:] /= Σ_r Q[k,r] · K;  Q[:,r] /= Σ_k Q[k,r] · R
//	Q *= R;  q = Qᵀ
//
// so each sample's targets sum to 1 and each prototype receives ≈ R/K of
// the mass. Subtracting one global maximum is exact (the first global
// normalisation removes it) and makes overflow impossible. DINOv2 runs
// this in float32; the reference runs in float64.
func SinkhornKnopp[T Float](q, z []T, rows, cols int, temp float64, iters int) {
	kernels.CheckRows("ref.SinkhornKnopp", "z", len(z), rows, cols)
	kernels.CheckLen("ref.SinkhornKnopp", "q", len(q), rows*cols)
	if iters < 0 {
		panic(fmt.Sprintf("ref.SinkhornKnopp: %d iterations", iters))
	}
	if rows == 0 || cols == 0 {
		return
	}
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, float64(v)/temp)
	}
	w := make([]float64, rows*cols) // w[r*cols+k] holds Q[k,r]
	var total float64
	for i, v := range z {
		w[i] = math.Exp(float64(v)/temp - mx)
		total += w[i]
	}
	for i := range w {
		w[i] /= total
	}
	colSum := make([]float64, cols)
	for it := 0; it < iters; it++ {
		clear(colSum)
		for r := 0; r < rows; r++ {
			for k := 0; k < cols; k++ {
				colSum[k] += w[r*cols+k]
			}
		}
		for r := 0; r < rows; r++ {
			var rs float64
			for k := 0; k < cols; k++ {
				w[r*cols+k] /= colSum[k] * float64(cols)
				rs += w[r*cols+k]
			}
			for k := 0; k < cols; k++ {
				w[r*cols+k] /= rs * float64(rows)
			}
		}
	}
	for i := range w {
		q[i] = T(w[i] * float64(rows))
	}
}

// KoLeo computes the Kozachenko-Leonenko entropy regulariser of DINOv2
// (spec §3.6) on the rows of x (B×D):
//
//	y_i = x_i / max(‖x_i‖, 1e-8)
//	nn(i) = argmax_{j≠i} y_i·y_j          (first index on ties)
//	d_i = ‖y_i − y_nn(i) + 1e-8‖          (eps added to every component)
//	loss = −(1/B) Σ_i log(d_i + 1e-8)
//
// It writes the loss to loss[0] and the neighbour indices to nn.
//
// Backward (KoLeoBackward), with u_i = y_i − y_nn(i) + 1e-8 and
// g_i = −dloss / (B·(d_i + 1e-8)·d_i):
//
//	dy_i += g_i·u_i,  dy_nn(i) −= g_i·u_i,  dx_i = (dy_i − y_i (y_i·dy_i)) / ‖x_i‖
//
// (the last through the normalisation; dy_i/1e-8 when ‖x_i‖ ≤ 1e-8).
func KoLeo[T Float](loss []T, nn []int32, x []T, rows, cols int) {
	kernels.CheckRows("ref.KoLeo", "x", len(x), rows, cols)
	kernels.CheckLen("ref.KoLeo", "loss", len(loss), 1)
	kernels.CheckLen("ref.KoLeo", "nn", len(nn), rows)
	y, _ := koleoNormalize(x, rows, cols)
	var s float64
	for i := 0; i < rows; i++ {
		best, bj := math.Inf(-1), -1
		for j := 0; j < rows; j++ {
			if j == i {
				continue
			}
			var dot float64
			for k := 0; k < cols; k++ {
				dot += y[i*cols+k] * y[j*cols+k]
			}
			if dot > best {
				best, bj = dot, j
			}
		}
		if bj < 0 { // a single row has no neighbour: PyTorch picks itself (S[i,i] = −1 is the max)
			bj = i
		}
		nn[i] = int32(bj)
		var d float64
		for k := 0; k < cols; k++ {
			u := y[i*cols+k] - y[bj*cols+k] + 1e-8
			d += u * u
		}
		s += math.Log(math.Sqrt(d) + 1e-8)
	}
	loss[0] = T(-s / float64(rows))
}

// KoLeoBackward returns dx for KoLeo given the scalar loss gradient and the
// neighbour indices of the forward (see KoLeo for the math).
func KoLeoBackward[T Float](dx []T, dloss float64, x []T, nn []int32, rows, cols int) {
	kernels.CheckRows("ref.KoLeoBackward", "x", len(x), rows, cols)
	kernels.CheckLen("ref.KoLeoBackward", "dx", len(dx), rows*cols)
	kernels.CheckLen("ref.KoLeoBackward", "nn", len(nn), rows)
	y, norm := koleoNormalize(x, rows, cols)
	dy := make([]float64, rows*cols)
	u := make([]float64, cols)
	for i := 0; i < rows; i++ {
		j := int(nn[i])
		var d float64
		for k := 0; k < cols; k++ {
			u[k] = y[i*cols+k] - y[j*cols+k] + 1e-8
			d += u[k] * u[k]
		}
		d = math.Sqrt(d)
		if d == 0 {
			continue
		}
		g := -dloss / (float64(rows) * (d + 1e-8) * d)
		for k := 0; k < cols; k++ {
			dy[i*cols+k] += g * u[k]
			dy[j*cols+k] -= g * u[k]
		}
	}
	for i := 0; i < rows; i++ {
		n := norm[i]
		if n <= 1e-8 {
			for k := 0; k < cols; k++ {
				dx[i*cols+k] = T(dy[i*cols+k] / 1e-8)
			}
			continue
		}
		var dot float64
		for k := 0; k < cols; k++ {
			dot += y[i*cols+k] * dy[i*cols+k]
		}
		for k := 0; k < cols; k++ {
			dx[i*cols+k] = T((dy[i*cols+k] - y[i*cols+k]*dot) / n)
		}
	}
}

func koleoNormalize[T Float](x []T, rows, cols int) (y, norm []float64) {
	y = make([]float64, rows*cols)
	norm = make([]float64, rows)
	for i := 0; i < rows; i++ {
		var s float64
		for k := 0; k < cols; k++ {
			v := float64(x[i*cols+k])
			s += v * v
		}
		norm[i] = math.Sqrt(s)
		den := math.Max(norm[i], 1e-8)
		for k := 0; k < cols; k++ {
			y[i*cols+k] = float64(x[i*cols+k]) / den
		}
	}
	return y, norm
}
