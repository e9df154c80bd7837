package autograd

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

// Linear returns y = x·Wᵀ + b for x (..., in), W (out, in) (PyTorch's
// layout) and b (out) or nil.
//
// Backward, with rows = the product of x's leading axes:
//
//	dx = dy·W          (rows×out · out×in)
//	dW += dyᵀ·x        (out×rows · rows×in), accumulated straight into W.Grad
//	db += Σ_rows dy
func (tp *Tape) Linear(x, w, b *Var) *Var {
	var bv *tensor.Tensor
	inputs := []*Var{x, w}
	if b != nil {
		bv = b.Value
		inputs = append(inputs, b)
	}
	y := tensor.Linear(x.Value, w.Value, bv)
	return tp.record("Linear", y, inputs, nil, func(dy *tensor.Tensor) {
		out, in := w.Value.Dim(0), w.Value.Dim(1)
		rows := dy.Numel() / max(out, 1)
		if x.requiresGrad {
			dx := tensor.Empty(dy.Device(), x.Shape()...)
			tensor.Gemm(kernels.Gemm{M: rows, N: in, K: out, Alpha: 1}, dy, w.Value, dx)
			grad(x, dx)
		}
		if w.requiresGrad {
			gemmGrad(w, kernels.Gemm{TransA: true, M: out, N: in, K: rows, Alpha: 1}, dy, x.Value)
		}
		if b != nil && b.requiresGrad {
			grad(b, tensor.SumRows(dy))
		}
	})
}

// gemmGrad adds op(a)·op(b) into v.Grad with one Gemm, using β = 1 when a
// gradient buffer already exists (no temporary, no extra pass).
func gemmGrad(v *Var, p kernels.Gemm, a, b *tensor.Tensor) {
	if v.Grad == nil {
		v.Grad = tensor.Empty(a.Device(), v.Shape()...)
		p.Beta = 0
	} else {
		p.Beta = 1
	}
	tensor.Gemm(p, a, b, v.Grad)
}

// MatMul returns op(a)·op(b) with the batching rules of tensor.MatMul (b
// either 2-D and shared by every batch entry, or batched like a).
//
// Backward, per batch entry, with C = op(A)·op(B):
//
//	d op(A) = dC·op(B)ᵀ,  d op(B) = op(A)ᵀ·dC
//
// transposed back into A's and B's stored layouts; a shared B sums its
// gradient over the batch (one Gemm over the stacked rows).
func (tp *Tape) MatMul(a, b *Var, transA, transB bool) *Var {
	c := tensor.MatMul(a.Value, b.Value, transA, transB)
	return tp.record("MatMul", c, []*Var{a, b}, nil, func(dc *tensor.Tensor) {
		m, n := dc.Dim(-2), dc.Dim(-1)
		k := a.Value.Dim(-1)
		if transA {
			k = a.Value.Dim(-2)
		}
		batch := dc.Numel() / max(m*n, 1)
		shared := b.Value.Rank() == 2
		if a.requiresGrad {
			da := tensor.Empty(dc.Device(), a.Shape()...)
			var p kernels.Gemm
			if !transA { // dA (m×k) = dC·op(B)ᵀ
				p = kernels.Gemm{M: m, N: k, K: n, TransB: !transB, Batch: batch, SharedB: shared}
				p.Alpha = 1
				tensor.Gemm(p, dc, b.Value, da)
			} else { // A stored k×m: dA = op(B)·dCᵀ
				p = kernels.Gemm{M: k, N: m, K: n, TransA: transB, TransB: true, Batch: batch, SharedA: shared, Alpha: 1}
				tensor.Gemm(p, b.Value, dc, da)
			}
			grad(a, da)
		}
		if b.requiresGrad {
			if shared {
				// Stack the batch into rows: op(A) is (batch·m)×k when A is not
				// transposed; otherwise do one accumulating Gemm per batch.
				if !transA {
					if !transB { // dB (k×n) = op(A)ᵀ·dC over stacked rows
						gemmGrad(b, kernels.Gemm{TransA: true, M: k, N: n, K: batch * m, Alpha: 1}, a.Value, dc)
					} else { // B stored n×k: dB = dCᵀ·op(A)
						gemmGrad(b, kernels.Gemm{TransA: true, M: n, N: k, K: batch * m, Alpha: 1}, dc, a.Value)
					}
				} else {
					db := tensor.Zeros(dc.Device(), b.Shape()...)
					a3, c3 := a.Value.Reshape(batch, k, m), dc.Reshape(batch, m, n)
					for i := 0; i < batch; i++ {
						ai := tensor.Slice(a3, 0, i, i+1)
						ci := tensor.Slice(c3, 0, i, i+1)
						if !transB {
							tensor.Gemm(kernels.Gemm{M: k, N: n, K: m, Alpha: 1, Beta: 1}, ai, ci, db)
						} else {
							tensor.Gemm(kernels.Gemm{TransA: true, TransB: true, M: n, N: k, K: m, Alpha: 1, Beta: 1}, ci, ai, db)
						}
						ai.Release()
						ci.Release()
					}
					a3.Release()
					c3.Release()
					grad(b, db)
				}
			} else {
				db := tensor.Empty(dc.Device(), b.Shape()...)
				if !transB { // dB (k×n) = op(A)ᵀ·dC
					tensor.Gemm(kernels.Gemm{TransA: !transA, M: k, N: n, K: m, Batch: batch, Alpha: 1}, a.Value, dc, db)
				} else { // B stored n×k: dB = dCᵀ·op(A)
					tensor.Gemm(kernels.Gemm{TransA: true, TransB: transA, M: n, N: k, K: m, Batch: batch, Alpha: 1}, dc, a.Value, db)
				}
				grad(b, db)
			}
		}
	})
}
