package gpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// stStateBytes is the workgroup memory per invocation of the online
// softmax-state kernels (four f32: max, sum, A, T).
const stStateBytes = 16

// SoftCrossEntropy queues, for each row r of the rows×cols target t and
// score s matrices, the cross-entropy of the soft target against the
// tempered student distribution (ref.SoftCrossEntropy):
//
//	loss[r] = −Σ_k t[r,k]·log_softmax(s[r,:]/temp)_k
//
// One workgroup per row reads t and s once, folding them into an online
// (max, Σ e^{z−max}, Σ t·(max−z), Σ t) state, so rows of 65,536 and more
// columns cost one pass. loss must be distinct from t and s.
//
// Backward: SoftCrossEntropyBackward (t gets no gradient).
func (d *Device) SoftCrossEntropy(loss, t, s *Buffer, rows, cols int, temp float64) error {
	const op = "gpu.SoftCrossEntropy"
	names := []string{"loss", "t", "s"}
	d.checkBuffers(op, names, loss, t, s)
	kernels.CheckRows(op, "s", s.n, rows, cols)
	kernels.CheckRows(op, "t", t.n, rows, cols)
	kernels.CheckLen(op, "loss", loss.n, rows)
	checkDistinct(op, names[:2], loss, t)
	checkDistinct(op, []string{"loss", "s"}, loss, s)
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("losses.wgsl", "fwd", cols, stStateBytes, []access{readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	p := tempParams(rows, units, temp)
	return d.rkDispatch(k, &p, []*devBuf{t.buf, s.buf, loss.buf}, rows)
}

// SoftCrossEntropyBackward queues the gradient of SoftCrossEntropy with
// respect to the scores (ref.SoftCrossEntropyBackward):
//
//	ds[r,k] = dloss[r]·(softmax(s[r,:]/temp)_k·Σ_j t[r,j] − t[r,k]) / temp
//
// One workgroup per row: one pass for the softmax state, one to write ds.
// ds must be distinct from the inputs.
func (d *Device) SoftCrossEntropyBackward(ds, dloss, t, s *Buffer, rows, cols int, temp float64) error {
	const op = "gpu.SoftCrossEntropyBackward"
	names := []string{"ds", "dloss", "t", "s"}
	d.checkBuffers(op, names, ds, dloss, t, s)
	kernels.CheckRows(op, "ds", ds.n, rows, cols)
	kernels.CheckRows(op, "s", s.n, rows, cols)
	kernels.CheckRows(op, "t", t.n, rows, cols)
	kernels.CheckLen(op, "dloss", dloss.n, rows)
	for i, b := range []*Buffer{dloss, t, s} {
		checkDistinct(op, []string{"ds", names[1+i]}, ds, b)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("losses.wgsl", "back", cols, stStateBytes, []access{readOnly, readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	p := tempParams(rows, units, temp)
	return d.rkDispatch(k, &p, []*devBuf{t.buf, s.buf, dloss.buf, ds.buf}, rows)
}

// tempParams is the parameter block of the tempered-softmax row kernels:
// rows, units per row, τ = |temp|, sign(temp) and temp. Working with
// u = sign(temp)·s and τ > 0 keeps "max of s/temp" a max of u for either
// sign of temp.
func tempParams(rows, units int, temp float64) params {
	var p params
	sgn := 1.0
	if math.Signbit(temp) {
		sgn = -1
	}
	p.int(rows).int(units).f32(math.Abs(temp)).f32(sgn).f32(temp)
	return p
}
