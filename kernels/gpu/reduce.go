package gpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// The column reductions (SumRows, MulSumRows, MaskedSumRows, SumAxis,
// MeanAxis, and ScatterAddRows through its CSR variant) share reduce.wgsl:
// one workgroup per block of CW output columns, CW·L = 256 invocations,
// each lane summing a fixed stride of rows in order and the lanes combined
// by a fixed tree in workgroup memory. No atomics: the order of every sum
// depends only on the sizes, so results are bit-reproducible on a device.
//
// Long reductions are split: with S splits, a first launch writes the S
// partial sums of each column to a scratch buffer (outer, S, inner) and a
// second launch sums them, in split order, into dst. S depends only on the
// sizes (enough workgroups to fill a large GPU, at least reduceMinPerLane
// rows per lane).

// reduceKey is the variant key and template data of reduce.wgsl.
type reduceKey struct {
	CW        int // columns per workgroup (a power of two ≤ 64)
	Prod      bool
	Sel       bool
	CSR       bool
	nBuf      int
	YBind     int
	IdxBind   int
	OutBind   int
	ParamBind int
	L         int
}

// reduceData is the template data: the key plus the tree strides.
type reduceData struct {
	reduceKey
	Strides []int
}

const (
	reduceThreads    = 256
	reduceTargetWG   = 1024 // workgroups to aim for (an H200 has 132 compute units)
	reduceMinPerLane = 8    // rows per lane below which a split does not pay
	reduceMaxSplits  = 64
)

func newReduceKey(inner int, prod, sel, csr bool) reduceKey {
	cw := 1
	for cw < inner && cw < 64 {
		cw *= 2
	}
	k := reduceKey{CW: cw, Prod: prod, Sel: sel, CSR: csr, L: reduceThreads / cw}
	nb := 1
	if prod {
		k.YBind = nb
		nb++
	}
	if sel || csr {
		k.IdxBind = nb
		nb++
	}
	k.OutBind = nb
	nb++
	k.ParamBind = nb
	k.nBuf = nb
	return k
}

func (k reduceKey) data() reduceData {
	dt := reduceData{reduceKey: k}
	for s := k.L / 2; s > 0; s /= 2 {
		dt.Strides = append(dt.Strides, s)
	}
	return dt
}

func (k reduceKey) spec() kernelSpec {
	bind := make([]access, k.nBuf)
	bind[k.OutBind] = readWrite
	return kernelSpec{file: "reduce.wgsl", data: k.data(), bind: bind}
}

// reduceSplits returns the number of row splits for a reduction of n rows
// over outer·nCB workgroup columns with L lanes.
func reduceSplits(outer, n, nCB, lanes int) (splits, chunk int) {
	if n == 0 {
		return 1, 0
	}
	want := (reduceTargetWG + outer*nCB - 1) / (outer * nCB)
	most := (n + lanes*reduceMinPerLane - 1) / (lanes * reduceMinPerLane)
	s := max(1, min(want, most, reduceMaxSplits))
	chunk = (n + s - 1) / s
	return (n + chunk - 1) / chunk, chunk
}

// reduceJob is one dense reduction: dst[o, c] = scale·Σ_i x[o, row(i), c]
// (times y at the same place when y is set), row(i) = i, or sel[i] when
// sel is set; x is (outer, nFull, inner).
type reduceJob struct {
	dst, x, y, sel         *Buffer
	outer, n, nFull, inner int
	scale                  float64
}

// reduce queues a dense reduction, in one or two launches.
func (d *Device) reduce(j reduceJob) error {
	if j.outer == 0 || j.inner == 0 {
		return nil
	}
	key := newReduceKey(j.inner, j.y != nil, j.sel != nil, false)
	nCB := (j.inner + key.CW - 1) / key.CW
	splits, chunk := reduceSplits(j.outer, j.n, nCB, key.L)
	var scratch *Buffer
	if splits > 1 {
		var err error
		if scratch, err = d.Alloc(j.outer * splits * j.inner); err != nil {
			return err
		}
		defer scratch.Release()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	out, scale := j.dst, j.scale
	if splits > 1 {
		out, scale = scratch, 1
	}
	bufs := []*devBuf{j.x.buf}
	if j.y != nil {
		bufs = append(bufs, j.y.buf)
	}
	if j.sel != nil {
		bufs = append(bufs, j.sel.buf)
	}
	bufs = append(bufs, out.buf)
	if err := d.reduceLaunch(key, bufs, j.outer, j.n, j.nFull, j.inner, splits, chunk, nCB, scale); err != nil {
		return err
	}
	if splits == 1 {
		return nil
	}
	k2 := newReduceKey(j.inner, false, false, false)
	return d.reduceLaunch(k2, []*devBuf{scratch.buf, j.dst.buf}, j.outer, splits, splits, j.inner, 1, splits, nCB, j.scale)
}

func (d *Device) reduceLaunch(key reduceKey, bufs []*devBuf, outer, n, nFull, inner, splits, chunk, nCB int, scale float64) error {
	k, err := d.kernel(key, key.spec)
	if err != nil {
		return err
	}
	total := outer * splits * nCB
	var p params
	p.int(outer).int(n).int(inner).int(splits).int(chunk).int(nCB).int(nFull).int(total).f32(scale).int(0).int(0)
	x, y := d.grid2D(total)
	return d.dispatch(k, &p, bufs, x, y, 1)
}

// scatterCSR queues dst[dstRow[u], :] += Σ_k src[list[k], :] over the CSR
// table idx = [offsets (nU+1) | dstRow (nU) | list], with one workgroup row
// per destination row u.
func (d *Device) scatterCSR(dst, src, idx *Buffer, nU, cols int) error {
	key := newReduceKey(cols, false, false, true)
	nCB := (cols + key.CW - 1) / key.CW
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	k, err := d.kernel(key, key.spec)
	if err != nil {
		return err
	}
	total := nU * nCB
	var p params
	p.int(nU).int(0).int(cols).int(1).int(0).int(nCB).int(0).int(total).f32(1).int(nU + 1).int(2*nU + 1)
	x, y := d.grid2D(total)
	return d.dispatch(k, &p, []*devBuf{src.buf, idx.buf, dst.buf}, x, y, 1)
}

// SumRows queues dst[c] = Σ_r x[r,c] for a rows×cols x (len(dst) = cols),
// in a fixed order (bit-reproducible).
//
// Backward: dx[r,c] = ddst[c] (BroadcastAxis with outer 1).
func (d *Device) SumRows(dst, x *Buffer, rows, cols int) error {
	const op = "gpu.SumRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckLen(op, "dst", dst.n, cols)
	d.checkDistinct(op, dst, x)
	return d.reduce(reduceJob{dst: dst, x: x, outer: 1, n: rows, nFull: rows, inner: cols, scale: 1})
}

// checkAxis validates the (outer, n, inner) operands of the axis ops.
func checkAxis(op, full string, lenFull int, reduced string, lenReduced, outer, n, inner int) {
	if outer < 0 || n < 0 || inner < 0 {
		panic(fmt.Sprintf("%s: negative size outer=%d n=%d inner=%d", op, outer, n, inner))
	}
	if lenFull != outer*n*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×n×inner=%d×%d×%d", op, full, lenFull, outer, n, inner))
	}
	if lenReduced != outer*inner {
		panic(fmt.Sprintf("%s: len(%s)=%d is not outer×inner=%d×%d", op, reduced, lenReduced, outer, inner))
	}
}

// SumAxis queues dst[o,j] = Σ_i x[o,i,j] for x viewed as (outer, n, inner)
// and dst (outer, inner), in a fixed order.
//
// Backward: dx = BroadcastAxis(ddst, scale 1).
func (d *Device) SumAxis(dst, x *Buffer, outer, n, inner int) error {
	const op = "gpu.SumAxis"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	checkAxis(op, "x", x.n, "dst", dst.n, outer, n, inner)
	d.checkDistinct(op, dst, x)
	return d.reduce(reduceJob{dst: dst, x: x, outer: outer, n: n, nFull: n, inner: inner, scale: 1})
}

// MeanAxis queues dst[o,j] = (1/n)·Σ_i x[o,i,j] (SumAxis scaled by the
// float32 of 1/n). With n = 0 every mean is NaN, as in PyTorch.
//
// Backward: dx = BroadcastAxis(ddst, scale 1/n).
func (d *Device) MeanAxis(dst, x *Buffer, outer, n, inner int) error {
	const op = "gpu.MeanAxis"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	checkAxis(op, "x", x.n, "dst", dst.n, outer, n, inner)
	d.checkDistinct(op, dst, x)
	if n == 0 {
		if dst.n == 0 {
			return nil
		}
		return d.Fill(dst, float32(math.NaN()))
	}
	return d.reduce(reduceJob{dst: dst, x: x, outer: outer, n: n, nFull: n, inner: inner, scale: 1 / float64(n)})
}

// BroadcastAxis queues dst[o,i,j] = scale·g[o,j] for dst viewed as (outer,
// n, inner) and g (outer, inner): the backward of SumAxis (scale 1) and
// MeanAxis (scale 1/n). Its own backward is SumAxis scaled by scale.
func (d *Device) BroadcastAxis(dst, g *Buffer, outer, n, inner int, scale float64) error {
	const op = "gpu.BroadcastAxis"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "g", g)
	checkAxis(op, "dst", dst.n, "g", g.n, outer, n, inner)
	return d.elementwise(op, "scale", dst, dst.n, []ewIn{{g, ewAxis}}, ewShape{axisN: n, axisInner: inner}, scale, 0)
}

// checkDistinct panics when dst is the same buffer as one of the inputs
// (for ops that read an input after writing dst elsewhere).
func (d *Device) checkDistinct(op string, dst *Buffer, ins ...*Buffer) {
	for _, in := range ins {
		if in.buf == dst.buf {
			panic(fmt.Sprintf("%s: dst must be a different buffer from the inputs", op))
		}
	}
}
