package cxformer

import (
	"math"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// dropPath is one block's stochastic depth (spec §1.4): a rate and the
// generator of the student's draws; a zero rate or a nil generator is the
// identity (evaluation, the teacher, CXformer's rate 0).
type dropPath struct {
	rate float64
	rng  *tensor.RNG
}

// dropPath returns block i's stochastic depth for a forward pass.
func (v *ViT) dropPath(i int, rng *tensor.RNG) dropPath {
	c := v.Cfg
	if rng == nil || c.DropPath <= 0 {
		return dropPath{}
	}
	rate := c.DropPath
	if !c.DropPathUniform && c.Depth > 1 {
		rate = c.DropPath * float64(i) / float64(c.Depth-1) // torch.linspace(0, rate, depth)
	}
	return dropPath{rate: rate, rng: rng}
}

// residual returns x + DropPath(branch(x)) for x (B, S, D), with DINOv2's
// two variants, each drawn anew per call (the attention and MLP branches
// draw separately):
//
//   - rate > 0.1: the branch runs on a random subset of k = max(⌊B(1−p)⌋, 1)
//     samples only and its output is added to them scaled by B/k;
//   - 0 < rate ≤ 0.1: each sample keeps its branch with probability 1−p,
//     scaled by 1/(1−p).
//
// Backward: gradients reach the branch through the kept samples only.
func (dp dropPath) residual(tp *autograd.Tape, x *autograd.Var, branch func(*autograd.Var) *autograd.Var) *autograd.Var {
	if dp.rate <= 0 {
		return tp.Add(x, branch(x))
	}
	s := x.Shape()
	b := s[0]
	flat := tp.Reshape(x, b, -1)
	if dp.rate > 0.1 {
		k := max(int(math.Floor(float64(b)*(1-dp.rate))), 1)
		idx := make([]int32, k)
		for i, p := range dp.rng.Perm(b)[:k] {
			idx[i] = int32(p)
		}
		sub := tp.Reshape(tp.GatherRows(flat, idx), append([]int{k}, s[1:]...)...)
		out := tp.Scale(branch(sub), float64(b)/float64(k))
		return tp.Reshape(tp.IndexAdd(flat, tp.Reshape(out, k, -1), idx), s...)
	}
	var keep []int32
	for i := 0; i < b; i++ {
		if dp.rng.Float64() >= dp.rate {
			keep = append(keep, int32(i))
		}
	}
	if len(keep) == 0 {
		return x
	}
	out := tp.Reshape(branch(x), b, -1)
	kept := tp.Scale(tp.GatherRows(out, keep), 1/(1-dp.rate))
	return tp.Reshape(tp.IndexAdd(flat, kept, keep), s...)
}
