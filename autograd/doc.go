// Package autograd is reverse-mode automatic differentiation over
// tensor.Tensor.
//
// A Tape records the operators applied to Vars. Each operator lives in one
// file with its forward, its backward and the state it saves, and states
// both directions' math in its doc comment. Tape.Backward walks the
// recorded operators in reverse creation order (a valid topological order)
// and accumulates gradients into Var.Grad; leaf parameters keep their
// gradient buffers across steps (ZeroGrad clears them), intermediate
// gradients and saved tensors are released as soon as they are consumed,
// and Tape.Release returns the intermediate values to the device pool —
// which is how a GPU training step reaches a steady state without new
// allocations.
//
// NoGrad runs a function without recording (the DINO teacher, evaluation).
// GradCheck compares every rule with central finite differences computed
// in float64 on the kernels/ref references.
package autograd
