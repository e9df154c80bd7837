package tensor

// BCEWithLogits returns the elementwise weighted binary cross-entropy of
// logits x against targets y (w = 0 masks a missing label); all three
// have the same shape.
func BCEWithLogits(x, y, w *Tensor) *Tensor {
	const op = "tensor.BCEWithLogits"
	be := sameDevice(op, x, y, w)
	mustSameShape(op, x, y)
	mustSameShape(op, x, w)
	loss := like(op, x)
	be.bceWithLogits(loss.st, x.st, y.st, w.st)
	return loss
}

// BCEWithLogitsBackward returns dx = dloss·w·(σ(x) − y).
func BCEWithLogitsBackward(dloss, x, y, w *Tensor) *Tensor {
	const op = "tensor.BCEWithLogitsBackward"
	be := sameDevice(op, dloss, x, y, w)
	mustSameShape(op, dloss, x)
	dx := like(op, x)
	be.bceWithLogitsBackward(dx.st, dloss.st, x.st, y.st, w.st)
	return dx
}

// SoftDice returns per-row soft Dice coefficients of probabilities p
// against targets t (rows over the leading axes, pixels on the last).
func SoftDice(p, t *Tensor, eps float64) *Tensor {
	const op = "tensor.SoftDice"
	be := sameDevice(op, p, t)
	mustSameShape(op, p, t)
	rows, cols := rowsCols(p)
	d := newTensor(op, p.st.dev, []int{rows})
	be.softDice(d.st, p.st, t.st, rows, cols, eps)
	return d
}

// SoftDiceBackward returns dp given the per-row Dice gradient.
func SoftDiceBackward(ddice, p, t *Tensor, eps float64) *Tensor {
	const op = "tensor.SoftDiceBackward"
	be := sameDevice(op, ddice, p, t)
	rows, cols := rowsCols(p)
	mustNumel(op, "ddice", ddice, rows)
	dp := like(op, p)
	be.softDiceBackward(dp.st, ddice.st, p.st, t.st, rows, cols, eps)
	return dp
}
