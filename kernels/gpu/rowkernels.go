package gpu

// rowVariant is the template data and cache key of the one-workgroup-per-row
// kernels of softmax.wgsl and layernorm.wgsl (the reduction pattern of
// common.wgsl): the file, the operation within it, the workgroup size W,
// and whether the reductions use subgroup operations (when the probe at
// Open verified them).
type rowVariant struct {
	File      string
	Mode      string
	W         int
	Subgroups bool
	ReduceOps []string
}

// rowKey is rowVariant without the slice, so it can key the cache.
type rowKey struct {
	File, Mode string
	W          int
	Subgroups  bool
}

// rowWidth picks the workgroup size for rows of cols elements: enough
// invocations to keep several loads in flight per row without leaving most
// of them idle on short rows.
func rowWidth(cols int) int {
	switch {
	case cols <= 256:
		return 64
	case cols <= 2048:
		return 128
	}
	return 256
}

// rowKernel returns the row kernel (file, mode) for rows of cols elements.
// ops lists the reductions the mode uses ("sum", "max").
func (d *Device) rowKernel(file, mode string, cols int, ops []string, bind []access) (*kernel, error) {
	key := rowKey{File: file, Mode: mode, W: rowWidth(cols), Subgroups: d.subgroupOK && !d.noSubgroups}
	return d.kernel(key, func() kernelSpec {
		v := rowVariant{File: key.File, Mode: key.Mode, W: key.W, Subgroups: key.Subgroups, ReduceOps: ops}
		return kernelSpec{file: file, data: v, bind: bind}
	})
}

// rowDispatch launches one workgroup per row, folded into two grid
// dimensions.
func (d *Device) rowDispatch(k *kernel, p *params, bufs []*devBuf, rows int) error {
	x, y := d.grid2D(rows)
	return d.dispatch(k, p, bufs, x, y, 1)
}

// SetSubgroups turns the subgroup variants of the row kernels off (false)
// or back on (true, where the probe allowed them), for tests and
// benchmarks that compare the two paths.
func (d *Device) SetSubgroups(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.noSubgroups = !on
}
