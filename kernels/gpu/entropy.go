package gpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// MeanRowEntropy queues the mean entropy (nats) of the first
// n = min(rows, maxRows) rows of the rows×cols matrix p into dst (one
// element), the collapse monitor of the DINO teacher targets
// (ref.MeanRowEntropy):
//
//	H_r = −Σ_k p[r,k]·ln p[r,k]   (p ≤ 0 contributes 0),   dst[0] = (1/n) Σ_{r<n} H_r
//
// The result stays on the device (a trainer reads it back with its other
// per-step scalars). One workgroup per row reduces H_r in float32 (strided
// partial sums, then a fixed-order tree), then one workgroup averages the
// n values in a fixed order: deterministic, no float atomics. The rows
// after the first n are not read. rows = 0 gives NaN, like the reference;
// maxRows < 1 panics. A NaN in p gives NaN where the driver keeps NaN
// (WGSL does not promise it). No backward: a monitor, not a loss. dst must
// be distinct from p.
func (d *Device) MeanRowEntropy(dst, p *Buffer, rows, cols, maxRows int) error {
	const op = "gpu.MeanRowEntropy"
	names := []string{"dst", "p"}
	d.checkBuffers(op, names, dst, p)
	kernels.CheckRows(op, "p", p.n, rows, cols)
	kernels.CheckLen(op, "dst", dst.n, 1)
	if maxRows < 1 {
		panic(fmt.Sprintf("%s: maxRows=%d, want at least 1", op, maxRows))
	}
	checkDistinct(op, names, dst, p)
	n := min(rows, maxRows)
	switch {
	case n == 0:
		return d.Fill(dst, float32(math.NaN())) // 0/0, as the reference
	case cols == 0:
		return d.Fill(dst, 0) // every row is an empty sum
	}
	term, err := d.Alloc(n)
	if err != nil {
		return err
	}
	defer term.Release() // queued work keeps its buffer (see Buffer.Release)
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("entropy.wgsl", "ent_row", cols, 4, []access{readOnly, readWrite})
	if err != nil {
		return err
	}
	var prm params
	prm.int(n).int(units)
	if err := d.rkDispatch(k, &prm, []*devBuf{p.buf, term.buf}, n); err != nil {
		return err
	}
	v := rkVariant{File: "entropy.wgsl", Mode: "ent_mean", WG: d.flatGroupSize()}
	k, err = d.kernel(v, func() kernelSpec {
		return kernelSpec{file: "entropy.wgsl", data: v, bind: []access{readOnly, readWrite}}
	})
	if err != nil {
		return err
	}
	return d.dispatch(k, &prm, []*devBuf{term.buf, dst.buf}, 1, 1, 1)
}
