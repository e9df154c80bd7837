// Package optim trains nn.Params the way DINOv2 does: per-iteration
// schedules, DINOv2's parameter-group rules, PyTorch's AdamW, per-module
// gradient-norm clipping and the teacher's exponential moving average.
//
// # Schedules
//
// [CosineSchedule] is DINOv2's CosineScheduler: with F = Freeze, W = Warmup,
// C = Total − W − F,
//
//	value(it) = 0                                            it < F
//	          = linspace(StartWarmup, Base, W)[it − F]         F ≤ it < F+W   (both ends included)
//	          = Final + ½(Base − Final)(1 + cos(π·i/C))        i = it − F − W < C
//	          = Final                                          it ≥ Total
//
// [Linear] and [Constant] build the teacher-temperature warm-up (0.04 → 0.07
// over 30 epochs, then 0.07) and constant schedules from the same type.
//
// # Parameter groups
//
// [DINOv2Groups] gives every trainable parameter of one sub-module (the
// backbone, the DINO head, the iBOT head) its learning-rate multiplier
// ρ^(L+1−layer_id) (× patch_embed_lr_mult for patch_embed.*), its weight-decay
// multiplier (0 for biases, norms and LayerScale gammas) and whether it is a
// prototype last layer. [AdamW.Step] then uses, per parameter,
//
//	lr_p = (IsLastLayer ? lastLayerLR : lr) · LRMult,   wd_p = wd · WDMult.
//
// # AdamW
//
// [AdamW] is torch.optim.AdamW (amsgrad off) on tensors of any device: with
// t the parameter's own step count (after incrementing),
//
//	p ← p·(1 − lr_p·wd_p)
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	p ← p − lr_p·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//
// Moments are allocated on the parameter's device at its first step; a
// parameter whose gradient is nil, or that does not require a gradient, is
// skipped (its step count does not advance), as in PyTorch. With lr_p = 0 —
// the prototype last layer during its freeze — p does not move but m, v and t
// still advance, which is DINOv2's behaviour. [AdamW.State] and
// [AdamW.LoadState] save and restore the moments and step counts exactly.
//
// # Packed storage
//
// [AdamW.Pack] puts the parameters, gradients and moments into
// tensor.Arena buffers (every tensor a view at an aligned offset), after
// which a step is one AdamW dispatch for all groups instead of one per
// tensor, bit-identical to the per-tensor step. [AdamW.StepControlled] also
// takes a control vector computed on the device by tensor.ClipControl: the
// per-module clip coefficients multiply the gradients inside the update, and
// a non-finite loss or gradient norm makes the device skip the step, after
// which [AdamW.UndoStep] restores the step counts. The pretraining trainer
// uses this so that a GPU step never waits for the host before its end.
//
// # Clipping and EMA
//
// [ClipGradNorm] is torch.nn.utils.clip_grad_norm_ over one sub-module:
// total = ‖(‖g₁‖₂, …, ‖gₙ‖₂)‖₂ and every gradient is multiplied by
// min(1, max/(total + 10⁻⁶)). [EMA] moves the teacher towards the student,
// t ← m·t + (1−m)·s, matching parameters by name.
package optim
