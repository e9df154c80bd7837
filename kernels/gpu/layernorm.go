package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// LayerNorm queues the row-wise layer normalisation of the rows×cols x
// (PyTorch nn.LayerNorm over the last axis):
//
//	μ_r = mean_k x[r,k],  σ²_r = mean_k (x[r,k] − μ_r)²  (biased, two passes)
//	rstd_r = 1/√(σ²_r + eps),  y[r,k] = (x[r,k] − μ_r)·rstd_r·γ[k] + β[k]
//
// and saves μ and rstd (length rows) for the backward, LayerNormBackward.
// y, mean and rstd must be distinct from the inputs.
func (d *Device) LayerNorm(y, mean, rstd, x, gamma, beta *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.LayerNorm"
	for _, b := range []struct {
		name string
		b    *Buffer
	}{{"y", y}, {"mean", mean}, {"rstd", rstd}, {"x", x}, {"gamma", gamma}, {"beta", beta}} {
		d.checkBuffer(op, b.name, b.b)
	}
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckRows(op, "y", y.n, rows, cols)
	kernels.CheckLen(op, "mean", mean.n, rows)
	kernels.CheckLen(op, "rstd", rstd.n, rows)
	kernels.CheckLen(op, "gamma", gamma.n, cols)
	kernels.CheckLen(op, "beta", beta.n, cols)
	for _, out := range []*Buffer{y, mean, rstd} {
		mustDiffer(op, "an output", out, "x", x)
		mustDiffer(op, "an output", out, "gamma", gamma)
		mustDiffer(op, "an output", out, "beta", beta)
	}
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	bind := []access{readOnly, readOnly, readOnly, readWrite, readWrite, readWrite}
	bufs := []*devBuf{x.buf, gamma.buf, beta.buf, y.buf, mean.buf, rstd.buf}
	var p params
	p.int(rows).int(cols).f32(eps).int(0)
	if plan, ok := d.planRows(cols, currentRowTuning()); ok {
		k, v, err := d.rowRegKernel("layernorm.wgsl", "fwd", plan, false, false, bind)
		if err != nil {
			return err
		}
		return d.rowRegDispatch(k, v, &p, bufs, rows)
	}
	k, err := d.rowKernel("layernorm.wgsl", "fwd", cols, []string{"sum"}, bind)
	if err != nil {
		return err
	}
	return d.rowDispatch(k, &p, bufs, rows)
}

// LayerNormBackward queues the gradients of LayerNorm from dy, the input x
// and the saved mean and rstd. With x̂ = (x − μ)·rstd and g = dy⊙γ:
//
//	dx = rstd·(g − mean_k g − x̂·mean_k(g⊙x̂))    (per row)
//	dγ[k] = Σ_r dy[r,k]·x̂[r,k],  dβ[k] = Σ_r dy[r,k]
//
// dgamma and dbeta are overwritten. The column sums run in two fixed-order
// passes (chunks of rows, then the chunks), so they are deterministic.
func (d *Device) LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma *Buffer, rows, cols int) error {
	const op = "gpu.LayerNormBackward"
	for _, b := range []struct {
		name string
		b    *Buffer
	}{{"dx", dx}, {"dgamma", dgamma}, {"dbeta", dbeta}, {"dy", dy}, {"x", x}, {"mean", mean}, {"rstd", rstd}, {"gamma", gamma}} {
		d.checkBuffer(op, b.name, b.b)
	}
	kernels.CheckRows(op, "dx", dx.n, rows, cols)
	kernels.CheckRows(op, "dy", dy.n, rows, cols)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dgamma", dgamma.n, cols)
	kernels.CheckLen(op, "dbeta", dbeta.n, cols)
	kernels.CheckLen(op, "mean", mean.n, rows)
	kernels.CheckLen(op, "rstd", rstd.n, rows)
	kernels.CheckLen(op, "gamma", gamma.n, cols)
	for _, out := range []*Buffer{dx, dgamma, dbeta} {
		for _, in := range []*Buffer{dy, x, mean, rstd, gamma} {
			mustDiffer(op, "an output", out, "an input", in)
		}
	}
	if cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if rows == 0 {
		if err := d.fillWords(dgamma.buf, 0, cols, 0); err != nil {
			return err
		}
		return d.fillWords(dbeta.buf, 0, cols, 0)
	}
	tu := currentRowTuning()
	if plan, ok := d.planRows(cols, tu); ok {
		return d.layerNormBackwardReg(plan, tu, dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, cols)
	}
	k, err := d.rowKernel("layernorm.wgsl", "bwd", cols, []string{"sum"},
		[]access{readOnly, readOnly, readOnly, readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(cols).f32(0).int(0)
	if err := d.rowDispatch(k, &p, []*devBuf{dy.buf, x.buf, mean.buf, rstd.buf, gamma.buf, dx.buf}, rows); err != nil {
		return err
	}

	// Column sums: chunks of rows so that enough invocations run (a ViT
	// has only 384-1536 columns but ~16k rows).
	chunk := max(32, (rows+511)/512)
	nChunks := (rows + chunk - 1) / chunk
	part, err := d.allocLocked(2 * nChunks * cols)
	if err != nil {
		return err
	}
	// Released at once: queued work keeps its order, so a later op that
	// reuses the memory runs after the two launches below.
	defer d.releaseLocked(part)
	kc, err := d.kernel(rowKey{File: "layernorm.wgsl", Mode: "cols"}, func() kernelSpec {
		return kernelSpec{file: "layernorm.wgsl", data: rowVariant{File: "layernorm.wgsl", Mode: "cols"},
			bind: []access{readOnly, readOnly, readOnly, readOnly, readWrite}}
	})
	if err != nil {
		return err
	}
	var pc params
	pc.int(rows).int(cols).f32(0).int(chunk)
	if err := d.dispatch(kc, &pc, []*devBuf{dy.buf, x.buf, mean.buf, rstd.buf, part.buf}, (cols+63)/64, nChunks, 1); err != nil {
		return err
	}
	return d.layerNormColSum(part, dgamma, dbeta, nChunks, cols)
}

// layerNormBackwardReg is LayerNormBackward on the register path: one
// grid-stride kernel computes dx and per-workgroup column sums (each row
// of dy and x is read once), then colsum adds the workgroups' sums.
func (d *Device) layerNormBackwardReg(plan rowPlan, tu RowTuning, dx, dgamma, dbeta, dy, x, mean, rstd, gamma *Buffer, rows, cols int) error {
	k, v, err := d.rowRegKernel("layernorm.wgsl", "bwd", plan, false, true,
		[]access{readOnly, readOnly, readOnly, readOnly, readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	perUnit := tu.Partials
	if perUnit <= 0 {
		perUnit = 4
	}
	groups := min((rows+v.RPW-1)/v.RPW, perUnit*d.computeUnits(), int(d.limits.MaxComputeWorkgroupsPerDimension))
	part, err := d.allocLocked(2 * groups * cols)
	if err != nil {
		return err
	}
	defer d.releaseLocked(part) // see LayerNormBackward
	var p params
	p.int(rows).int(cols).f32(0).int(0)
	bufs := []*devBuf{dy.buf, x.buf, mean.buf, rstd.buf, gamma.buf, dx.buf, part.buf}
	if err := d.dispatch(k, &p, bufs, groups, 1, 1); err != nil {
		return err
	}
	return d.layerNormColSum(part, dgamma, dbeta, groups, cols)
}

// layerNormColSum records dγ[c] = Σ_b part[2b·cols + c] and
// dβ[c] = Σ_b part[(2b+1)·cols + c] over the n partial rows, in order.
func (d *Device) layerNormColSum(part, dgamma, dbeta *Buffer, n, cols int) error {
	// 16 strands of partial rows per column on a GPU (a latency-bound
	// loop otherwise: ~500 partial rows, ~400 columns), 4 on a CPU adapter.
	w := 256
	if d.info.DeviceType == "CPU" {
		w = 64
	}
	key := rowKey{File: "layernorm.wgsl", Mode: "colsum", W: w}
	ks, err := d.kernel(key, func() kernelSpec {
		return kernelSpec{file: "layernorm.wgsl", data: rowVariant{File: "layernorm.wgsl", Mode: "colsum", W: w},
			bind: []access{readOnly, readWrite, readWrite}}
	})
	if err != nil {
		return err
	}
	var ps params
	ps.int(n).int(cols).f32(0).int(0)
	return d.dispatch(ks, &ps, []*devBuf{part.buf, dgamma.buf, dbeta.buf}, (cols+15)/16, 1, 1)
}
