package cpu

// The assembly row pieces of softmax_amd64.s. Each takes whole slices of
// any length (the tail is a masked vector); where there is a dst it is as
// long as x.

//go:noescape
func maxAVX2(x []float32) float32

//go:noescape
func expShiftSumAVX2(dst, x []float32, shift, scale float32) float32

//go:noescape
func sumExpShiftAVX2(x []float32, shift, scale float32) float32

//go:noescape
func scaleAVX2(dst, x []float32, s float32)

//go:noescape
func subSubAVX2(dst, x []float32, a, b float32)

// rowMax returns max_i x[i] (−Inf when empty).
func rowMax(x []float32) float32 {
	if useAVX2 {
		return maxAVX2(x)
	}
	return maxGeneric(x)
}

// expShiftSum sets dst[i] = e^{(x[i]−shift)·scale} and returns Σ dst[i].
func expShiftSum(dst, x []float32, shift, scale float32) float32 {
	if useAVX2 {
		return expShiftSumAVX2(dst, x[:len(dst)], shift, scale)
	}
	return expShiftSumGeneric(dst, x, shift, scale)
}

// sumExpShift returns Σ e^{(x[i]−shift)·scale}.
func sumExpShift(x []float32, shift, scale float32) float32 {
	if useAVX2 {
		return sumExpShiftAVX2(x, shift, scale)
	}
	return sumExpShiftGeneric(x, shift, scale)
}

// scaleRow sets dst[i] = s·x[i].
func scaleRow(dst, x []float32, s float32) {
	if useAVX2 {
		scaleAVX2(dst, x[:len(dst)], s)
		return
	}
	scaleGeneric(dst, x, s)
}

// subSubRow sets dst[i] = (x[i] − a) − b.
func subSubRow(dst, x []float32, a, b float32) {
	if useAVX2 {
		subSubAVX2(dst, x[:len(dst)], a, b)
		return
	}
	subSubGeneric(dst, x, a, b)
}
