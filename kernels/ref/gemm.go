package ref

import "github.com/gocx/gocx/kernels"

// Gemm computes C = α·op(A)·op(B) + β·C for each of p.Batch matrices
// (see kernels.Gemm for the layout). Products are accumulated in float64
// whatever T is, so the float32 instantiation is also a good oracle.
//
// Backward (dC given): dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC, which are Gemm
// calls with the transpose flags flipped; no separate kernel exists.
//
// When β is 0, C is not read (NaNs in C do not propagate), as in BLAS.
func Gemm[T Float](p kernels.Gemm, a, b, c []T) {
	g := p.Check("ref.Gemm", len(a), len(b), len(c))
	for bi := 0; bi < g.Batch; bi++ {
		ao, bo, co := bi*g.StrideA, bi*g.StrideB, bi*g.StrideC
		for i := 0; i < g.M; i++ {
			for j := 0; j < g.N; j++ {
				var s float64
				for l := 0; l < g.K; l++ {
					var av, bv T
					if g.TransA {
						av = a[ao+l*g.LDA+i]
					} else {
						av = a[ao+i*g.LDA+l]
					}
					if g.TransB {
						bv = b[bo+j*g.LDB+l]
					} else {
						bv = b[bo+l*g.LDB+j]
					}
					s += float64(av) * float64(bv)
				}
				ci := co + i*g.LDC + j
				out := g.Alpha * s
				if g.Beta != 0 {
					out += g.Beta * float64(c[ci])
				}
				c[ci] = T(out)
			}
		}
	}
}
