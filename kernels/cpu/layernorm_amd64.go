package cpu

// The assembly row pieces of layernorm_amd64.s; slices are as long as the
// first one (dy for lnBwdSumsAVX2, x otherwise) or longer.

//go:noescape
func sumAVX2(x []float32) float32

//go:noescape
func sumSqDevAVX2(x []float32, mean float32) float32

//go:noescape
func lnAffineAVX2(y, x, gamma, beta []float32, mean, rstd float32)

//go:noescape
func lnBwdSumsAVX2(dy, x, gamma []float32, mean, rstd float32) (sg, sgx float32)

//go:noescape
func lnBwdDxAVX2(dx, dy, x, gamma []float32, mean, rstd, a, b float32)

//go:noescape
func lnColAccAVX2(accG, accB, dy, x []float32, mean, rstd float32)

// sum32 returns Σ x[i] (several float32 accumulators).
func sum32(x []float32) float32 {
	if useAVX2 {
		return sumAVX2(x)
	}
	return sum32Generic(x)
}

// sumSqDev returns Σ (x[i] − mean)².
func sumSqDev(x []float32, mean float32) float32 {
	if useAVX2 {
		return sumSqDevAVX2(x, mean)
	}
	return sumSqDevGeneric(x, mean)
}

// lnAffine sets y[i] = (x[i] − mean)·rstd·γ[i] + β[i].
func lnAffine(y, x, gamma, beta []float32, mean, rstd float32) {
	if useAVX2 {
		n := len(y)
		lnAffineAVX2(y, x[:n], gamma[:n], beta[:n], mean, rstd)
		return
	}
	lnAffineGeneric(y, x, gamma, beta, mean, rstd)
}

// lnBwdSums returns Σ g and Σ g·x̂ (g = dy·γ, x̂ = (x − mean)·rstd).
func lnBwdSums(dy, x, gamma []float32, mean, rstd float32) (sg, sgx float32) {
	if useAVX2 {
		n := len(dy)
		return lnBwdSumsAVX2(dy, x[:n], gamma[:n], mean, rstd)
	}
	return lnBwdSumsGeneric(dy, x, gamma, mean, rstd)
}

// lnBwdDx sets dx[i] = rstd·(dy[i]·γ[i] − a − x̂[i]·b).
func lnBwdDx(dx, dy, x, gamma []float32, mean, rstd, a, b float32) {
	if useAVX2 {
		n := len(dx)
		lnBwdDxAVX2(dx, dy[:n], x[:n], gamma[:n], mean, rstd, a, b)
		return
	}
	lnBwdDxGeneric(dx, dy, x, gamma, mean, rstd, a, b)
}

// lnColAcc adds accG[i] += dy[i]·x̂[i] and accB[i] += dy[i].
func lnColAcc(accG, accB, dy, x []float32, mean, rstd float32) {
	if useAVX2 {
		n := len(accG)
		lnColAccAVX2(accG, accB[:n], dy[:n], x[:n], mean, rstd)
		return
	}
	lnColAccGeneric(accG, accB, dy, x, mean, rstd)
}
