package tensor

// SoftCrossEntropy returns, per row, −Σ_k t_k·log_softmax(s/temp)_k for
// teacher probabilities t and student logits s of the same shape. The
// result has one element per row (shape = s's leading axes).
func SoftCrossEntropy(t, s *Tensor, temp float64) *Tensor {
	const op = "tensor.SoftCrossEntropy"
	be := sameDevice(op, t, s)
	mustSameShape(op, t, s)
	rows, cols := rowsCols(s)
	loss := newTensor(op, s.st.dev, []int{rows})
	be.softCrossEntropy(loss.st, t.st, s.st, rows, cols, temp)
	return loss
}

// SoftCrossEntropyBackward returns ds given the per-row loss gradient.
func SoftCrossEntropyBackward(dloss, t, s *Tensor, temp float64) *Tensor {
	const op = "tensor.SoftCrossEntropyBackward"
	be := sameDevice(op, dloss, t, s)
	mustSameShape(op, t, s)
	rows, cols := rowsCols(s)
	mustNumel(op, "dloss", dloss, rows)
	ds := like(op, s)
	be.softCrossEntropyBackward(ds.st, dloss.st, t.st, s.st, rows, cols, temp)
	return ds
}
