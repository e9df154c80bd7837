package ref

import "github.com/gocx/gocx/kernels"

// ScaleCols multiplies every row by a per-column vector (LayerScale):
//
//	dst[r,c] = x[r,c]·g[c]
//
// Backward: dx[r,c] = dy[r,c]·g[c] (ScaleCols again) and
// dg[c] = Σ_r dy[r,c]·x[r,c] (MulSumRows).
func ScaleCols[T Float](dst, x, g []T, rows, cols int) {
	kernels.CheckRows("ref.ScaleCols", "x", len(x), rows, cols)
	kernels.CheckLen("ref.ScaleCols", "dst", len(dst), rows*cols)
	kernels.CheckLen("ref.ScaleCols", "g", len(g), cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			dst[r*cols+c] = x[r*cols+c] * g[c]
		}
	}
}

// MulSumRows reduces the product of two matrices over rows:
//
//	dst[c] = Σ_r a[r,c]·b[r,c]
//
// accumulated in float64. It is the gradient of ScaleCols with respect to g.
func MulSumRows[T Float](dst, a, b []T, rows, cols int) {
	kernels.CheckRows("ref.MulSumRows", "a", len(a), rows, cols)
	kernels.CheckLen("ref.MulSumRows", "b", len(b), rows*cols)
	kernels.CheckLen("ref.MulSumRows", "dst", len(dst), cols)
	for c := 0; c < cols; c++ {
		var s float64
		for r := 0; r < rows; r++ {
			s += float64(a[r*cols+c]) * float64(b[r*cols+c])
		}
		dst[c] = T(s)
	}
}

// SelectRows replaces the masked rows of x by one row vector (iBOT's mask
// token substitution):
//
//	dst[r,:] = row        if mask[r] ≠ 0
//	dst[r,:] = x[r,:]     otherwise
//
// Backward: dx = dy with the masked rows zeroed (SelectRows with a zero
// row) and drow = Σ_{r: mask[r]≠0} dy[r,:] (MaskedSumRows).
func SelectRows[T Float](dst, x, row []T, mask []int32, rows, cols int) {
	kernels.CheckRows("ref.SelectRows", "x", len(x), rows, cols)
	kernels.CheckLen("ref.SelectRows", "dst", len(dst), rows*cols)
	kernels.CheckLen("ref.SelectRows", "row", len(row), cols)
	kernels.CheckLen("ref.SelectRows", "mask", len(mask), rows)
	for r := 0; r < rows; r++ {
		if mask[r] != 0 {
			copy(dst[r*cols:(r+1)*cols], row)
		} else {
			copy(dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols])
		}
	}
}

// MaskedSumRows sums the masked rows: dst[c] = Σ_{r: mask[r]≠0} x[r,c],
// accumulated in float64. It is the gradient of SelectRows with respect to
// the substituted row.
func MaskedSumRows[T Float](dst, x []T, mask []int32, rows, cols int) {
	kernels.CheckRows("ref.MaskedSumRows", "x", len(x), rows, cols)
	kernels.CheckLen("ref.MaskedSumRows", "dst", len(dst), cols)
	kernels.CheckLen("ref.MaskedSumRows", "mask", len(mask), rows)
	for c := 0; c < cols; c++ {
		var s float64
		for r := 0; r < rows; r++ {
			if mask[r] != 0 {
				s += float64(x[r*cols+c])
			}
		}
		dst[c] = T(s)
	}
}
