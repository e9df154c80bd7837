package cpu

// addScaledSumAVX2 sets s[i] = x[i] + g[i]·a[i] (one FMA) for i < len(s)
// and returns Σ s[i] (addnorm_amd64.s); x, a, g are at least as long as s.
//
//go:noescape
func addScaledSumAVX2(s, x, a, g []float32) float32

// addSumAVX2 sets s[i] = x[i] + a[i] and returns Σ s[i].
//
//go:noescape
func addSumAVX2(s, x, a []float32) float32

// addScaledSum sets s = x + g⊙a (x + a when g is nil) and returns Σ s.
func addScaledSum(s, x, a, g []float32) float32 {
	if !useAVX2 {
		return addScaledSumGeneric(s, x, a, g)
	}
	n := len(s)
	if g == nil {
		return addSumAVX2(s, x[:n], a[:n])
	}
	return addScaledSumAVX2(s, x[:n], a[:n], g[:n])
}
