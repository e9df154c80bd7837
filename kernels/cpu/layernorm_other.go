//go:build !amd64

package cpu

// Without the assembly, the LayerNorm row pieces are the pure-Go ones.

func sum32(x []float32) float32                  { return sum32Generic(x) }
func sumSqDev(x []float32, mean float32) float32 { return sumSqDevGeneric(x, mean) }
func lnAffine(y, x, gamma, beta []float32, mean, rstd float32) {
	lnAffineGeneric(y, x, gamma, beta, mean, rstd)
}
func lnBwdSums(dy, x, gamma []float32, mean, rstd float32) (sg, sgx float32) {
	return lnBwdSumsGeneric(dy, x, gamma, mean, rstd)
}
func lnBwdDx(dx, dy, x, gamma []float32, mean, rstd, a, b float32) {
	lnBwdDxGeneric(dx, dy, x, gamma, mean, rstd, a, b)
}
func lnColAcc(accG, accB, dy, x []float32, mean, rstd float32) {
	lnColAccGeneric(accG, accB, dy, x, mean, rstd)
}
