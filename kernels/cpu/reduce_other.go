//go:build !amd64

package cpu

// Without the assembly, rows accumulate in pure Go.

func accumF64(acc []float64, row []float32) { accumF64Generic(acc, row) }
