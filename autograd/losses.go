package autograd

import "github.com/gocx/gocx/tensor"

// SoftCrossEntropy returns, per row, the cross-entropy of teacher
// probabilities t against the student's tempered log-softmax:
//
//	loss_r = −Σ_k t_rk · log softmax(s_r / temp)_k
//
// t is a constant (no gradient flows into the teacher). Backward:
//
//	ds_rk = dloss_r · (softmax(s_r/temp)_k · Σ_j t_rj − t_rk) / temp
func (tp *Tape) SoftCrossEntropy(t, s *Var, temp float64) *Var {
	loss := tensor.SoftCrossEntropy(t.Value, s.Value, temp)
	return tp.record("SoftCrossEntropy", loss, []*Var{s}, nil, func(dl *tensor.Tensor) {
		grad(s, tensor.SoftCrossEntropyBackward(dl, t.Value, s.Value, temp))
	})
}
