//go:build !amd64

package cpu

// Without the assembly, the residual-add rows are the pure-Go ones.

func addScaledSum(s, x, a, g []float32) float32 { return addScaledSumGeneric(s, x, a, g) }
