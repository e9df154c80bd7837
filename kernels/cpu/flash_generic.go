package cpu

// flashMulGeneric is the pure-Go tile product of the fused attention:
// C = alpha·A·B + beta·C for a rows×cols C (C not read when beta is 0),
// B k×cols (ldb apart) and A rows×k read by rows (A(r,p) = a[r·lda+p]) or,
// when colA, by columns (A(r,p) = a[p·lda+r]). It accumulates 2×4 blocks
// of C in eight scalars (rows is a multiple of flashMR, cols of flashCol).
func flashMulGeneric(colA bool, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, rows, cols int, alpha, beta float32) {
	checkFlashMul(colA, k, len(a), lda, len(b), ldb, len(c), ldc, rows, cols)
	rs, ps := lda, 1 // A(r,p) = a[r·rs + p·ps]
	if colA {
		rs, ps = 1, lda
	}
	for r := 0; r < rows; r += 2 {
		for j := 0; j < cols; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			ia, ib := r*rs, j
			for range k {
				a0, a1 := a[ia], a[ia+rs]
				bb := b[ib : ib+4 : ib+4]
				b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				ia += ps
				ib += ldb
			}
			storeFlash4(c[r*ldc+j:r*ldc+j+4], c00, c01, c02, c03, alpha, beta)
			storeFlash4(c[(r+1)*ldc+j:(r+1)*ldc+j+4], c10, c11, c12, c13, alpha, beta)
		}
	}
}

// storeFlash4 writes dst[i] = alpha·sᵢ + beta·dst[i] for four sums, not
// reading dst when beta is 0.
func storeFlash4(dst []float32, s0, s1, s2, s3, alpha, beta float32) {
	dst = dst[:4]
	if beta == 0 {
		dst[0], dst[1], dst[2], dst[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	dst[0] = alpha*s0 + beta*dst[0]
	dst[1] = alpha*s1 + beta*dst[1]
	dst[2] = alpha*s2 + beta*dst[2]
	dst[3] = alpha*s3 + beta*dst[3]
}

// flashDSGeneric sets ds[i] = p[i]·(dp[i] − d) for i < len(ds).
func flashDSGeneric(ds, p, dp []float32, d float32) {
	p, dp = p[:len(ds)], dp[:len(ds)]
	for i := range ds {
		ds[i] = p[i] * (dp[i] - d)
	}
}
