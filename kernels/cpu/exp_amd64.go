package cpu

// expAVX2 sets dst[i] = eˣ⁽ⁱ⁾ for i < len(x) with the EXP8 macro
// (exp_amd64.s); len(dst) ≥ len(x).
//
//go:noescape
func expAVX2(dst, x []float32)

// expRow computes dst = eˣ on one row (len(dst) == len(x)).
func expRow(dst, x []float32) {
	if useAVX2 {
		expAVX2(dst, x)
		return
	}
	expGeneric(dst, x)
}
