//go:build !amd64

package cpu

// flashMul sets C = alpha·A·B + beta·C with the pure-Go tile kernel: there
// is no assembly path without amd64.
func flashMul(colA bool, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, rows, cols int, alpha, beta float32) {
	flashMulGeneric(colA, k, a, lda, b, ldb, c, ldc, rows, cols, alpha, beta)
}

// flashOnline is one online-softmax step (see flashOnlineGo).
func flashOnline(s []float32, lds, rows, bw int, m, l, o []float32, ldo, hdp int, first bool) {
	flashOnlineGo(s, lds, rows, bw, m, l, o, ldo, hdp, first)
}

// flashProbs is the row pass of the backward (see flashProbsGo).
func flashProbs(s, dp []float32, ld, rows, bw int, lse, d []float32) {
	flashProbsGo(s, dp, ld, rows, bw, lse, d)
}
