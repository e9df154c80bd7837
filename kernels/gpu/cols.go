package gpu

import "github.com/gocx/gocx/kernels"

// The per-column and row-selection operators of LayerScale and the iBOT
// mask token: ScaleCols and SelectRows are elementwise kernels, MulSumRows
// and MaskedSumRows column reductions (reduce.wgsl).

// ScaleCols queues dst[r,c] = x[r,c]·g[c] for a rows×cols x (LayerScale).
// dst may be x.
//
// Backward: dx = ScaleCols(dy, g), dg = MulSumRows(dy, x).
func (d *Device) ScaleCols(dst, x, g *Buffer, rows, cols int) error {
	const op = "gpu.ScaleCols"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	d.checkBuffer(op, "g", g)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dst", dst.n, rows*cols)
	kernels.CheckLen(op, "g", g.n, cols)
	return d.elementwise(op, "mul", dst, dst.n, []ewIn{{x, ewFull}, {g, ewCol}}, ewShape{cols: cols}, 0, 0)
}

// MulSumRows queues dst[c] = Σ_r a[r,c]·b[r,c] (the LayerScale gradient
// dg = Σ_r dy⊙x), in a fixed order.
func (d *Device) MulSumRows(dst, a, b *Buffer, rows, cols int) error {
	const op = "gpu.MulSumRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "a", a)
	d.checkBuffer(op, "b", b)
	kernels.CheckRows(op, "a", a.n, rows, cols)
	kernels.CheckLen(op, "b", b.n, rows*cols)
	kernels.CheckLen(op, "dst", dst.n, cols)
	d.checkDistinct(op, dst, a, b)
	return d.reduce(reduceJob{dst: dst, x: a, y: b, outer: 1, n: rows, nFull: rows, inner: cols, scale: 1})
}

// MaskedSumRows queues dst[c] = Σ_{r: mask[r]≠0} x[r,c] (the gradient of
// SelectRows' substituted row), summing the masked rows in ascending order.
// mask is a host slice; the masked row numbers are uploaded per call.
func (d *Device) MaskedSumRows(dst, x *Buffer, mask []int32, rows, cols int) error {
	const op = "gpu.MaskedSumRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dst", dst.n, cols)
	kernels.CheckLen(op, "mask", len(mask), rows)
	d.checkDistinct(op, dst, x)
	var list []int32
	for r, m := range mask {
		if m != 0 {
			list = append(list, int32(r))
		}
	}
	j := reduceJob{dst: dst, x: x, outer: 1, n: len(list), nFull: rows, inner: cols, scale: 1}
	if len(list) > 0 {
		sel, err := d.uploadIndex(list)
		if err != nil {
			return err
		}
		defer sel.Release()
		j.sel = sel
	}
	return d.reduce(j)
}

// SelectRows queues the iBOT mask-token substitution for a rows×cols x:
//
//	dst[r,:] = row      if mask[r] ≠ 0
//	dst[r,:] = x[r,:]   otherwise.
//
// mask is a host slice, uploaded per call. dst may be x (not row).
//
// Backward: dx = SelectRows(dy, zeros) (dy with the masked rows zeroed) and
// drow = MaskedSumRows(dy, mask).
func (d *Device) SelectRows(dst, x, row *Buffer, mask []int32, rows, cols int) error {
	const op = "gpu.SelectRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	d.checkBuffer(op, "row", row)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dst", dst.n, rows*cols)
	kernels.CheckLen(op, "row", row.n, cols)
	kernels.CheckLen(op, "mask", len(mask), rows)
	if dst.n == 0 {
		return nil
	}
	mb, err := d.uploadIndex(mask)
	if err != nil {
		return err
	}
	defer mb.Release()
	return d.elementwise(op, "select", dst, dst.n, []ewIn{{x, ewFull}, {row, ewCol}, {mb, ewMask}}, ewShape{cols: cols}, 0, 0)
}
