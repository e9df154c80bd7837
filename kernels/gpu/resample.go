package gpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// resampleKey is the variant key and template data of resample.wgsl.
type resampleKey struct {
	T     string
	Trans bool
}

// checkResample validates the operands of Resample2D and its adjoint.
func checkResample(op, inName string, lenIn int, outName string, lenOut, lenWy, lenWx, inH, inW, outH, outW, ch int) {
	if inH < 0 || inW < 0 || outH < 0 || outW < 0 || ch < 0 {
		panic(fmt.Sprintf("%s: negative size in inH, inW, outH, outW, ch = %d, %d, %d, %d, %d", op, inH, inW, outH, outW, ch))
	}
	kernels.CheckRows(op, inName, lenIn, inH*inW, ch)
	kernels.CheckRows(op, outName, lenOut, outH*outW, ch)
	kernels.CheckRows(op, "wy", lenWy, outH, inH)
	kernels.CheckRows(op, "wx", lenWx, outW, inW)
}

// Resample2D queues the separable resampling of a channels-last grid: src
// is (inH·inW)×ch, dst (outH·outW)×ch, wy outH×inH, wx outW×inW, and
//
//	dst[(i,j),d] = Σ_{a,b} wy[i,a]·wx[j,b]·src[(a,b),d]
//
// (dst = Wy·src·Wxᵀ per channel), in two passes through a scratch buffer:
// tmp[(a,j),d] = Σ_b wx[j,b]·src[(a,b),d], then dst[(i,j),d] =
// Σ_a wy[i,a]·tmp[(a,j),d], each sum in ascending order (the reference's
// order). dst must differ from src. The backward is Resample2DAdjoint.
func (d *Device) Resample2D(dst, src, wy, wx *Buffer, inH, inW, outH, outW, ch int) error {
	const op = "gpu.Resample2D"
	d.checkResampleBuffers(op, "dst", dst, "src", src, wy, wx)
	checkResample(op, "src", src.n, "dst", dst.n, wy.n, wx.n, inH, inW, outH, outW, ch)
	return d.resample(dst, src, wx, wy, false, inH, inW, outH, outW, ch)
}

// Resample2DAdjoint queues the adjoint of Resample2D (its backward), with
// ddst (outH·outW)×ch and dsrc (inH·inW)×ch overwritten:
//
//	dsrc[(a,b),d] = Σ_{i,j} wy[i,a]·wx[j,b]·ddst[(i,j),d]
//
// (dsrc = Wyᵀ·ddst·Wx per channel), rows first through a scratch buffer
// as in the reference. dsrc must differ from ddst.
func (d *Device) Resample2DAdjoint(dsrc, ddst, wy, wx *Buffer, inH, inW, outH, outW, ch int) error {
	const op = "gpu.Resample2DAdjoint"
	d.checkResampleBuffers(op, "dsrc", dsrc, "ddst", ddst, wy, wx)
	checkResample(op, "dsrc", dsrc.n, "ddst", ddst.n, wy.n, wx.n, inH, inW, outH, outW, ch)
	return d.resample(dsrc, ddst, wx, wy, true, inH, inW, outH, outW, ch)
}

func (d *Device) checkResampleBuffers(op, outName string, out *Buffer, inName string, in, wy, wx *Buffer) {
	d.checkBuffer(op, outName, out)
	d.checkBuffer(op, inName, in)
	d.checkBuffer(op, "wy", wy)
	d.checkBuffer(op, "wx", wx)
	d.checkDistinct(op, out, in, wy, wx)
}

// resample runs the two passes. Forward: (inH, inW, ch) → wx → (inH, outW,
// ch) → wy → (outH, outW, ch). Adjoint: (outH, outW·ch) → wyᵀ → (inH,
// outW·ch) → wxᵀ → (inH, inW, ch).
func (d *Device) resample(dst, src, wx, wy *Buffer, adjoint bool, inH, inW, outH, outW, ch int) error {
	if dst.n == 0 {
		return nil
	}
	tmp, err := d.Alloc(inH * outW * ch)
	if err != nil {
		return err
	}
	defer tmp.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if tmp.n == 0 {
		// An empty middle grid: every output sums nothing.
		return d.fillWords(dst.buf, 0, dst.n, 0)
	}
	if !adjoint {
		if err := d.resamplePass(tmp, src, wx, false, inH, outW, inW, ch); err != nil {
			return err
		}
		return d.resamplePass(dst, tmp, wy, false, 1, outH, inH, outW*ch)
	}
	if err := d.resamplePass(tmp, src, wy, true, 1, inH, outH, outW*ch); err != nil {
		return err
	}
	return d.resamplePass(dst, tmp, wx, true, inH, inW, outW, ch)
}

// resamplePass queues out[a, j, c] = Σ_k W(j,k)·in[a, k, c] for a < A,
// j < J over K terms and C channels.
func (d *Device) resamplePass(out, in, w *Buffer, trans bool, a, j, k, c int) error {
	vec4 := c%4 == 0
	cu := c
	if vec4 {
		cu = c / 4
	}
	key := resampleKey{T: vecType(vec4), Trans: trans}
	kr, err := d.kernel(key, func() kernelSpec {
		return kernelSpec{file: "resample.wgsl", data: key, bind: []access{readOnly, readOnly, readWrite}}
	})
	if err != nil {
		return err
	}
	n := a * j * cu
	var p params
	p.int(n).int(j).int(k).int(cu)
	x, y := d.grid2D((n + 255) / 256)
	return d.dispatch(kr, &p, []*devBuf{in.buf, w.buf, out.buf}, x, y, 1)
}
