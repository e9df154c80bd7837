// Package state reads and writes named arrays: model parameters, optimizer
// state and test references stored as safetensors files or PyTorch
// checkpoints (.pth, zip or legacy pickle format).
//
// It knows nothing of tensors or devices. A [File] is an ordered set of raw
// [Array] values (name, element type, shape, data) plus string metadata;
// callers convert arrays into tensors themselves. Key names are kept exactly
// as they appear in the file; nested PyTorch dictionaries are flattened with
// "." between the levels (see [ReadTorch]). Key maps between checkpoint
// layouts live in package cxformer/ckpt.
//
// Every reader treats its input as untrusted: a truncated or corrupted file
// yields an error that names the file and the problem, never a panic and never
// a partially filled result.
package state
