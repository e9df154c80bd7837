// Package nn holds the building blocks of models on top of autograd:
// named parameters, Linear and LayerNorm layers, and the parameter
// registry that checkpoints and optimisers walk.
//
// A layer owns its parameters as autograd Vars (leaves). Forward functions
// take the Tape to record on, so the same layer runs with gradients (the
// student) or without (the teacher, evaluation: tp.NoGrad). Parameter
// names are the DINOv2 state-dict names (e.g. "blocks.0.attn.qkv.weight"),
// so loading a checkpoint is a lookup, not a translation.
package nn
