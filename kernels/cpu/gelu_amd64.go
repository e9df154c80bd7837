package cpu

// geluAVX2 sets dst[i] = x[i]·Φ(x[i]) for i < len(x) (gelu_amd64.s).
//
//go:noescape
func geluAVX2(dst, x []float32)

// geluBwdAVX2 sets dx[i] = dy[i]·(Φ + x·φ)(x[i]) for i < len(x).
//
//go:noescape
func geluBwdAVX2(dx, x, dy []float32)

// geluRow is Gelu on one block (len(dst) == len(x)).
func geluRow(dst, x []float32) {
	if useAVX2 {
		geluAVX2(dst, x)
		return
	}
	geluGeneric(dst, x)
}

// geluBackwardRow is GeluBackward on one block (equal lengths).
func geluBackwardRow(dx, x, dy []float32) {
	if useAVX2 {
		geluBwdAVX2(dx, x, dy)
		return
	}
	geluBackwardGeneric(dx, x, dy)
}
