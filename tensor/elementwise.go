package tensor

// Add returns a + b (same shapes).
func Add(a, b *Tensor) *Tensor {
	be := sameDevice("tensor.Add", a, b)
	mustSameShape("tensor.Add", a, b)
	out := like("tensor.Add", a)
	be.add(out.st, a.st, b.st)
	return out
}

// Mul returns a ⊙ b (same shapes).
func Mul(a, b *Tensor) *Tensor {
	be := sameDevice("tensor.Mul", a, b)
	mustSameShape("tensor.Mul", a, b)
	out := like("tensor.Mul", a)
	be.mul(out.st, a.st, b.st)
	return out
}

// Scale returns s·x.
func Scale(x *Tensor, s float64) *Tensor {
	out := like("tensor.Scale", x)
	x.st.dev.backend().scale(out.st, x.st, s)
	return out
}

// ScaleInPlace multiplies x by s in place.
func ScaleInPlace(x *Tensor, s float64) { x.st.dev.backend().scale(x.st, x.st, s) }

// Axpy adds alpha·x to y in place (same shapes).
func Axpy(y *Tensor, alpha float64, x *Tensor) {
	be := sameDevice("tensor.Axpy", y, x)
	mustNumel("tensor.Axpy", "x", x, y.st.n)
	be.axpy(y.st, alpha, x.st)
}

// AddInPlace adds x to y in place.
func AddInPlace(y, x *Tensor) { Axpy(y, 1, x) }

// Exp returns eˣ elementwise.
func Exp(x *Tensor) *Tensor {
	out := like("tensor.Exp", x)
	x.st.dev.backend().exp(out.st, x.st)
	return out
}

// Gelu returns the exact GELU x·Φ(x) elementwise.
func Gelu(x *Tensor) *Tensor {
	out := like("tensor.Gelu", x)
	x.st.dev.backend().gelu(out.st, x.st)
	return out
}

// GeluBackward returns dy·GELU'(x).
func GeluBackward(x, dy *Tensor) *Tensor {
	be := sameDevice("tensor.GeluBackward", x, dy)
	mustSameShape("tensor.GeluBackward", x, dy)
	out := like("tensor.GeluBackward", x)
	be.geluBackward(out.st, x.st, dy.st)
	return out
}

// AddBias returns x + b broadcast over the rows of x (b has x's last
// dimension).
func AddBias(x, b *Tensor) *Tensor {
	be := sameDevice("tensor.AddBias", x, b)
	rows, cols := rowsCols(x)
	mustShape("tensor.AddBias", "bias", b, cols)
	out := like("tensor.AddBias", x)
	be.addBias(out.st, x.st, b.st, rows, cols)
	return out
}

// ScaleCols returns x ⊙ g broadcast over rows (LayerScale; g has x's last
// dimension).
func ScaleCols(x, g *Tensor) *Tensor {
	be := sameDevice("tensor.ScaleCols", x, g)
	rows, cols := rowsCols(x)
	mustShape("tensor.ScaleCols", "g", g, cols)
	out := like("tensor.ScaleCols", x)
	be.scaleCols(out.st, x.st, g.st, rows, cols)
	return out
}

// MulSumRows returns Σ_rows a⊙b, a vector of the last dimension.
func MulSumRows(a, b *Tensor) *Tensor {
	be := sameDevice("tensor.MulSumRows", a, b)
	mustSameShape("tensor.MulSumRows", a, b)
	rows, cols := rowsCols(a)
	out := newTensor("tensor.MulSumRows", a.st.dev, []int{cols})
	be.mulSumRows(out.st, a.st, b.st, rows, cols)
	return out
}

// SumRows returns Σ over all leading axes: a vector of the last dimension
// (the bias gradient).
func SumRows(x *Tensor) *Tensor {
	rows, cols := rowsCols(x)
	out := newTensor("tensor.SumRows", x.st.dev, []int{cols})
	x.st.dev.backend().sumRows(out.st, x.st, rows, cols)
	return out
}
