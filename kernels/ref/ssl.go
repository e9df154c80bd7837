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
//	nn(i) = argmax_{j≠i} y_i·y_j          (first index on ties; i when B = 1)
//	d_i = ‖y_i − y_nn(i) + 1e-8‖          (eps added to every component)
//	loss = −(1/B) Σ_i log(d_i + 1e-8)
//
// It writes the loss to loss[0] and the neighbour indices to nn, as exact
// integers in the element type (a float32 holds every index below 2²⁴), so
// that the indices can stay on a device in a float tensor between the
// forward and the backward.
//
// Backward (KoLeoBackward), with u_i = y_i − y_nn(i) + 1e-8 and
// g_i = −dloss / (B·(d_i + 1e-8)·d_i):
//
//	dy_i += g_i·u_i,  dy_nn(i) −= g_i·u_i,  dx_i = (dy_i − y_i (y_i·dy_i)) / ‖x_i‖
//
// (the last through the normalisation; dy_i/1e-8 when ‖x_i‖ ≤ 1e-8).
func KoLeo[T Float](loss, nn, x []T, rows, cols int) {
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
		nn[i] = T(bj)
		var d float64
		for k := 0; k < cols; k++ {
			u := y[i*cols+k] - y[bj*cols+k] + 1e-8
			d += u * u
		}
		s += math.Log(math.Sqrt(d) + 1e-8)
	}
	loss[0] = T(-s / float64(rows))
}

// KoLeoBackward returns dx for KoLeo given the loss gradient dloss (one
// element) and the neighbour indices nn of the forward (see KoLeo for the
// math). An nn value that is not an integer in [0, B) panics.
func KoLeoBackward[T Float](dx, dloss, x, nn []T, rows, cols int) {
	const op = "ref.KoLeoBackward"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dx", len(dx), rows*cols)
	kernels.CheckLen(op, "dloss", len(dloss), 1)
	kernels.CheckLen(op, "nn", len(nn), rows)
	idx := koleoIndices(op, nn, rows)
	dl := float64(dloss[0])
	y, norm := koleoNormalize(x, rows, cols)
	dy := make([]float64, rows*cols)
	u := make([]float64, cols)
	for i := 0; i < rows; i++ {
		j := idx[i]
		var d float64
		for k := 0; k < cols; k++ {
			u[k] = y[i*cols+k] - y[j*cols+k] + 1e-8
			d += u[k] * u[k]
		}
		d = math.Sqrt(d)
		if d == 0 {
			continue
		}
		g := -dl / (float64(rows) * (d + 1e-8) * d)
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

// koleoIndices converts the neighbour indices stored as floats to ints,
// panicking (naming op) on a value that is not an integer in [0, rows).
func koleoIndices[T Float](op string, nn []T, rows int) []int {
	idx := make([]int, len(nn))
	for i, v := range nn {
		f := float64(v)
		if !(f >= 0 && f < float64(rows)) || f != math.Trunc(f) {
			panic(fmt.Sprintf("%s: nn[%d]=%v is not a row index in [0,%d)", op, i, f, rows))
		}
		idx[i] = int(f)
	}
	return idx
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
