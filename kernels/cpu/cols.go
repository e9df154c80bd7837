package cpu

import "github.com/gocx/gocx/kernels"

// ScaleCols multiplies every row by a per-column vector (LayerScale):
//
//	dst[r,c] = x[r,c]·g[c]
//
// Backward: dx = ScaleCols(dy, g) and dg = MulSumRows(dy, x).
func ScaleCols(dst, x, g []float32, rows, cols int) {
	kernels.CheckRows("cpu.ScaleCols", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.ScaleCols", "dst", len(dst), rows*cols)
	kernels.CheckLen("cpu.ScaleCols", "g", len(g), cols)
	parallelFor(rows, rowChunk(cols), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d, s := dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
			for c := range d {
				d[c] = s[c] * g[c]
			}
		}
	})
}

// MulSumRows reduces a product over rows: dst[c] = Σ_r a[r,c]·b[r,c]. It is
// the gradient of ScaleCols with respect to g. Rows are summed in order
// into float64 accumulators, so the result does not depend on threading.
func MulSumRows(dst, a, b []float32, rows, cols int) {
	kernels.CheckRows("cpu.MulSumRows", "a", len(a), rows, cols)
	kernels.CheckLen("cpu.MulSumRows", "b", len(b), rows*cols)
	kernels.CheckLen("cpu.MulSumRows", "dst", len(dst), cols)
	// Split over columns so each output has one owner and a fixed order.
	parallelFor(cols, 64, func(lo, hi int) {
		acc := make([]float64, hi-lo)
		for r := 0; r < rows; r++ {
			ar, br := a[r*cols+lo:r*cols+hi], b[r*cols+lo:r*cols+hi]
			for c := range acc {
				acc[c] += float64(ar[c]) * float64(br[c])
			}
		}
		for c, v := range acc {
			dst[lo+c] = float32(v)
		}
	})
}

// SelectRows replaces the masked rows of x by one row vector (iBOT's mask
// token): dst[r,:] = row if mask[r] ≠ 0, else x[r,:].
//
// Backward: dx = dy with masked rows zeroed (SelectRows with a zero row);
// drow = MaskedSumRows(dy, mask).
func SelectRows(dst, x, row []float32, mask []int32, rows, cols int) {
	kernels.CheckRows("cpu.SelectRows", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.SelectRows", "dst", len(dst), rows*cols)
	kernels.CheckLen("cpu.SelectRows", "row", len(row), cols)
	kernels.CheckLen("cpu.SelectRows", "mask", len(mask), rows)
	for r := 0; r < rows; r++ {
		if mask[r] != 0 {
			copy(dst[r*cols:(r+1)*cols], row)
		} else {
			copy(dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols])
		}
	}
}

// MaskedSumRows sums the masked rows: dst[c] = Σ_{r: mask[r]≠0} x[r,c], in
// row order with float64 accumulators.
func MaskedSumRows(dst, x []float32, mask []int32, rows, cols int) {
	kernels.CheckRows("cpu.MaskedSumRows", "x", len(x), rows, cols)
	kernels.CheckLen("cpu.MaskedSumRows", "dst", len(dst), cols)
	kernels.CheckLen("cpu.MaskedSumRows", "mask", len(mask), rows)
	acc := make([]float64, cols)
	for r := 0; r < rows; r++ {
		if mask[r] == 0 {
			continue
		}
		xr := x[r*cols : (r+1)*cols]
		for c := range acc {
			acc[c] += float64(xr[c])
		}
	}
	for c, v := range acc {
		dst[c] = float32(v)
	}
}

// rowChunk is the minimum number of rows per goroutine for a row-wise
// kernel over rows of the given length: about 16 K elements, below which
// a goroutine costs more than it saves.
func rowChunk(cols int) int {
	if cols <= 0 {
		return 1
	}
	n := 16384 / cols
	if n < 1 {
		n = 1
	}
	return n
}
