package tensor

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// Gemm runs C = α·op(A)·op(B) + β·C (see kernels.Gemm) on the device of its
// operands, writing into c. It is the destination-passing form used where
// a result accumulates (β = 1), e.g. weight gradients.
func Gemm(p kernels.Gemm, a, b, c *Tensor) {
	be := sameDevice("tensor.Gemm", a, b, c)
	r := p.Check("tensor.Gemm", a.st.n, b.st.n, c.st.n)
	be.gemm(r, a.st, b.st, c.st)
}

// MatMul returns op(a)·op(b). a is (..., M, K) — or (..., K, M) when
// transA — and b is (K, N) — (N, K) when transB — shared by every batch
// entry, or (..., K, N) with the same leading dimensions as a. The result
// is (..., M, N).
func MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	const op = "tensor.MatMul"
	be := sameDevice(op, a, b)
	if a.Rank() < 2 || b.Rank() < 2 {
		panic(fmt.Sprintf("%s: operands must have rank >= 2, got %s and %s", op, ShapeString(a.shape), ShapeString(b.shape)))
	}
	ar, ac := a.Dim(-2), a.Dim(-1)
	br, bc := b.Dim(-2), b.Dim(-1)
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	kb, n := br, bc
	if transB {
		kb, n = bc, br
	}
	if k != kb {
		panic(fmt.Sprintf("%s: inner dimensions differ: %s (transA=%v) and %s (transB=%v)",
			op, ShapeString(a.shape), transA, ShapeString(b.shape), transB))
	}
	batch := a.st.n / max(ar*ac, 1)
	if ar*ac == 0 {
		batch = numel(op, a.shape[:a.Rank()-2])
	}
	shared := b.Rank() == 2
	if !shared {
		if b.Rank() != a.Rank() || numel(op, b.shape[:b.Rank()-2]) != batch {
			panic(fmt.Sprintf("%s: batch dimensions differ: %s and %s", op, ShapeString(a.shape), ShapeString(b.shape)))
		}
	}
	outShape := append(append([]int(nil), a.shape[:a.Rank()-2]...), m, n)
	out := newTensor(op, a.st.dev, outShape)
	p := kernels.Gemm{TransA: transA, TransB: transB, M: m, N: n, K: k, Alpha: 1, Batch: batch, SharedB: shared}
	r := p.Check(op, a.st.n, b.st.n, out.st.n)
	be.gemm(r, a.st, b.st, out.st)
	return out
}

// Linear returns x·wᵀ + b for x (..., in), w (out, in) — PyTorch's layout —
// and b (out) or nil. The result is (..., out).
func Linear(x, w, b *Tensor) *Tensor {
	const op = "tensor.Linear"
	be, p, outShape := linearPlan(op, x, w, b)
	out := newTensor(op, x.st.dev, outShape)
	be.gemm(p.Check(op, x.st.n, w.st.n, out.st.n), x.st, w.st, out.st)
	if b != nil {
		be.addBias(out.st, out.st, b.st, p.M, p.N)
	}
	return out
}

// linearPlan checks the operands of a Linear layer (Linear, LinearGelu):
// x (..., in), w (out, in), b (out) or nil, on one device. It returns the
// backend, the GEMM of x·wᵀ (M = the rows of x) and the output shape
// (..., out).
func linearPlan(op string, x, w, b *Tensor) (backend, kernels.Gemm, []int) {
	if w.Rank() != 2 || x.Rank() < 1 || x.Dim(-1) != w.Dim(1) {
		panic(fmt.Sprintf("%s: x %s and weight %s (out, in) do not fit", op, ShapeString(x.shape), ShapeString(w.shape)))
	}
	be := sameDevice(op, x, w)
	in, outF := w.Dim(1), w.Dim(0)
	rows := x.st.n / max(in, 1)
	if in == 0 {
		rows = numel(op, x.shape[:x.Rank()-1])
	}
	if b != nil {
		sameDevice(op, x, b)
		mustShape(op, "bias", b, outF)
	}
	outShape := append(append([]int(nil), x.shape[:x.Rank()-1]...), outF)
	return be, kernels.Gemm{TransB: true, M: rows, N: outF, K: in, Alpha: 1}, outShape
}
