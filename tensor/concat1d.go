package tensor

// Concat1D returns the elements of every tensor, in order, as one tensor
// of shape (Σ numel) on their common device: each input is read flat, so
// scalars of any shape ((), (1), (1, 1)) and vectors mix. A trainer packs
// its per-step scalars (losses, gradient norms, the target entropy) with
// it and reads them back with one Data call, one wait for the device,
// instead of one wait per scalar. Concat(0, ...) is the same for inputs
// that are all 1-D.
func Concat1D(ts ...*Tensor) *Tensor {
	const op = "tensor.Concat1D"
	if len(ts) == 0 {
		panic(op + ": nothing to concatenate")
	}
	be := sameDevice(op, ts...)
	total := 0
	for _, t := range ts {
		total += t.st.n
	}
	out := newTensor(op, ts[0].st.dev, []int{total})
	off := 0
	for _, t := range ts {
		if n := t.st.n; n > 0 {
			be.copyAxis(out.st, total, off, t.st, n, 0, 1, n, 1)
			off += n
		}
	}
	return out
}
