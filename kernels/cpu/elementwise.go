package cpu

import "github.com/gocx/gocx/kernels"

// The elementwise kernels are plain Go loops split over goroutines in
// blocks of at least elemChunk elements; they are bound by memory
// bandwidth, which the compiler's scalar code already nearly saturates
// on one or two cores.

// AddBias adds a row vector to every row of a rows×cols matrix:
//
//	dst[r,c] = x[r,c] + bias[c].
//
// dst may be x. Backward: dx = dy, dbias = SumRows(dy).
func AddBias(dst, x, bias []float32, rows, cols int) {
	const op = "cpu.AddBias"
	kernels.CheckRows(op, "x", len(x), rows, cols)
	kernels.CheckLen(op, "dst", len(dst), rows*cols)
	kernels.CheckLen(op, "bias", len(bias), cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d, s := dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
			for c, b := range bias {
				d[c] = s[c] + b
			}
		}
	})
}

// Add computes dst = a + b elementwise. dst may be a or b.
//
// Backward: da = dy, db = dy.
func Add(dst, a, b []float32) {
	kernels.CheckLen("cpu.Add", "a", len(a), len(dst))
	kernels.CheckLen("cpu.Add", "b", len(b), len(dst))
	parallelFor(len(dst), elemChunk, func(lo, hi int) {
		d, x, y := dst[lo:hi], a[lo:hi], b[lo:hi]
		for i := range d {
			d[i] = x[i] + y[i]
		}
	})
}

// Mul computes dst = a ⊙ b elementwise. dst may be a or b.
//
// Backward: da = dy ⊙ b, db = dy ⊙ a (two more Mul calls).
func Mul(dst, a, b []float32) {
	kernels.CheckLen("cpu.Mul", "a", len(a), len(dst))
	kernels.CheckLen("cpu.Mul", "b", len(b), len(dst))
	parallelFor(len(dst), elemChunk, func(lo, hi int) {
		d, x, y := dst[lo:hi], a[lo:hi], b[lo:hi]
		for i := range d {
			d[i] = x[i] * y[i]
		}
	})
}

// Scale computes dst = s·x elementwise (s rounded to float32). dst may be x.
//
// Backward: dx = s·dy (another Scale call).
func Scale(dst, x []float32, s float64) {
	kernels.CheckLen("cpu.Scale", "x", len(x), len(dst))
	f := float32(s)
	parallelFor(len(dst), elemChunk, func(lo, hi int) {
		scaleRow(dst[lo:hi], x[lo:hi], f)
	})
}

// Axpy computes y ← y + α·x in place (BLAS axpy), the one accumulating
// kernel: it sums the gradients of a tensor used twice.
func Axpy(y []float32, alpha float64, x []float32) {
	kernels.CheckLen("cpu.Axpy", "x", len(x), len(y))
	a := float32(alpha)
	parallelFor(len(y), elemChunk, func(lo, hi int) {
		d, s := y[lo:hi], x[lo:hi]
		for i := range d {
			d[i] += a * s[i]
		}
	})
}
