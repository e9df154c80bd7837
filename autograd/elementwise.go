package autograd

import "github.com/gocx/gocx/tensor"

// Add returns a + b (same shapes). Backward: da = dy, db = dy.
func (tp *Tape) Add(a, b *Var) *Var {
	y := tensor.Add(a.Value, b.Value)
	return tp.record("Add", y, []*Var{a, b}, nil, func(dy *tensor.Tensor) {
		if a.requiresGrad {
			grad(a, dy.Clone())
		}
		if b.requiresGrad {
			grad(b, dy.Clone())
		}
	})
}

// Mul returns a ⊙ b. Backward: da = dy ⊙ b, db = dy ⊙ a.
func (tp *Tape) Mul(a, b *Var) *Var {
	y := tensor.Mul(a.Value, b.Value)
	return tp.record("Mul", y, []*Var{a, b}, nil, func(dy *tensor.Tensor) {
		if a.requiresGrad {
			grad(a, tensor.Mul(dy, b.Value))
		}
		if b.requiresGrad {
			grad(b, tensor.Mul(dy, a.Value))
		}
	})
}

// Scale returns s·x. Backward: dx = s·dy.
func (tp *Tape) Scale(x *Var, s float64) *Var {
	y := tensor.Scale(x.Value, s)
	return tp.record("Scale", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.Scale(dy, s))
	})
}

// AddBias returns x + b broadcast over rows (b has x's last dimension).
// Backward: dx = dy, db = Σ_rows dy.
func (tp *Tape) AddBias(x, b *Var) *Var {
	y := tensor.AddBias(x.Value, b.Value)
	return tp.record("AddBias", y, []*Var{x, b}, nil, func(dy *tensor.Tensor) {
		if x.requiresGrad {
			grad(x, dy.Clone())
		}
		if b.requiresGrad {
			grad(b, tensor.SumRows(dy))
		}
	})
}

// ScaleCols returns x ⊙ g broadcast over rows (LayerScale).
// Backward: dx = dy ⊙ g, dg = Σ_rows dy ⊙ x.
func (tp *Tape) ScaleCols(x, g *Var) *Var {
	y := tensor.ScaleCols(x.Value, g.Value)
	return tp.record("ScaleCols", y, []*Var{x, g}, nil, func(dy *tensor.Tensor) {
		if x.requiresGrad {
			grad(x, tensor.ScaleCols(dy, g.Value))
		}
		if g.requiresGrad {
			grad(g, tensor.MulSumRows(dy, x.Value))
		}
	})
}

// Gelu returns the exact GELU x·Φ(x), Φ the standard normal CDF.
// Backward: dx = dy·(Φ(x) + x·φ(x)), φ the standard normal density.
func (tp *Tape) Gelu(x *Var) *Var {
	y := tensor.Gelu(x.Value)
	return tp.record("Gelu", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
		grad(x, tensor.GeluBackward(x.Value, dy))
	})
}
