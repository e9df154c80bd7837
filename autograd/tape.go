package autograd

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// node is one recorded operator: the Vars it read, the Var it made and
// its backward rule.
type node struct {
	inputs   []*Var
	out      *Var
	backward func(dy *tensor.Tensor) // accumulates into inputs
	saved    []*tensor.Tensor        // released once backward has run
	op       string
}

// Tape records operators for one forward/backward pass.
type Tape struct {
	nodes     []*node
	owned     []*Var // intermediates whose values Release frees
	noGrad    int
	released  bool
	backwards int
}

// NewTape returns an empty recording tape.
func NewTape() *Tape { return &Tape{} }

// NoGrad runs f with recording switched off on this tape: operators still
// compute (and their results are still released by Release) but no
// gradient will flow through them.
func (tp *Tape) NoGrad(f func()) {
	tp.noGrad++
	defer func() { tp.noGrad-- }()
	f()
}

// Recording reports whether operators are recorded now.
func (tp *Tape) Recording() bool { return tp.noGrad == 0 }

// record makes the output Var of an operator. When recording and some
// input needs a gradient, the backward rule and saved tensors are kept;
// otherwise the saved tensors are released at once.
func (tp *Tape) record(op string, value *tensor.Tensor, inputs []*Var, saved []*tensor.Tensor,
	backward func(dy *tensor.Tensor)) *Var {
	if tp.released {
		panic("autograd: operator " + op + " on a released tape")
	}
	out := &Var{Value: value, Name: op}
	tp.owned = append(tp.owned, out)
	if !tp.needGrad(inputs) {
		for _, s := range saved {
			s.Release()
		}
		return out
	}
	out.requiresGrad = true
	out.node = &node{inputs: inputs, out: out, backward: backward, saved: saved, op: op}
	tp.nodes = append(tp.nodes, out.node)
	return out
}

// needGrad reports whether an operator on inputs would be recorded: the
// tape is recording and some input needs a gradient. Operators whose
// forward can skip work the backward alone needs ask it first.
func (tp *Tape) needGrad(inputs []*Var) bool {
	if tp.noGrad != 0 {
		return false
	}
	for _, in := range inputs {
		if in.requiresGrad {
			return true
		}
	}
	return false
}

// Backward back-propagates from a one-element loss (seed gradient 1).
func (tp *Tape) Backward(loss *Var) {
	if loss.Value.Numel() != 1 {
		panic(fmt.Sprintf("autograd.Backward: loss has shape %v; use BackwardFrom for a non-scalar", loss.Shape()))
	}
	tp.BackwardFrom(loss, tensor.Full(loss.Value.Device(), 1, loss.Shape()...))
}

// BackwardFrom back-propagates from out with the given seed gradient
// (shaped like out; the tape takes ownership of it).
func (tp *Tape) BackwardFrom(out *Var, seed *tensor.Tensor) {
	if tp.backwards > 0 {
		panic("autograd: Backward called twice on one tape (saved tensors are already released)")
	}
	tp.backwards++
	if !out.requiresGrad {
		seed.Release()
		return
	}
	out.accumulate(seed)
	for i := len(tp.nodes) - 1; i >= 0; i-- {
		n := tp.nodes[i]
		dy := n.out.Grad
		if dy != nil {
			n.backward(dy)
		}
		for _, s := range n.saved {
			s.Release()
		}
		n.saved = nil
		if !n.out.leaf && !n.out.keep && n.out.Grad != nil {
			n.out.Grad.Release()
			n.out.Grad = nil
		}
	}
}

// Release frees the values of every intermediate the tape made (except
// those marked Keep) and any saved tensors of a tape that was never
// back-propagated. The tape cannot be used afterwards.
func (tp *Tape) Release() {
	if tp.released {
		return
	}
	tp.released = true
	for _, n := range tp.nodes {
		for _, s := range n.saved {
			s.Release()
		}
		n.saved = nil
	}
	for _, v := range tp.owned {
		if v.keep {
			continue
		}
		if v.Value != nil && !v.Value.Released() {
			v.Value.Release()
		}
		if v.Grad != nil && !v.Grad.Released() {
			v.Grad.Release()
			v.Grad = nil
		}
	}
	tp.nodes, tp.owned = nil, nil
}

// grad passes g to v when v needs a gradient, else releases it.
func grad(v *Var, g *tensor.Tensor) {
	if g == nil {
		return
	}
	if !v.requiresGrad {
		g.Release()
		return
	}
	v.accumulate(g)
}
