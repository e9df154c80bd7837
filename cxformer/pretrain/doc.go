// Package pretrain trains CXformer (DINOv2 with registers) self-supervised
// on one device: DINO + iBOT + KoLeo with a momentum teacher, exactly as
// spec §3-§8 (shared/spec/dinov2-cxformer.md).
//
// A [Config] holds the objective (cxformer.SSLConfig) and DINOv2's
// optimisation settings; [CXformerS], [CXformerB] and [Tiny] are presets
// and [ReadConfigFile] overlays a JSON file (DINOv2's section and key
// names, unknown keys rejected) on one. [NewTrainer] builds the student and
// an identical teacher; [Trainer.Init] loads a pretrained backbone into
// both (continual pretraining). Each [Trainer.Step] is one iteration of
// spec §7.5:
//
//	lr, wd, momentum, τt, last-layer lr ← schedules(it)
//	zero grads; loss ← SSLForward(batch, τt)      teacher first (center update recorded)
//	backward; clip each of backbone, dino_head, ibot_head to ClipGrad
//	AdamW (DINOv2 groups; last layer lr 0 during its freeze)
//	teacher ← m·teacher + (1−m)·student            every parameter
//
// A NaN or infinite loss term (or gradient norm) stops the step with a
// [*NonFiniteError] naming it, before anything changes. Metrics report
// every loss term, the teacher's target entropy and the center norm; a
// [CollapseMonitor] flags the one-hot and uniform collapse signatures.
//
// Checkpoints ([Trainer.SaveCheckpoint]) are single safetensors files
// written atomically, with student, teacher, AdamW moments, centers, step
// and config, and a SHA-256 of the arrays; [Trainer.Resume] continues a run
// bit-for-bit on the CPU. Batches come from a [DataSource], deterministic
// per step: [Images] cuts the multi-crop views of a set of images (a
// folder, CheXpert, phantoms), [RandomCrops] draws synthetic ones.
// [AuditStep] runs one step on a given batch and returns every
// intermediate named as in the golden SSL data.
package pretrain
