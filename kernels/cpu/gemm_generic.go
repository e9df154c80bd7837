package cpu

// gemmGeneric is the pure-Go path: the same packing and blocking as the
// assembly paths around a 4×4 micro-kernel, which fits the 16 accumulators
// plus operands in the 32 floating-point registers of arm64 (amd64 spills
// a few, but runs it only when forced to by GOCX_CPU=generic).
var gemmGeneric = gemmConfig{
	name: "4x4 go", mr: 4, nr: 4, mc: 128, kc: 256, nc: 1024,
	kernel: kernelGeneric4x4,
}

// kernelGeneric4x4 is the pure-Go micro-kernel: it accumulates a 4×4 tile
// of Σ_p a[p·4+i]·b[p·4+j] in sixteen scalars, then writes
// c[i·ldc+j] = alpha·acc + beta·c (c not read when beta is 0).
func kernelGeneric4x4(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a, b = a[:4*k], b[:4*k]
	for len(a) >= 4 && len(b) >= 4 {
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		a, b = a[4:], b[4:]
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := range acc {
		row := c[i*ldc : i*ldc+4]
		for j, v := range acc[i] {
			if beta == 0 {
				row[j] = alpha * v
			} else {
				row[j] = alpha*v + beta*row[j]
			}
		}
	}
}
