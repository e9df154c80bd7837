package gpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// sslKernel returns the ssl.wgsl kernel for mode with an explicit
// workgroup size (the column and flat kernels; row kernels use rkKernel).
func (d *Device) sslKernel(mode string, vec4 bool, wg int, bind []access) (*kernel, error) {
	v := rkVariant{File: "ssl.wgsl", Mode: mode, WG: wg, Vec4: vec4}
	return d.kernel(v, func() kernelSpec {
		return kernelSpec{file: "ssl.wgsl", data: v, bind: bind}
	})
}

// flatGroupSize is the workgroup size of the flat (grid-stride) reductions:
// 256 on a GPU, 64 on a CPU adapter (see rkGroupSize).
func (d *Device) flatGroupSize() int {
	if rkForceWG != 0 {
		return rkForceWG
	}
	if d.info.DeviceType == "CPU" {
		return 64
	}
	return 256
}

// CenteredSoftmax queues the DINO/iBOT teacher targets with a moving-average
// center (ref.CenteredSoftmax):
//
//	q[r,k] = softmax_k((z[r,k] − c[k]) / temp)
//
// one workgroup per row, with the row maximum subtracted (an online
// max/sum pass, then a write pass). No gradient: the teacher is a constant.
// q must be distinct from z and c.
//
// The exponent is formed from z − c in float32, so it carries an absolute
// rounding error of about |z − c|·6e-8/|temp| (3e-6 at |z − c| = 2 and
// temp = 0.04), which bounds the relative accuracy of q at small
// temperatures; the float32 CPU kernel shares it.
func (d *Device) CenteredSoftmax(q, z, c *Buffer, rows, cols int, temp float64) error {
	const op = "gpu.CenteredSoftmax"
	names := []string{"q", "z", "c"}
	d.checkBuffers(op, names, q, z, c)
	kernels.CheckRows(op, "z", z.n, rows, cols)
	kernels.CheckLen(op, "q", q.n, rows*cols)
	kernels.CheckLen(op, "c", c.n, cols)
	checkDistinct(op, names[:2], q, z)
	checkDistinct(op, []string{"q", "c"}, q, c)
	if rows == 0 || cols == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("ssl.wgsl", "csm", cols, stStateBytes, []access{readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	p := tempParams(rows, units, temp)
	return d.rkDispatch(k, &p, []*devBuf{z.buf, c.buf, q.buf}, rows)
}

// skColGroup is the workgroup size of the Sinkhorn-Knopp column kernels
// (one invocation per column unit) and skTargetGroups the number of
// column-pass workgroups they aim for, enough to fill a large GPU.
const (
	skColGroup     = 64
	skTargetGroups = 2048
)

// SinkhornKnopp queues iters rounds of Sinkhorn-Knopp normalisation of the
// rows×cols (R×K) teacher logits z into targets q (ref.SinkhornKnopp, spec
// §4.3): w = e^{z/temp − max} with one global maximum, then per round
// w[:,k] /= Σ_r w[r,k]·K and w[r,:] /= Σ_k w[r,k]·R, and finally q = R·w,
// so each row of q sums to 1 and each column receives ≈ R/K.
//
// Everything stays on the device, with no host round trip: a two-pass
// global maximum (G partial maxima, then every column workgroup folds
// them), the exponential fused into the first column-sum pass, and per
// round a two-pass column sum (row chunks, then the chunk partials in a
// fixed order) and one row-scaling kernel (one workgroup per row). All
// sums have a fixed order, so q is deterministic. The reference's initial
// division by the grand total cancels exactly in the first column
// normalisation, so it is applied only when iters = 0.
//
// Exponents are formed as (z − max z)/temp in float32 (exact subtraction
// of close values, one rounding of the quotient), so the targets' relative
// error at small temperatures is ~|z − max z|·6e-8/temp for the elements
// that matter. q must be distinct from z.
func (d *Device) SinkhornKnopp(q, z *Buffer, rows, cols int, temp float64, iters int) error {
	const op = "gpu.SinkhornKnopp"
	d.checkBuffers(op, []string{"q", "z"}, q, z)
	kernels.CheckRows(op, "z", z.n, rows, cols)
	kernels.CheckLen(op, "q", q.n, rows*cols)
	if iters < 0 {
		panic(fmt.Sprintf("%s: %d iterations", op, iters))
	}
	checkDistinct(op, []string{"q", "z"}, q, z)
	if rows == 0 || cols == 0 {
		return nil
	}
	vec4 := cols%4 == 0
	units := cols
	if vec4 {
		units = cols / 4
	}
	flat := d.flatGroupSize()
	groups := min(256, max(1, (rows*units+flat*16-1)/(flat*16)))
	colBlocks := (units + skColGroup - 1) / skColGroup
	chunks := min(max(1, (skTargetGroups+colBlocks-1)/colBlocks), max(1, (rows+3)/4))
	chunk := (rows + chunks - 1) / chunks
	chunks = (rows + chunk - 1) / chunk

	part, err := d.Alloc(groups)
	if err != nil {
		return err
	}
	defer part.Release()
	colpart, err := d.Alloc(chunks * cols)
	if err != nil {
		return err
	}
	defer colpart.Release()
	colsum, err := d.Alloc(cols)
	if err != nil {
		return err
	}
	defer colsum.Release()
	var total *Buffer
	if iters == 0 {
		if total, err = d.Alloc(1); err != nil {
			return err
		}
		defer total.Release()
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	sgn := 1.0
	if math.Signbit(temp) {
		sgn = -1
	}
	var p params
	p.int(rows).int(units).f32(math.Abs(temp)).f32(sgn).int(groups).int(chunk).int(chunks)
	p.f32(float64(cols)).f32(float64(rows))
	base := p
	p.u32(0)

	k, err := d.sslKernel("skmax", vec4, flat, []access{readOnly, readWrite})
	if err != nil {
		return err
	}
	if err := d.dispatch(k, &p, []*devBuf{z.buf, part.buf}, groups, 1, 1); err != nil {
		return err
	}
	k, err = d.sslKernel("skexp", vec4, skColGroup, []access{readOnly, readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	if err := d.dispatch(k, &p, []*devBuf{z.buf, part.buf, q.buf, colpart.buf}, colBlocks, chunks, 1); err != nil {
		return err
	}
	colSum := func() error {
		k, err := d.sslKernel("skcolsum", vec4, skColGroup, []access{readOnly, readWrite})
		if err != nil {
			return err
		}
		x, y := d.grid2D(colBlocks)
		return d.dispatch(k, &p, []*devBuf{colpart.buf, colsum.buf}, x, y, 1)
	}
	if iters == 0 {
		if err := colSum(); err != nil {
			return err
		}
		k, err := d.sslKernel("sktotal", vec4, flat, []access{readOnly, readWrite})
		if err != nil {
			return err
		}
		if err := d.dispatch(k, &p, []*devBuf{colsum.buf, total.buf}, 1, 1, 1); err != nil {
			return err
		}
		k, _, err = d.rkKernel("ssl.wgsl", "skscale", cols, 4, []access{readOnly, readWrite})
		if err != nil {
			return err
		}
		return d.rkDispatch(k, &p, []*devBuf{total.buf, q.buf}, rows)
	}
	for it := range iters {
		if it > 0 {
			k, err := d.sslKernel("skcol", vec4, skColGroup, []access{readOnly, readWrite})
			if err != nil {
				return err
			}
			if err := d.dispatch(k, &p, []*devBuf{q.buf, colpart.buf}, colBlocks, chunks, 1); err != nil {
				return err
			}
		}
		if err := colSum(); err != nil {
			return err
		}
		k, _, err := d.rkKernel("ssl.wgsl", "skrow", cols, 4, []access{readOnly, readWrite})
		if err != nil {
			return err
		}
		pr := base
		pr.bool(it == iters-1)
		if err := d.rkDispatch(k, &pr, []*devBuf{colsum.buf, q.buf}, rows); err != nil {
			return err
		}
	}
	return nil
}

// koleoEps is the epsilon of DINOv2's KoLeo loss (normalisation clamp and
// the distance offsets).
const koleoEps = 1e-8

// KoLeo queues the Kozachenko-Leonenko regulariser of DINOv2 on the rows
// of x (B×D) (ref.KoLeo):
//
//	y_i = x_i / max(‖x_i‖, 1e-8)
//	nn(i) = argmax_{j≠i} y_i·y_j          (first index on ties; i when B = 1)
//	loss = −(1/B) Σ_i log(‖y_i − y_nn(i) + 1e-8‖ + 1e-8)
//
// loss (one element) and nn (B elements, the neighbour indices as exact
// integers in float32) stay on the device: nothing is read back, so a
// training step does not wait here, and KoLeoBackward reads nn from its
// buffer. The similarities come from one Gemm (y·yᵀ), the argmax and
// distance from one workgroup per row, the mean from one workgroup (a
// fixed-order sum). Near-ties in y·yᵀ may pick a different (equally near)
// neighbour than a float64 computation. loss and nn must be distinct from
// x and from each other.
func (d *Device) KoLeo(loss, nn, x *Buffer, rows, cols int) error {
	const op = "gpu.KoLeo"
	names := []string{"loss", "nn", "x"}
	d.checkBuffers(op, names, loss, nn, x)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "loss", loss.n, 1)
	kernels.CheckLen(op, "nn", nn.n, rows)
	checkDistinct(op, names, loss, nn, x)
	if rows == 0 {
		return d.Fill(loss, float32(math.NaN())) // −0/0, as the reference
	}
	var bufs [4]*Buffer // y, norm, sim, term
	for i, n := range []int{rows * cols, rows, rows * rows, rows} {
		b, err := d.Alloc(n)
		if err != nil {
			return err
		}
		defer b.Release()
		bufs[i] = b
	}
	y, norm, sim, term := bufs[0], bufs[1], bufs[2], bufs[3]
	d.mu.Lock()
	err := d.l2NormalizeLocked(y, norm, x, rows, cols, koleoEps)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if err := d.Gemm(kernels.Gemm{M: rows, N: rows, K: cols, TransB: true, Alpha: 1}, y, y, sim); err != nil {
		return err
	}
	return d.koleoRows(loss, y, sim, nn, term, rows, cols)
}

func (d *Device) koleoRows(loss, y, sim, nn, term *Buffer, rows, cols int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, units, err := d.rkKernel("ssl.wgsl", "konn", cols, 4, []access{readOnly, readOnly, readWrite, readWrite})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(units)
	if err := d.rkDispatch(k, &p, []*devBuf{sim.buf, y.buf, nn.buf, term.buf}, rows); err != nil {
		return err
	}
	k, err = d.sslKernel("kosum", false, d.flatGroupSize(), []access{readOnly, readWrite})
	if err != nil {
		return err
	}
	return d.dispatch(k, &p, []*devBuf{term.buf, loss.buf}, 1, 1, 1)
}

// KoLeoBackward queues dx, the gradient of KoLeo with respect to x, for
// the loss gradient dloss (one element) and the neighbour indices nn of
// the forward (ref.KoLeoBackward), both read on the device: no upload, no
// readback. With u_i = y_i − y_nn(i) + 1e-8, d_i = ‖u_i‖ and
// g_i = −dloss / (B·(d_i + 1e-8)·d_i):
//
//	dy_j = g_j·u_j − Σ_{i: nn(i)=j} g_i·u_i
//	dx_j = (dy_j − y_j (y_j·dy_j)) / ‖x_j‖     (dy_j / 1e-8 when ‖x_j‖ ≤ 1e-8)
//
// The scatter of the reference (dy_nn(i) −= g_i·u_i) is a gather here (row
// j scans nn for the i that point at it), so no atomics are needed. An nn
// value outside [0, B) can only come from a bug upstream; the kernels clamp
// it into range (truncating a fraction) rather than read out of bounds, so
// it gives a wrong gradient but never a fault. dx must be distinct from the
// inputs.
func (d *Device) KoLeoBackward(dx, dloss, x, nn *Buffer, rows, cols int) error {
	const op = "gpu.KoLeoBackward"
	names := []string{"dx", "dloss", "x", "nn"}
	d.checkBuffers(op, names, dx, dloss, x, nn)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dx", dx.n, rows*cols)
	kernels.CheckLen(op, "dloss", dloss.n, 1)
	kernels.CheckLen(op, "nn", nn.n, rows)
	checkDistinct(op, names[:3], dx, dloss, x)
	checkDistinct(op, []string{"dx", "nn"}, dx, nn)
	if rows == 0 || cols == 0 {
		return nil
	}
	var bufs [3]*Buffer // y, norm, g
	for i, n := range []int{rows * cols, rows, rows} {
		b, err := d.Alloc(n)
		if err != nil {
			return err
		}
		defer b.Release()
		bufs[i] = b
	}
	y, norm, g := bufs[0], bufs[1], bufs[2]
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.l2NormalizeLocked(y, norm, x, rows, cols, koleoEps); err != nil {
		return err
	}
	var p params
	k, units, err := d.rkKernel("ssl.wgsl", "kog", cols, 4, []access{readOnly, readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	p.int(rows).int(units)
	if err := d.rkDispatch(k, &p, []*devBuf{y.buf, nn.buf, dloss.buf, g.buf}, rows); err != nil {
		return err
	}
	k, _, err = d.rkKernel("ssl.wgsl", "kodx", cols, 4, []access{readOnly, readOnly, readOnly, readOnly, readWrite})
	if err != nil {
		return err
	}
	return d.rkDispatch(k, &p, []*devBuf{y.buf, norm.buf, nn.buf, g.buf, dx.buf}, rows)
}
