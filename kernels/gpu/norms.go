package gpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// rkVariant is the template data and pipeline cache key of the
// one-workgroup-per-row kernels of norms.wgsl, losses.wgsl and ssl.wgsl:
// the file, the operation within it, the workgroup size and
// whether rows are read as vec4<f32> (cols % 4 == 0).
type rkVariant struct {
	File string
	Mode string
	WG   int
	Vec4 bool
}

// T is the WGSL element type the variant reads rows in.
func (v rkVariant) T() string {
	if v.Vec4 {
		return "vec4<f32>"
	}
	return "f32"
}

// rkGroupSize picks the invocations per workgroup of a row kernel from the
// row length in elements of the variant's type: 64 for short rows (most
// invocations would idle), 256 in general, and 1024 for very long rows
// where the device allows it, because such ops (the DINO loss over 65,536
// prototypes) run few rows and need many loads in flight per row.
//
// A CPU adapter (lavapipe) always gets 64: it gains nothing from wide
// workgroups, and its compiler's time grows steeply with the workgroup size
// (lavapipe 22.3, loss kernels: 0.2 s for 64, about 1 s for 256 and 25 to
// 40 s for 1024 invocations, per variant).
// rkForceWG overrides the choice (tests use it to cover the wide variants).
func (d *Device) rkGroupSize(units, stateBytes int) int {
	switch {
	case rkForceWG != 0:
		return rkForceWG
	case units <= 256 || d.info.DeviceType == "CPU":
		return 64
	case units >= 4096 && d.limits.MaxComputeInvocationsPerWorkgroup >= 1024 &&
		int(d.limits.MaxComputeWorkgroupStorageSize) >= 1024*stateBytes:
		return 1024
	}
	return 256
}

// rkForceWG, when non-zero, is the workgroup size of every row kernel
// launched after it is set (a power of two; a test hook).
var rkForceWG int

// rkKernel returns the row kernel (file, mode) for rows of cols floats,
// with stateBytes of workgroup memory per invocation, and the row length
// in the kernel's element units.
func (d *Device) rkKernel(file, mode string, cols, stateBytes int, bind []access) (*kernel, int, error) {
	vec4 := cols%4 == 0
	units := cols
	if vec4 {
		units = cols / 4
	}
	v := rkVariant{File: file, Mode: mode, WG: d.rkGroupSize(units, stateBytes), Vec4: vec4}
	k, err := d.kernel(v, func() kernelSpec {
		return kernelSpec{file: file, data: v, bind: bind}
	})
	return k, units, err
}

// rkDispatch launches a row kernel over rows workgroups (folded into two
// grid dimensions) with the given parameter block.
func (d *Device) rkDispatch(k *kernel, p *params, bufs []*devBuf, rows int) error {
	x, y := d.grid2D(rows)
	return d.dispatch(k, p, bufs, x, y, 1)
}

// checkDistinct panics unless the named buffers are distinct: a buffer
// written by a kernel may not also be bound as another of its arguments.
func checkDistinct(op string, names []string, bufs ...*Buffer) {
	for i := range bufs {
		for j := i + 1; j < len(bufs); j++ {
			if bufs[i].overlaps(bufs[j]) {
				panic(fmt.Sprintf("%s: %s and %s are the same buffer or overlapping views; this op needs distinct buffers", op, names[i], names[j]))
			}
		}
	}
}

// checkBuffers runs checkBuffer on every (name, buffer) pair.
func (d *Device) checkBuffers(op string, names []string, bufs ...*Buffer) {
	for i, b := range bufs {
		d.checkBuffer(op, names[i], b)
	}
}

// L2Normalize queues the row-wise L2 normalisation of the rows×cols matrix
// x (PyTorch F.normalize(x, dim=-1, eps)):
//
//	n_r = ‖x[r,:]‖₂,  y[r,:] = x[r,:] / max(n_r, eps),  norm[r] = n_r
//
// with the semantics of ref.L2Normalize (norm keeps the unclamped n_r for
// the backward). One workgroup per row. y must not be x.
//
// Backward: L2NormalizeBackward.
func (d *Device) L2Normalize(y, norm, x *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.L2Normalize"
	names := []string{"y", "norm", "x"}
	d.checkBuffers(op, names, y, norm, x)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckRows(op, "y", y.n, rows, cols)
	kernels.CheckLen(op, "norm", norm.n, rows)
	checkDistinct(op, names, y, norm, x)
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.l2NormalizeLocked(y, norm, x, rows, cols, eps)
}

func (d *Device) l2NormalizeLocked(y, norm, x *Buffer, rows, cols int, eps float64) error {
	k, units, err := d.rkKernel("norms.wgsl", "l2", cols, 4, []access{readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(units).f32(eps)
	return d.rkDispatch(k, &p, []*devBuf{x.buf, y.buf, norm.buf}, rows)
}

// L2NormalizeBackward queues the gradient of L2Normalize from the output
// gradient dy, the output y and the saved norms n = norm[r], row by row
// (ref.L2NormalizeBackward):
//
//	if n > eps:  dx = (dy − y·(y·dy)) / n
//	else:        dx = dy / eps
//
// dx must be distinct from the inputs.
func (d *Device) L2NormalizeBackward(dx, dy, y, norm *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.L2NormalizeBackward"
	names := []string{"dx", "dy", "y", "norm"}
	d.checkBuffers(op, names, dx, dy, y, norm)
	kernels.CheckRows(op, "dx", dx.n, rows, cols)
	kernels.CheckRows(op, "dy", dy.n, rows, cols)
	kernels.CheckRows(op, "y", y.n, rows, cols)
	kernels.CheckLen(op, "norm", norm.n, rows)
	checkDistinct(op, names[:2], dx, dy)
	checkDistinct(op, []string{"dx", "y"}, dx, y)
	checkDistinct(op, []string{"dx", "norm"}, dx, norm)
	if rows == 0 || cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("norms.wgsl", "l2back", cols, 4, []access{readOnly, readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(units).f32(eps)
	return d.rkDispatch(k, &p, []*devBuf{dy.buf, y.buf, norm.buf, dx.buf}, rows)
}

// WeightNorm queues the weight of a weight-normalised layer
// (torch.nn.utils.weight_norm, dim=0: the DINO head's last layer) from the
// rows×cols direction v and the per-row magnitude g (ref.WeightNorm):
//
//	norm[k] = ‖v[k,:]‖₂,  w[k,:] = (g[k]/norm[k])·v[k,:]
//
// A zero row of v gives NaN, as in PyTorch. w must not be v.
//
// Backward: WeightNormBackward.
func (d *Device) WeightNorm(w, norm, g, v *Buffer, rows, cols int) error {
	const op = "gpu.WeightNorm"
	names := []string{"w", "norm", "g", "v"}
	d.checkBuffers(op, names, w, norm, g, v)
	kernels.CheckRows(op, "v", v.n, rows, cols)
	kernels.CheckRows(op, "w", w.n, rows, cols)
	kernels.CheckLen(op, "g", g.n, rows)
	kernels.CheckLen(op, "norm", norm.n, rows)
	checkDistinct(op, names, w, norm, g, v)
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("norms.wgsl", "wn", cols, 4, []access{readOnly, readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(units).f32(0)
	return d.rkDispatch(k, &p, []*devBuf{v.buf, g.buf, w.buf, norm.buf}, rows)
}

// WeightNormBackward queues the gradients of WeightNorm from the weight
// gradient dw, g, v and the saved row norms (ref.WeightNormBackward). With
// v̂ = v[k,:]/‖v[k,:]‖:
//
//	dg[k] = dw[k,:]·v̂
//	dv[k,:] = (g[k]/‖v[k,:]‖)·(dw[k,:] − (dw[k,:]·v̂)·v̂)
//
// dg and dv must be distinct from every other argument.
func (d *Device) WeightNormBackward(dg, dv, dw, g, v, norm *Buffer, rows, cols int) error {
	const op = "gpu.WeightNormBackward"
	names := []string{"dg", "dv", "dw", "g", "v", "norm"}
	d.checkBuffers(op, names, dg, dv, dw, g, v, norm)
	kernels.CheckRows(op, "dv", dv.n, rows, cols)
	kernels.CheckRows(op, "dw", dw.n, rows, cols)
	kernels.CheckRows(op, "v", v.n, rows, cols)
	kernels.CheckLen(op, "dg", dg.n, rows)
	kernels.CheckLen(op, "g", g.n, rows)
	kernels.CheckLen(op, "norm", norm.n, rows)
	for i, b := range []*Buffer{dw, g, v, norm} {
		checkDistinct(op, []string{"dg", names[2+i]}, dg, b)
		checkDistinct(op, []string{"dv", names[2+i]}, dv, b)
	}
	checkDistinct(op, names[:2], dg, dv)
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("norms.wgsl", "wnback", cols, 4,
		[]access{readOnly, readOnly, readOnly, readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(units).f32(0)
	return d.rkDispatch(k, &p, []*devBuf{dw.buf, g.buf, v.buf, norm.buf, dg.buf, dv.buf}, rows)
}
