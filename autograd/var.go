package autograd

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// Var is a tensor in a computation: its value, its gradient (nil until a
// backward pass reaches it) and the operator that made it.
type Var struct {
	Value *tensor.Tensor
	Grad  *tensor.Tensor
	Name  string

	requiresGrad bool
	leaf         bool
	node         *node
	keep         bool
}

// Param wraps a trainable tensor: a leaf whose gradient accumulates
// across Backward calls until ZeroGrad.
func Param(t *tensor.Tensor, name string) *Var {
	return &Var{Value: t, Name: name, requiresGrad: true, leaf: true}
}

// Const wraps a tensor that needs no gradient (data, targets).
func Const(t *tensor.Tensor) *Var { return &Var{Value: t, leaf: true} }

// Input wraps a leaf that needs a gradient without being a parameter
// (e.g. the gradient of a model with respect to its input image).
func Input(t *tensor.Tensor) *Var { return &Var{Value: t, requiresGrad: true, leaf: true} }

// RequiresGrad reports whether gradients flow into v.
func (v *Var) RequiresGrad() bool { return v.requiresGrad }

// SetRequiresGrad freezes (false) or unfreezes a leaf.
func (v *Var) SetRequiresGrad(b bool) {
	if !v.leaf {
		panic(fmt.Sprintf("autograd: SetRequiresGrad on non-leaf %q", v.Name))
	}
	v.requiresGrad = b
}

// Shape returns the value's shape.
func (v *Var) Shape() []int { return v.Value.Shape() }

// ZeroGrad clears the accumulated gradient, keeping its buffer.
func (v *Var) ZeroGrad() {
	if v.Grad != nil {
		v.Grad.SetZero()
	}
}

// Keep marks an intermediate whose value must survive Tape.Release (a
// feature the caller reads after the step).
func (v *Var) Keep() *Var { v.keep = true; return v }

// accumulate adds g into v.Grad, taking ownership of g.
func (v *Var) accumulate(g *tensor.Tensor) {
	if g == nil {
		return
	}
	if v.Grad == nil && v.leaf {
		// A leaf keeps its gradient buffer across steps, so every step
		// (the first included) adds into it: the same buffers are live at
		// the same time in every step, which is what keeps a GPU training
		// loop free of new allocations after its first pass.
		v.Grad = tensor.Zeros(g.Device(), v.Value.Shape()...)
	}
	if v.Grad == nil {
		if !slicesEqual(g.Shape(), v.Value.Shape()) {
			r := g.Reshape(v.Value.Shape()...)
			g.Release()
			g = r
		}
		v.Grad = g
		return
	}
	tensor.AddInPlace(v.Grad, g)
	g.Release()
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Const wraps t as a constant owned by the tape: Release frees it with
// the intermediates. Use it for tensors made during a step (targets,
// weights) that backward rules read.
func (tp *Tape) Const(t *tensor.Tensor) *Var {
	v := Const(t)
	tp.owned = append(tp.owned, v)
	return v
}
