package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// AddScaledLayerNorm queues a residual update with LayerScale fused with
// the LayerNorm that follows it (ref.AddScaledLayerNorm), per row of the
// rows×cols x and a:
//
//	s = x + γ⊙a   (s = x + a when gamma is nil)
//	μ = mean(s),  rstd = 1/√(mean((s − μ)²) + eps),  y = (s − μ)·rstd·w + β
//
// writing sum = s, y, and mean and rstd (length rows) for the backward;
// w, β are lnW, lnB. Without γ it is one kernel that reads x and a and
// writes s and y once; with γ (a ninth buffer) it is, where no one-kernel
// form below applies, two: s and its statistics, then y from s. The row kernel takes the register path of
// the row kernels (layernorm.wgsl's add and addls modes, a row held in
// registers) where planRows allows, else its loop path (add, addls and
// affine modes).
// On the register path the LayerScale case is one kernel too: mode addlsn
// when lnW and lnB are views of one allocation (a trainer's packed
// parameters), bound once; mode addls9, binding nine buffers, where the
// device allows more than WebGPU's 8 storage buffers per kernel (Vulkan,
// Metal, DX12 and OpenGL drivers do) and no output shares an allocation
// with an input (WebGPU forbids binding memory read-only and writable in
// one dispatch).
//
// Backward (no kernel of its own), with ds the gradient of s from its
// other uses and x̂ = (s − μ)·rstd:
//
//	dŝ = ds + LayerNormBackward(dy; s, μ, rstd, w)
//	dx = dŝ,  da = γ⊙dŝ (ScaleCols),  dγ = Σ_r a⊙dŝ (MulSumRows)
//	dw = Σ_r dy⊙x̂,  dβ = Σ_r dy
//
// The outputs must be distinct from each other and from the inputs.
func (d *Device) AddScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, lnW, lnB *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.AddScaledLayerNorm"
	names := []string{"sum", "y", "mean", "rstd", "x", "a", "lnW", "lnB"}
	d.checkBuffers(op, names, sum, y, mean, rstd, x, a, lnW, lnB)
	ins := []*Buffer{x, a, lnW, lnB}
	if gamma != nil {
		d.checkBuffer(op, "gamma", gamma)
		kernels.CheckLen(op, "gamma", gamma.n, cols)
		ins = append(ins, gamma)
	}
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "a", a.n, rows*cols)
	kernels.CheckLen(op, "sum", sum.n, rows*cols)
	kernels.CheckLen(op, "y", y.n, rows*cols)
	kernels.CheckLen(op, "mean", mean.n, rows)
	kernels.CheckLen(op, "rstd", rstd.n, rows)
	kernels.CheckLen(op, "lnW", lnW.n, cols)
	kernels.CheckLen(op, "lnB", lnB.n, cols)
	outs := []*Buffer{sum, y, mean, rstd}
	for i, out := range outs {
		for _, in := range ins {
			mustDiffer(op, "an output", out, "an input", in)
		}
		for _, o2 := range outs[i+1:] {
			mustDiffer(op, "an output", out, "another output", o2)
		}
	}
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var p params
	p.int(rows).int(cols).f32(eps).int(0)
	if plan, ok := d.planRows(cols, currentRowTuning()); ok {
		// The register path of layernorm.wgsl: each row read once.
		if gamma == nil {
			bind := []access{readOnly, readOnly, readOnly, readOnly, readWrite, readWrite, readWrite, readWrite}
			k, v, err := d.rowRegKernel("layernorm.wgsl", "add", plan, false, false, bind)
			if err != nil {
				return err
			}
			return d.rowRegDispatch(k, v, &p, []*devBuf{x.buf, a.buf, lnW.buf, lnB.buf, sum.buf, y.buf, mean.buf, rstd.buf}, rows)
		}
		if wb, wOff, bOff, ok := d.sharedAllocation(lnW, lnB, plan.V, sum, y, mean, rstd); ok {
			// γ and β of the LayerNorm in one allocation (a trainer's packed
			// parameters): bound once, everything in one kernel.
			bind := []access{readOnly, readOnly, readOnly, readOnly, readWrite, readWrite, readWrite, readWrite}
			k, v, err := d.rowRegKernel("layernorm.wgsl", "addlsn", plan, false, false, bind)
			if err != nil {
				return err
			}
			p.int(wOff).int(bOff)
			return d.rowRegDispatch(k, v, &p, []*devBuf{x.buf, a.buf, gamma.buf, wb, sum.buf, y.buf, mean.buf, rstd.buf}, rows)
		}
		if d.storageBuffers() >= 9 && disjointAllocations([]*Buffer{x, a, gamma, lnW, lnB}, outs) {
			// Nine storage buffers, where the device allows more than
			// WebGPU's 8 (most do): separate parameters, one kernel.
			bind := []access{readOnly, readOnly, readOnly, readOnly, readOnly, readWrite, readWrite, readWrite, readWrite}
			k, v, err := d.rowRegKernel("layernorm.wgsl", "addls9", plan, false, false, bind)
			if err != nil {
				return err
			}
			return d.rowRegDispatch(k, v, &p, []*devBuf{x.buf, a.buf, gamma.buf, lnW.buf, lnB.buf, sum.buf, y.buf, mean.buf, rstd.buf}, rows)
		}
		bind := []access{readOnly, readOnly, readOnly, readWrite, readWrite, readWrite}
		k, v, err := d.rowRegKernel("layernorm.wgsl", "addls", plan, false, false, bind)
		if err != nil {
			return err
		}
		if err := d.rowRegDispatch(k, v, &p, []*devBuf{x.buf, a.buf, gamma.buf, sum.buf, mean.buf, rstd.buf}, rows); err != nil {
			return err
		}
		return d.addNormAffine(&p, sum, mean, rstd, lnW, lnB, y, cols, rows)
	}
	if gamma == nil {
		k, err := d.addNormKernel("add", cols, 8)
		if err != nil {
			return err
		}
		return d.rowDispatch(k, &p, []*devBuf{x.buf, a.buf, lnW.buf, lnB.buf, sum.buf, y.buf, mean.buf, rstd.buf}, rows)
	}
	k, err := d.addNormKernel("addls", cols, 6)
	if err != nil {
		return err
	}
	if err := d.rowDispatch(k, &p, []*devBuf{x.buf, a.buf, gamma.buf, sum.buf, mean.buf, rstd.buf}, rows); err != nil {
		return err
	}
	return d.addNormAffine(&p, sum, mean, rstd, lnW, lnB, y, cols, rows)
}

// disjointAllocations reports whether no buffer of outs lives in the
// allocation of a buffer of ins.
func disjointAllocations(ins, outs []*Buffer) bool {
	for _, o := range outs {
		for _, in := range ins {
			if o.alloc() == in.alloc() {
				return false
			}
		}
	}
	return true
}

// sharedAllocation reports whether w and b lie in one allocation that a
// kernel may bind whole, read-only, next to the outputs outs: then it
// returns that allocation and the offsets of w and b in it, in units of v
// floats (both must be multiples of v). The allocation must fit one
// storage binding and hold none of outs (WebGPU forbids binding memory
// read-only and writable in one dispatch).
func (d *Device) sharedAllocation(w, b *Buffer, v int, outs ...*Buffer) (*devBuf, int, int, bool) {
	base := w.alloc()
	if b.alloc() != base || w.off%v != 0 || b.off%v != 0 || base.bytes > d.limits.MaxStorageBufferBindingSize ||
		!disjointAllocations([]*Buffer{w}, outs) {
		return nil, 0, 0, false
	}
	return base, w.off / v, b.off / v, true
}

// addNormAffine queues y = (sum − mean[r])·rstd[r]·w + β, the second kernel
// of the LayerScale case.
func (d *Device) addNormAffine(p *params, sum, mean, rstd, lnW, lnB, y *Buffer, cols, rows int) error {
	k, err := d.addNormKernel("affine", cols, 6)
	if err != nil {
		return err
	}
	return d.rowDispatch(k, p, []*devBuf{sum.buf, mean.buf, rstd.buf, lnW.buf, lnB.buf, y.buf}, rows)
}

// addNormKernel returns the loop-path layernorm.wgsl kernel of mode for
// rows of cols values (a row kernel: rowKernel's variants, cache and
// one-workgroup-per-row dispatch), binding nbuf storage buffers, the
// outputs after the inputs.
func (d *Device) addNormKernel(mode string, cols, nbuf int) (*kernel, error) {
	nIn := map[string]int{"add": 4, "addls": 3, "affine": 5}[mode]
	bind := make([]access, nbuf)
	for i := nIn; i < nbuf; i++ {
		bind[i] = readWrite
	}
	return d.rowKernel("layernorm.wgsl", mode, cols, []string{"sum"}, bind)
}
