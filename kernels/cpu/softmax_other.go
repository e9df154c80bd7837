//go:build !amd64

package cpu

// Without the assembly, the softmax row pieces are the pure-Go ones.

func rowMax(x []float32) float32 { return maxGeneric(x) }

func expShiftSum(dst, x []float32, shift, scale float32) float32 {
	return expShiftSumGeneric(dst, x, shift, scale)
}

func sumExpShift(x []float32, shift, scale float32) float32 {
	return sumExpShiftGeneric(x, shift, scale)
}

func scaleRow(dst, x []float32, s float32)     { scaleGeneric(dst, x, s) }
func subSubRow(dst, x []float32, a, b float32) { subSubGeneric(dst, x, a, b) }
