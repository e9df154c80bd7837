package gpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// Softmax queues y = softmax(x) over each row of a rows×cols matrix:
//
//	y[r,k] = e^{x[r,k]−m_r} / Σ_j e^{x[r,j]−m_r},  m_r = max_j x[r,j].
//
// Backward: SoftmaxBackward. y and x must be distinct buffers.
func (d *Device) Softmax(y, x *Buffer, rows, cols int) error {
	return d.softmaxFwd("gpu.Softmax", "fwd", y, x, rows, cols)
}

// LogSoftmax queues y = log softmax(x) row by row:
//
//	y[r,k] = x[r,k] − m_r − log Σ_j e^{x[r,j]−m_r}.
//
// Backward: LogSoftmaxBackward. y and x must be distinct buffers.
func (d *Device) LogSoftmax(y, x *Buffer, rows, cols int) error {
	return d.softmaxFwd("gpu.LogSoftmax", "logfwd", y, x, rows, cols)
}

// SoftmaxBackward queues the gradient of Softmax from its output y and the
// output gradient dy: dx[r,k] = y[r,k]·(dy[r,k] − Σ_j dy[r,j]·y[r,j]).
func (d *Device) SoftmaxBackward(dx, y, dy *Buffer, rows, cols int) error {
	return d.softmaxBwd("gpu.SoftmaxBackward", "bwd", dx, y, dy, rows, cols)
}

// LogSoftmaxBackward queues the gradient of LogSoftmax from its output y
// and dy: dx[r,k] = dy[r,k] − e^{y[r,k]}·Σ_j dy[r,j].
func (d *Device) LogSoftmaxBackward(dx, y, dy *Buffer, rows, cols int) error {
	return d.softmaxBwd("gpu.LogSoftmaxBackward", "logbwd", dx, y, dy, rows, cols)
}

func (d *Device) softmaxFwd(op, mode string, y, x *Buffer, rows, cols int) error {
	d.checkBuffer(op, "y", y)
	d.checkBuffer(op, "x", x)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckRows(op, "y", y.n, rows, cols)
	mustDiffer(op, "y", y, "x", x)
	if rows == 0 || cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.softmaxLaunch(mode, []*devBuf{x.buf, y.buf}, []access{readOnly, readWrite}, rows, cols)
}

func (d *Device) softmaxBwd(op, mode string, dx, y, dy *Buffer, rows, cols int) error {
	d.checkBuffer(op, "dx", dx)
	d.checkBuffer(op, "y", y)
	d.checkBuffer(op, "dy", dy)
	kernels.CheckRows(op, "dx", dx.n, rows, cols)
	kernels.CheckRows(op, "y", y.n, rows, cols)
	kernels.CheckRows(op, "dy", dy.n, rows, cols)
	mustDiffer(op, "dx", dx, "y", y)
	mustDiffer(op, "dx", dx, "dy", dy)
	if rows == 0 || cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.softmaxLaunch(mode, []*devBuf{y.buf, dy.buf, dx.buf}, []access{readOnly, readOnly, readWrite}, rows, cols)
}

// softmaxLaunch records one softmax.wgsl kernel of the given mode over
// bufs: the register path when the row fits (see rowkernels.go), else one
// workgroup per row.
func (d *Device) softmaxLaunch(mode string, bufs []*devBuf, bind []access, rows, cols int) error {
	fwd := mode == "fwd" || mode == "logfwd"
	var p params
	p.int(rows).int(cols)
	if plan, ok := d.planRows(cols, currentRowTuning()); ok {
		k, v, err := d.rowRegKernel("softmax.wgsl", mode, plan, fwd, false, bind)
		if err != nil {
			return err
		}
		return d.rowRegDispatch(k, v, &p, bufs, rows)
	}
	ops := []string{"sum"}
	if fwd {
		ops = append(ops, "max")
	}
	k, err := d.rowKernel("softmax.wgsl", mode, cols, ops, bind)
	if err != nil {
		return err
	}
	return d.rowDispatch(k, &p, bufs, rows)
}

// mustDiffer panics when an output buffer is also bound as an input: a
// buffer cannot be both read-only and writable in one dispatch.
func mustDiffer(op, outName string, out *Buffer, inName string, in *Buffer) {
	if out.overlaps(in) {
		panic(fmt.Sprintf("%s: %s and %s must be different buffers (or non-overlapping views)", op, outName, inName))
	}
}
