package tensor

// LayerNorm normalises x over its last axis: y = (x−μ)·rstd·γ + β with
// rstd = 1/√(var+eps). It also returns the per-row mean and rstd that the
// backward needs.
func LayerNorm(x, gamma, beta *Tensor, eps float64) (y, mean, rstd *Tensor) {
	const op = "tensor.LayerNorm"
	be := sameDevice(op, x, gamma, beta)
	rows, cols := rowsCols(x)
	mustShape(op, "gamma", gamma, cols)
	mustShape(op, "beta", beta, cols)
	y = like(op, x)
	mean = newTensor(op, x.st.dev, []int{rows})
	rstd = newTensor(op, x.st.dev, []int{rows})
	be.layerNorm(y.st, mean.st, rstd.st, x.st, gamma.st, beta.st, rows, cols, eps)
	return y, mean, rstd
}

// LayerNormBackward returns dx, dγ and dβ for the LayerNorm of x.
func LayerNormBackward(dy, x, mean, rstd, gamma *Tensor) (dx, dgamma, dbeta *Tensor) {
	const op = "tensor.LayerNormBackward"
	be := sameDevice(op, dy, x, mean, rstd, gamma)
	mustSameShape(op, dy, x)
	rows, cols := rowsCols(x)
	mustNumel(op, "mean", mean, rows)
	mustNumel(op, "rstd", rstd, rows)
	mustShape(op, "gamma", gamma, cols)
	dx = like(op, x)
	dgamma = newTensor(op, x.st.dev, []int{cols})
	dbeta = newTensor(op, x.st.dev, []int{cols})
	be.layerNormBackward(dx.st, dgamma.st, dbeta.st, dy.st, x.st, mean.st, rstd.st, gamma.st, rows, cols)
	return dx, dgamma, dbeta
}

// Softmax returns the softmax of x over its last axis.
func Softmax(x *Tensor) *Tensor {
	rows, cols := rowsCols(x)
	y := like("tensor.Softmax", x)
	x.st.dev.backend().softmax(y.st, x.st, rows, cols)
	return y
}

// SoftmaxBackward returns dx = y⊙(dy − Σ dy⊙y) for y = Softmax(x).
func SoftmaxBackward(y, dy *Tensor) *Tensor {
	be := sameDevice("tensor.SoftmaxBackward", y, dy)
	mustSameShape("tensor.SoftmaxBackward", y, dy)
	rows, cols := rowsCols(y)
	dx := like("tensor.SoftmaxBackward", y)
	be.softmaxBackward(dx.st, y.st, dy.st, rows, cols)
	return dx
}

// LogSoftmax returns log-softmax of x over its last axis.
func LogSoftmax(x *Tensor) *Tensor {
	rows, cols := rowsCols(x)
	y := like("tensor.LogSoftmax", x)
	x.st.dev.backend().logSoftmax(y.st, x.st, rows, cols)
	return y
}

// LogSoftmaxBackward returns dx = dy − e^y·Σdy for y = LogSoftmax(x).
func LogSoftmaxBackward(y, dy *Tensor) *Tensor {
	be := sameDevice("tensor.LogSoftmaxBackward", y, dy)
	mustSameShape("tensor.LogSoftmaxBackward", y, dy)
	rows, cols := rowsCols(y)
	dx := like("tensor.LogSoftmaxBackward", y)
	be.logSoftmaxBackward(dx.st, y.st, dy.st, rows, cols)
	return dx
}
