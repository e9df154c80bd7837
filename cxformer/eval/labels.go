package eval

import (
	"fmt"
	"math"
)

// checkLabels validates a label matrix: n rows of c values each, every
// value 1, 0 or NaN (missing). It returns c.
func checkLabels(what string, y [][]float64, n int) (int, error) {
	if len(y) != n {
		return 0, fmt.Errorf("eval: %s has %d images but %d label rows", what, n, len(y))
	}
	if n == 0 {
		return 0, fmt.Errorf("eval: %s is empty", what)
	}
	c := len(y[0])
	if c == 0 {
		return 0, fmt.Errorf("eval: %s has no label columns", what)
	}
	for i, row := range y {
		if len(row) != c {
			return 0, fmt.Errorf("eval: %s label row %d has %d values, want %d", what, i, len(row), c)
		}
		for j, v := range row {
			if v != 0 && v != 1 && !math.IsNaN(v) {
				return 0, fmt.Errorf("eval: %s label [%d][%d] = %v (want 1, 0 or NaN)", what, i, j, v)
			}
		}
	}
	return c, nil
}

// bceTargets returns the BCE targets and weights of the rows idx, each
// row repeated `repeat` times side by side ((len(idx), repeat·C) values):
// a missing label (NaN) gets target 0 and weight 0, so it does not enter
// the loss. valid counts the labelled entries of one repeat.
func bceTargets(y [][]float64, idx []int, repeat int) (t, w []float32, valid int) {
	c := len(y[0])
	t = make([]float32, len(idx)*repeat*c)
	w = make([]float32, len(t))
	for r, i := range idx {
		for k := 0; k < repeat; k++ {
			off := (r*repeat + k) * c
			for j, v := range y[i] {
				if math.IsNaN(v) {
					continue
				}
				t[off+j] = float32(v)
				w[off+j] = 1
				if k == 0 {
					valid++
				}
			}
		}
	}
	return t, w, valid
}

// column returns the values of a row-major (rows, cols) block as rows of
// float64, taking columns [lo, lo+n).
func columns(data []float32, rows, cols, lo, n int) [][]float64 {
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = float64(data[i*cols+lo+j])
		}
	}
	return out
}

// finiteScores reports whether every score is finite (a diverged
// classifier has NaN or infinite logits).
func finiteScores(s [][]float64) bool {
	for _, row := range s {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// sigmoid maps logits to probabilities in place and returns them.
func sigmoid(s [][]float64) [][]float64 {
	for _, row := range s {
		for j, v := range row {
			row[j] = 1 / (1 + math.Exp(-v))
		}
	}
	return s
}
