package cpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// CenteredSoftmax computes the teacher targets with a moving-average
// center: q[r,k] = softmax_k((z[r,k] − c[k]) / temp), the row maximum
// subtracted first (spec §4.1). One pass builds the shifted row in q,
// the vectorised exp runs in place, one more pass normalises; rows run in
// parallel. The teacher is a constant: there is no backward.
func CenteredSoftmax(q, z, c []float32, rows, cols int, temp float64) {
	kernels.CheckRows("cpu.CenteredSoftmax", "z", len(z), rows, cols)
	kernels.CheckLen("cpu.CenteredSoftmax", "q", len(q), rows*cols)
	kernels.CheckLen("cpu.CenteredSoftmax", "c", len(c), cols)
	inv := float32(1 / temp)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			qr, zr := q[r*cols:(r+1)*cols], z[r*cols:(r+1)*cols]
			mx := float32(math.Inf(-1))
			for k := range qr {
				qr[k] = (zr[k] - c[k]) * inv
				mx = max(mx, qr[k])
			}
			for k := range qr {
				qr[k] -= mx
			}
			expRow(qr, qr)
			var s float64
			for _, v := range qr {
				s += float64(v)
			}
			is := float32(1 / s)
			for k := range qr {
				qr[k] *= is
			}
		}
	})
}

// SinkhornKnopp computes teacher targets by iters rounds of Sinkhorn-Knopp
// normalisation (spec §4.3): Q = exp(z/temp − max), Q /= ΣQ, then per
// round each prototype (column of z's layout) is scaled to mass 1/K and
// each sample (row) to mass 1/R; finally rows are scaled to sum to 1.
// Subtracting the one global maximum is exact. Values are float32 as in
// DINOv2; the column and row sums accumulate in float64 in a fixed order,
// so the result does not depend on the thread count.
func SinkhornKnopp(q, z []float32, rows, cols int, temp float64, iters int) {
	kernels.CheckRows("cpu.SinkhornKnopp", "z", len(z), rows, cols)
	kernels.CheckLen("cpu.SinkhornKnopp", "q", len(q), rows*cols)
	if iters < 0 {
		panic(fmt.Sprintf("cpu.SinkhornKnopp: %d iterations", iters))
	}
	if rows == 0 || cols == 0 {
		return
	}
	inv := float32(1 / temp)
	mx := float32(math.Inf(-1))
	for _, v := range z {
		mx = max(mx, v*inv)
	}
	rowSum := make([]float64, rows)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			qr, zr := q[r*cols:(r+1)*cols], z[r*cols:(r+1)*cols]
			for k := range qr {
				qr[k] = zr[k]*inv - mx
			}
			expRow(qr, qr)
			rowSum[r] = sum64(qr)
		}
	})
	var total float64
	for _, s := range rowSum {
		total += s
	}
	scaleAll(q, float32(1/total))
	colSum := make([]float64, cols)
	for it := 0; it < iters; it++ {
		// Column (prototype) sums, split over columns: one owner per sum.
		parallelFor(cols, 256, func(lo, hi int) {
			acc := colSum[lo:hi]
			clear(acc)
			for r := 0; r < rows; r++ {
				qr := q[r*cols+lo : r*cols+hi]
				for k, v := range qr {
					acc[k] += float64(v)
				}
			}
		})
		scale := make([]float32, cols)
		for k, s := range colSum {
			scale[k] = float32(1 / (s * float64(cols)))
		}
		parallelFor(rows, rowChunk(cols), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				qr := q[r*cols : (r+1)*cols]
				var s float64
				for k := range qr {
					qr[k] *= scale[k]
					s += float64(qr[k])
				}
				is := float32(1 / (s * float64(rows)))
				for k := range qr {
					qr[k] *= is
				}
			}
		})
	}
	scaleAll(q, float32(rows))
}

func sum64(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func scaleAll(x []float32, s float32) {
	parallelFor(len(x), elemChunk, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i] *= s
		}
	})
}

// KoLeo computes DINOv2's Kozachenko-Leonenko regulariser on the rows of
// x (B×D) (spec §3.6): rows L2-normalised (eps 1e-8), each row's nearest
// neighbour by cosine (excluding itself, first index on ties; itself when
// B = 1), distance d_i = ‖y_i − y_nn(i) + 1e-8‖, loss = −mean log(d_i +
// 1e-8). It writes the loss to loss[0] and the neighbour indices to nn as
// exact integers in float32 (the tensor layer keeps them in a float tensor
// on the device, like the GPU kernel). The similarity matrix is one Gemm;
// everything else is O(B·D). Backward: KoLeoBackward.
func KoLeo(loss, nn, x []float32, rows, cols int) {
	kernels.CheckRows("cpu.KoLeo", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.KoLeo", "loss", len(loss), 1)
	kernels.CheckLen("cpu.KoLeo", "nn", len(nn), rows)
	y, _ := koleoNormalize(x, rows, cols)
	sim := make([]float32, rows*rows)
	Gemm(kernels.Gemm{TransB: true, M: rows, N: rows, K: cols, Alpha: 1}, y, y, sim)
	var s float64
	for i := 0; i < rows; i++ {
		best, bj := float32(math.Inf(-1)), i
		for j, v := range sim[i*rows : (i+1)*rows] {
			if j != i && v > best {
				best, bj = v, j
			}
		}
		nn[i] = float32(bj)
		s += math.Log(koleoDist(y, i, bj, cols, nil) + 1e-8)
	}
	loss[0] = float32(-s / float64(rows))
}

// KoLeoBackward returns dx for KoLeo given the loss gradient dloss (one
// element) and the forward's neighbour indices nn: with
// u_i = y_i − y_nn(i) + 1e-8 and g_i = −dloss/(B·(d_i+1e-8)·d_i),
// dy_i += g_i·u_i, dy_nn(i) −= g_i·u_i, then
// dx_i = (dy_i − y_i·(y_i·dy_i))/‖x_i‖ through the normalisation (dy_i/1e-8
// when ‖x_i‖ ≤ 1e-8). An nn value that is not an integer in [0, B) is a bug
// upstream and panics.
func KoLeoBackward(dx, dloss, x, nn []float32, rows, cols int) {
	const op = "cpu.KoLeoBackward"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dx", len(dx), rows*cols)
	kernels.CheckLen(op, "dloss", len(dloss), 1)
	kernels.CheckLen(op, "nn", len(nn), rows)
	idx := koleoIndices(op, nn, rows)
	dl := float64(dloss[0])
	y, norm := koleoNormalize(x, rows, cols)
	dy := make([]float64, rows*cols)
	u := make([]float64, cols)
	for i, j := range idx {
		d := koleoDist(y, i, j, cols, u)
		if d == 0 {
			continue
		}
		g := -dl / (float64(rows) * (d + 1e-8) * d)
		for k, uk := range u {
			dy[i*cols+k] += g * uk
			dy[j*cols+k] -= g * uk
		}
	}
	for i := 0; i < rows; i++ {
		yi, dyi := y[i*cols:(i+1)*cols], dy[i*cols:(i+1)*cols]
		if norm[i] <= 1e-8 {
			for k, v := range dyi {
				dx[i*cols+k] = float32(v / 1e-8)
			}
			continue
		}
		var dot float64
		for k, v := range dyi {
			dot += float64(yi[k]) * v
		}
		for k, v := range dyi {
			dx[i*cols+k] = float32((v - float64(yi[k])*dot) / norm[i])
		}
	}
}

// koleoIndices converts the neighbour indices stored as floats to ints,
// panicking (naming op) on a value that is not an integer in [0, rows).
func koleoIndices(op string, nn []float32, rows int) []int {
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

// koleoNormalize returns the rows of x divided by max(‖x‖, 1e-8) and the
// norms.
func koleoNormalize(x []float32, rows, cols int) (y []float32, norm []float64) {
	y = make([]float32, rows*cols)
	norm = make([]float64, rows)
	for i := 0; i < rows; i++ {
		xr := x[i*cols : (i+1)*cols]
		var s float64
		for _, v := range xr {
			s += float64(v) * float64(v)
		}
		norm[i] = math.Sqrt(s)
		inv := 1 / math.Max(norm[i], 1e-8)
		for k, v := range xr {
			y[i*cols+k] = float32(float64(v) * inv)
		}
	}
	return y, norm
}

// koleoDist returns ‖y_i − y_j + 1e-8‖, storing the difference in u when
// u is not nil.
func koleoDist(y []float32, i, j, cols int, u []float64) float64 {
	var d float64
	for k := 0; k < cols; k++ {
		v := float64(y[i*cols+k]) - float64(y[j*cols+k]) + 1e-8
		if u != nil {
			u[k] = v
		}
		d += v * v
	}
	return math.Sqrt(d)
}
