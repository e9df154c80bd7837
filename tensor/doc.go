// Package tensor provides float32 tensors that live on one device — the
// CPU or a GPU — and every operator gocx needs on them.
//
// A Tensor is a shape plus a reference-counted storage; it is always
// contiguous and row-major. Reshape shares the storage; every other
// operator writes a new tensor on the device of its inputs, through that
// device's kernel library (kernels/cpu or kernels/gpu). Mixing devices in
// one operator panics with a *DeviceMismatchError naming both devices;
// moving data is explicit with To.
//
// Errors and panics follow gonum: constructors that take user data
// (FromSlice, New with a bad shape) return errors; a shape mismatch inside
// an operator is a programming error and panics with the operator's name
// and both shapes. A device failure (a lost GPU, an allocation beyond its
// limits) panics with a *DeviceError; Try turns such panics back into
// errors at an API boundary.
//
// GPU storage is pooled by the device: Release returns a tensor's buffer
// for reuse, which is what lets a training step reach a steady state with
// no new GPU allocations.
//
// An Arena packs many tensors into one buffer at aligned offsets: each of
// its views is an ordinary tensor, while AdamWArena, EMAArena and
// SumSquaresRanges reach every view at once (one dispatch on a GPU), and
// ClipControl turns gradient norms into the clip coefficients and skip flag
// of a training step that never reads the device back in its middle.
package tensor
