package tensor

// L2Normalize returns x/max(‖x‖, eps) row-wise over the last axis and the
// row norms.
func L2Normalize(x *Tensor, eps float64) (y, norm *Tensor) {
	rows, cols := rowsCols(x)
	y = like("tensor.L2Normalize", x)
	norm = newTensor("tensor.L2Normalize", x.st.dev, []int{rows})
	x.st.dev.backend().l2Normalize(y.st, norm.st, x.st, rows, cols, eps)
	return y, norm
}

// L2NormalizeBackward returns dx for y = L2Normalize(x).
func L2NormalizeBackward(dy, y, norm *Tensor, eps float64) *Tensor {
	const op = "tensor.L2NormalizeBackward"
	be := sameDevice(op, dy, y, norm)
	mustSameShape(op, dy, y)
	rows, cols := rowsCols(y)
	mustNumel(op, "norm", norm, rows)
	dx := like(op, y)
	be.l2NormalizeBackward(dx.st, dy.st, y.st, norm.st, rows, cols, eps)
	return dx
}

// WeightNorm returns w[k,:] = g[k]·v[k,:]/‖v[k,:]‖ for v (K, D) and g (K)
// or (K, 1), and the row norms of v.
func WeightNorm(g, v *Tensor) (w, norm *Tensor) {
	const op = "tensor.WeightNorm"
	be := sameDevice(op, g, v)
	rows, cols := rowsCols(v)
	mustNumel(op, "g", g, rows)
	w = like(op, v)
	norm = newTensor(op, v.st.dev, []int{rows})
	be.weightNorm(w.st, norm.st, g.st, v.st, rows, cols)
	return w, norm
}

// WeightNormBackward returns dg (shaped like g) and dv.
func WeightNormBackward(dw, g, v, norm *Tensor) (dg, dv *Tensor) {
	const op = "tensor.WeightNormBackward"
	be := sameDevice(op, dw, g, v, norm)
	mustSameShape(op, dw, v)
	rows, cols := rowsCols(v)
	mustNumel(op, "g", g, rows)
	mustNumel(op, "norm", norm, rows)
	dg, dv = like(op, g), like(op, v)
	be.weightNormBackward(dg.st, dv.st, dw.st, g.st, v.st, norm.st, rows, cols)
	return dg, dv
}
