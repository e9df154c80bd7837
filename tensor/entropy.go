package tensor

import (
	"fmt"

	"github.com/gocx/gocx/kernels/cpu"
)

// entropyBackend is the device seam of MeanRowEntropy (embedded in
// backend).
type entropyBackend interface {
	// meanRowEntropy writes to dst (one element) the mean entropy of the
	// first min(rows, maxRows) rows of p (rows×cols).
	meanRowEntropy(dst, p *storage, rows, cols, maxRows int)
}

// MeanRowEntropy returns, as a tensor of shape (1) on p's device, the mean
// entropy in nats of the first min(rows, maxRows) rows of p, each row (the
// last axis) a probability distribution:
//
//	H_r = −Σ_k p[r,k]·ln p[r,k]   (p ≤ 0 contributes 0: 0·ln 0 = 0),   mean over r
//
// It is the collapse monitor of the DINO teacher targets: computed where p
// lives, so a GPU trainer reads back one float (with its other per-step
// scalars, see Concat1D) instead of the targets. A p without rows gives
// NaN. maxRows < 1 panics. Not differentiable (a monitor).
func MeanRowEntropy(p *Tensor, maxRows int) *Tensor {
	const op = "tensor.MeanRowEntropy"
	if maxRows < 1 {
		panic(fmt.Sprintf("%s: maxRows=%d, want at least 1 (p %s)", op, maxRows, ShapeString(p.shape)))
	}
	// Rows are counted from the leading axes (not as numel/cols, which
	// would lose them when the last axis is empty: rows of entropy 0).
	rows, cols := 1, 1
	if r := len(p.shape); r > 0 {
		rows, cols = numel(op, p.shape[:r-1]), p.shape[r-1]
	}
	dst := newTensor(op, p.st.dev, []int{1})
	p.st.dev.backend().meanRowEntropy(dst.st, p.st, rows, cols, maxRows)
	return dst
}

func (cpuBackend) meanRowEntropy(dst, p *storage, rows, cols, maxRows int) {
	cpu.MeanRowEntropy(dst.cpu, p.cpu, rows, cols, maxRows)
}
