package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// Gelu queues y = GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)) elementwise (the
// exact GELU of DINOv2). y and x have the same length and must be distinct.
//
// Backward: GeluBackward. A Linear layer followed by GELU is better done as
// one GemmFused with GemmEpilogue{Gelu: true}.
func (d *Device) Gelu(y, x *Buffer) error {
	const op = "gpu.Gelu"
	d.checkBuffer(op, "y", y)
	d.checkBuffer(op, "x", x)
	kernels.CheckLen(op, "y", y.n, x.n)
	mustDiffer(op, "y", y, "x", x)
	return d.gelu("fwd", x.n, []*devBuf{x.buf, y.buf})
}

// GeluBackward queues dx = dy·(Φ(x) + x·φ(x)) with φ(x) = e^{−x²/2}/√(2π),
// the gradient of Gelu at its input x. dx must differ from x and dy.
func (d *Device) GeluBackward(dx, x, dy *Buffer) error {
	const op = "gpu.GeluBackward"
	d.checkBuffer(op, "dx", dx)
	d.checkBuffer(op, "x", x)
	d.checkBuffer(op, "dy", dy)
	kernels.CheckLen(op, "dx", dx.n, x.n)
	kernels.CheckLen(op, "dy", dy.n, x.n)
	mustDiffer(op, "dx", dx, "x", x)
	mustDiffer(op, "dx", dx, "dy", dy)
	return d.gelu("bwd", x.n, []*devBuf{x.buf, dy.buf, dx.buf})
}

func (d *Device) gelu(mode string, n int, bufs []*devBuf) error {
	if n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	shape := currentRowTuning().Stream
	elem := "f32"
	if n%4 == 0 {
		elem, n = "vec4<f32>", n/4
	}
	v := newStreamVariant("gelu.wgsl", mode, elem, shape)
	bind := []access{readOnly, readWrite}
	if mode == "bwd" {
		bind = []access{readOnly, readOnly, readWrite}
	}
	k, err := d.kernel(v, func() kernelSpec { return kernelSpec{file: "gelu.wgsl", data: v, bind: bind} })
	if err != nil {
		return err
	}
	var p params
	p.int(n)
	return d.streamDispatch(k, v, shape, &p, bufs, n)
}
