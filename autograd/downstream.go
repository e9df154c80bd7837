package autograd

import "github.com/gocx/gocx/tensor"

// BCEWithLogits returns the elementwise weighted binary cross-entropy of
// logits x against constant targets y with constant weights w:
//
//	loss = w·(max(x,0) − x·y + log(1 + e^{−|x|}))
//
// Backward: dx = dloss·w·(σ(x) − y).
func (tp *Tape) BCEWithLogits(x, y, w *Var) *Var {
	loss := tensor.BCEWithLogits(x.Value, y.Value, w.Value)
	return tp.record("BCEWithLogits", loss, []*Var{x}, nil, func(dl *tensor.Tensor) {
		grad(x, tensor.BCEWithLogitsBackward(dl, x.Value, y.Value, w.Value))
	})
}

// SoftDice returns per-row soft Dice coefficients of probabilities p
// against constant targets t: (2Σp·t + eps)/(Σp + Σt + eps).
// Backward: dp = ddice·(2t·S − (2I + eps))/S², I = Σp·t, S = Σp + Σt + eps.
func (tp *Tape) SoftDice(p, t *Var, eps float64) *Var {
	d := tensor.SoftDice(p.Value, t.Value, eps)
	return tp.record("SoftDice", d, []*Var{p}, nil, func(dd *tensor.Tensor) {
		grad(p, tensor.SoftDiceBackward(dd, p.Value, t.Value, eps))
	})
}
