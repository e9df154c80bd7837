package gpu

import "fmt"

// streamVariant is the template data and cache key of a streaming kernel
// (copy.wgsl, gelu.wgsl): the file and mode, the element type
// T, U elements per invocation and whether the grid strides.
type streamVariant struct {
	File, Mode string
	T          string
	U          int
	Stride     bool
}

// check panics unless s is a valid StreamShape.
func (s StreamShape) check(op string) {
	if s.PerInvocation < 0 || s.PerInvocation > 4 || s.WorkgroupsPerUnit < 0 {
		panic(fmt.Sprintf("%s: StreamShape %+v: PerInvocation must be 0 to 4 and WorkgroupsPerUnit at least 0", op, s))
	}
}

// newStreamVariant applies the defaults of a checked StreamShape.
func newStreamVariant(file, mode, elem string, s StreamShape) streamVariant {
	u := s.PerInvocation
	if u == 0 {
		u = 4
	}
	return streamVariant{File: file, Mode: mode, T: elem, U: u, Stride: s.WorkgroupsPerUnit > 0}
}

// streamDispatch launches a streaming kernel over n elements: one
// workgroup per 256·U elements, or (grid-stride) at most
// WorkgroupsPerUnit workgroups per compute unit.
func (d *Device) streamDispatch(k *kernel, v streamVariant, s StreamShape, p *params, bufs []*devBuf, n int) error {
	groups := (n + 256*v.U - 1) / (256 * v.U)
	if v.Stride {
		groups = min(groups, s.WorkgroupsPerUnit*d.computeUnits(), int(d.limits.MaxComputeWorkgroupsPerDimension))
	}
	x, y := d.grid2D(groups)
	return d.dispatch(k, p, bufs, x, y, 1)
}

// CopyShaped is Copy through the streaming form of the copy kernel, shaped
// by s: vec4 elements when n and both offsets are multiples of 4, s.PerInvocation
// of them per invocation, a one-shot or grid-stride grid. It exists so that
// benchmarks can compare the shapes (Copy itself keeps copyShape, one
// element per invocation); the result is the same.
func (d *Device) CopyShaped(dst *Buffer, dstOff int, src *Buffer, srcOff, n int, s StreamShape) error {
	return d.copySpan("CopyShaped", dst, dstOff, src, srcOff, n, s)
}
