package cpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// GemmBiasGelu is a Linear layer with GELU in one pass over the output
// (ref.GemmBiasGelu): for every batch entry
//
//	pre[i,j] = α·Σ_l op(A)[i,l]·op(B)[l,j] + β·pre[i,j] + bias[j]
//	y[i,j]   = GELU(pre[i,j]) = pre·Φ(pre)   (exact, as Gelu)
//
// y has pre's layout (LDC, StrideC); bias has length N or is nil; β = 0
// never reads pre. pre and y must not overlap each other or A, B.
//
// Backward: dpre = GeluBackward(pre, dy), then dA = dpre·op(B)ᵀ,
// dB = op(A)ᵀ·dpre (Gemm calls) and dbias = SumRows(dpre).
//
// It runs Gemm's blocked algorithm and finishes each mc×nc block of the
// output right after the last K slab has written it, while the block is
// still in cache: bias and GELU cost no extra trip through memory, where
// Gemm, AddBias and Gelu would write and reread the whole output twice.
func GemmBiasGelu(p kernels.Gemm, a, b, bias, pre, y []float32) {
	const op = "cpu.GemmBiasGelu"
	g := p.Check(op, len(a), len(b), len(pre))
	p.Check(op, len(a), len(b), len(y))
	if bias != nil {
		kernels.CheckLen(op, "bias", len(bias), g.N)
	}
	if g.M == 0 || g.N == 0 || g.Batch == 0 {
		return
	}
	if &pre[0] == &y[0] {
		panic(fmt.Sprintf("%s: pre and y are the same slice", op))
	}
	ep := geluEpilogue{bias: bias, pre: pre, y: y, ldc: g.LDC}
	alpha, beta := float32(g.Alpha), float32(g.Beta)
	if g.K == 0 {
		for bi := 0; bi < g.Batch; bi++ {
			scaleC(pre[bi*g.StrideC:], g.M, g.N, g.LDC, beta)
			ep.apply(bi*g.StrideC, g.M, 0, g.N)
		}
		return
	}
	runGemm(g, a, b, pre, alpha, beta, &ep, Threads())
}

// geluEpilogue adds the bias to a finished block of pre and writes its
// GELU to y.
type geluEpilogue struct {
	bias, pre, y []float32
	ldc          int
}

// apply finishes rows [0, rows) × columns [j0, j1) of the matrix at offset
// off, one row at a time (each row stays in L1 between the two sweeps).
func (e *geluEpilogue) apply(off, rows, j0, j1 int) {
	for i := 0; i < rows; i++ {
		o := off + i*e.ldc
		row := e.pre[o+j0 : o+j1]
		if e.bias != nil {
			addScaledSum(row, row, e.bias[j0:j1], nil) // row += bias (the sum is not needed)
		}
		geluRow(e.y[o+j0:o+j1], row)
	}
}
