package gpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// A guarded training step decides on the device whether to clip and
// whether to skip, so that nothing is read back in the middle of a step:
// SumSquaresSpans reduces the squared gradients of each group of
// parameters, ClipControl turns the sums into a control vector
//
//	ctrl[0]    skip flag: ≠ 0 means the step must change nothing
//	ctrl[1+j]  gradient multiplier j (the clip coefficient of group j)
//
// and AdamWMultiCtrl and EMAMultiCtrl apply it (see kernels/ref/multi.go
// for the references).

// guardKey is the variant key and template data of guard.wgsl.
type guardKey struct{ Kind string }

// sumSqBlock is the number of elements one workgroup of SumSquaresSpans
// reduces (256 invocations × 16).
const sumSqBlock = 4096

// SumSquaresSpans queues, for every span j (elements [lo, hi) of src,
// spans[j] = {lo, hi}),
//
//	dst[j] = Σ_{lo ≤ i < hi} src[i]²
//
// in float32 with a fixed order of summation (no atomics): the spans are
// cut into blocks of 4096 elements, one workgroup sums a block (16 elements
// per invocation in order, then a fixed tree), and a second dispatch adds
// each span's block sums in order. It takes two dispatches however many
// spans there are, one when every span is a single block; an empty span
// gives 0. Spans may overlap; dst needs len(spans) elements and must not
// overlap src. There is no backward (d src = 2·src·d dst, elementwise).
func (d *Device) SumSquaresSpans(dst, src *Buffer, spans [][2]int) error {
	const op = "gpu.SumSquaresSpans"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	if dst.n < len(spans) {
		panic(fmt.Sprintf("%s: dst.Len()=%d < len(spans)=%d", op, dst.n, len(spans)))
	}
	if dst.overlaps(src) {
		panic(fmt.Sprintf("%s: dst and src are the same buffer or overlapping views", op))
	}
	if len(spans) == 0 {
		return nil
	}
	table := make([]uint32, 0, 3*len(spans))
	blocks, maxb := 0, 0
	for j, s := range spans {
		kernels.CheckRange(op, j, s, src.n)
		nb := (s[1] - s[0] + sumSqBlock - 1) / sumSqBlock
		table = append(table, uint32(blocks), uint32(s[0]), uint32(s[1]-s[0]))
		blocks += nb
		maxb = max(maxb, nb)
	}
	onePass := blocks == len(spans) && maxb == 1
	tb, err := d.uploadTable(table)
	if err != nil {
		return err
	}
	defer tb.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	k1, err := d.guardKernel("sumsq")
	if err != nil {
		return err
	}
	if onePass {
		var p params
		p.int(len(spans)).int(blocks)
		x, y := d.grid2D(blocks)
		return d.dispatch(k1, &p, []*devBuf{src.buf, tb.buf, dst.buf}, x, y, 1)
	}
	k2, err := d.guardKernel("sumsq2")
	if err != nil {
		return err
	}
	part, err := d.allocLocked(max(blocks, 1))
	if err != nil {
		return err
	}
	defer d.releaseLocked(part)
	if blocks > 0 {
		var p params
		p.int(len(spans)).int(blocks)
		x, y := d.grid2D(blocks)
		if err := d.dispatch(k1, &p, []*devBuf{src.buf, tb.buf, part.buf}, x, y, 1); err != nil {
			return err
		}
	}
	var p params
	p.int(len(spans)).int(maxb)
	x, y := d.grid2D(len(spans))
	return d.dispatch(k2, &p, []*devBuf{part.buf, tb.buf, dst.buf}, x, y, 1)
}

// ClipControl queues the control vector of a guarded step from the sums
// of squares of k groups of gradients (sumsq[0:k], from SumSquaresSpans):
// for j < k,
//
//	total_j   = √sumsq[j]
//	ctrl[1+j] = maxNorm/(total_j + 10⁻⁶) if that is < 1, else exactly 1
//	ctrl[0]   = 1 if any total_j or any watch[i] (i < nwatch) is NaN or
//	            ±Inf, else 0
//
// (a non-finite total_j gets ctrl[1+j] = 1: the step is skipped anyway).
// This is torch.nn.utils.clip_grad_norm_ (norm type 2) per group plus a
// non-finite guard over watch (the loss, say), computed in float32 on the
// device in one workgroup. maxNorm = +Inf (or beyond float32) never clips;
// a NaN or negative maxNorm panics. ctrl needs 1+k elements and must not
// overlap the inputs; watch may be nil when nwatch is 0.
func (d *Device) ClipControl(ctrl, sumsq, watch *Buffer, k, nwatch int, maxNorm float64) error {
	const op = "gpu.ClipControl"
	d.checkBuffer(op, "ctrl", ctrl)
	d.checkBuffer(op, "sumsq", sumsq)
	kernels.CheckMaxNorm(op, maxNorm)
	if k < 0 || nwatch < 0 {
		panic(fmt.Sprintf("%s: negative size k=%d nwatch=%d", op, k, nwatch))
	}
	if watch == nil {
		if nwatch != 0 {
			panic(fmt.Sprintf("%s: watch is nil but nwatch=%d", op, nwatch))
		}
		watch = sumsq // bound but never read
	}
	d.checkBuffer(op, "watch", watch)
	if ctrl.n < 1+k || sumsq.n < k || watch.n < nwatch {
		panic(fmt.Sprintf("%s: k=%d nwatch=%d need ctrl.Len() ≥ %d, sumsq.Len() ≥ %d, watch.Len() ≥ %d; got %d, %d, %d",
			op, k, nwatch, 1+k, k, nwatch, ctrl.n, sumsq.n, watch.n))
	}
	checkAllDistinct(op, []string{"ctrl", "sumsq"}, ctrl, sumsq)
	checkAllDistinct(op, []string{"ctrl", "watch"}, ctrl, watch)
	max32 := float32(maxNorm)
	clip := !math.IsInf(float64(max32), 0)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	kc, err := d.guardKernel("clip")
	if err != nil {
		return err
	}
	var p params
	p.int(k).int(nwatch).f32(maxNorm).bool(clip)
	if !clip {
		p.w[2] = 0 // one parameter block for every maxNorm that never clips
	}
	return d.dispatch(kc, &p, []*devBuf{ctrl.buf, sumsq.buf, watch.buf}, 1, 1, 1)
}

// guardKernel returns the kernel of guard.wgsl for kind.
func (d *Device) guardKernel(kind string) (*kernel, error) {
	key := guardKey{Kind: kind}
	return d.kernel(key, func() kernelSpec {
		bind := []access{readOnly, readOnly, readWrite}
		if kind == "clip" {
			bind = []access{readWrite, readOnly, readOnly}
		}
		return kernelSpec{file: "guard.wgsl", data: key, bind: bind}
	})
}
