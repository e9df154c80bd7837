package gpu

import "fmt"

type probeKey struct{ file string }

// runProbe compiles file, runs it on a fresh 16-float buffer and returns
// what it wrote. Any failure, panics in the library included, is an error.
func (d *Device) runProbe(file string, groups int) (out []float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	k, err := d.kernel(probeKey{file}, func() kernelSpec {
		return kernelSpec{file: file, bind: []access{readWrite}}
	})
	if err != nil {
		return nil, err
	}
	buf, err := d.Alloc(16)
	if err != nil {
		return nil, err
	}
	defer buf.Release()
	if err := d.Zero(buf); err != nil {
		return nil, err
	}
	d.mu.Lock()
	var p params
	p.u32(0)
	err = d.dispatch(k, &p, []*devBuf{buf.buf}, groups, 1, 1)
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out = make([]float32, 16)
	if err := d.Download(out, buf); err != nil {
		return nil, err
	}
	return out, nil
}

// probeSubgroups decides whether the row kernels may use subgroup
// operations: the probe must compile, run, and reduce exactly.
func (d *Device) probeSubgroups() {
	out, err := d.runProbe("probe_subgroups.wgsl", 4)
	if err != nil {
		d.subgroupErr = err.Error()
		return
	}
	for w := 0; w < 4; w++ {
		var sum, mx float32
		for i := 0; i < 256; i++ {
			v := float32(i%7 + 1 + w)
			sum += v
			mx = max(mx, v)
		}
		if out[w] != sum || out[4+w] != mx {
			d.subgroupErr = fmt.Sprintf("wrong result: workgroup %d sum %v max %v, want %v and %v", w, out[w], out[4+w], sum, mx)
			return
		}
	}
	size := int(out[8])
	if size < 1 || size > 256 || size&(size-1) != 0 {
		d.subgroupErr = fmt.Sprintf("implausible subgroup size %v", out[8])
		return
	}
	d.subgroupOK, d.subgroupSize = true, size
}

// probeF16 records whether WGSL f16 works (it is expected not to).
func (d *Device) probeF16() {
	out, err := d.runProbe("probe_f16.wgsl", 1)
	if err != nil {
		d.f16Err = err.Error()
		return
	}
	for i := 0; i < 16; i++ {
		if out[i] != float32(i)*0.5 {
			d.f16Err = fmt.Sprintf("wrong result: out[%d]=%v, want %v", i, out[i], float32(i)*0.5)
			return
		}
	}
	d.f16OK = true
}
