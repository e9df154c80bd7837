//go:build !amd64

package cpu

// expRow computes dst = eˣ on one row (len(dst) == len(x)).
func expRow(dst, x []float32) { expGeneric(dst, x) }
