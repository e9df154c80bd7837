package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// BCEWithLogits queues the weighted binary cross-entropy of logits x
// against targets y, elementwise, in the overflow-free form:
//
//	loss = w·(max(x, 0) − x·y + log(1 + e^{−|x|}))
//
// (w = 0 masks a missing label; log(1+u) is evaluated by a series that
// keeps the digits of a small u). All four buffers have one length; loss
// may be one of the inputs.
//
// Backward: BCEWithLogitsBackward.
func (d *Device) BCEWithLogits(loss, x, y, w *Buffer) error {
	const op = "gpu.BCEWithLogits"
	d.checkBuffer(op, "x", x)
	d.checkSame(op, x.n, []string{"loss", "y", "w"}, loss, y, w)
	return d.elementwise(op, "bce", loss, x.n, []ewIn{{x, ewFull}, {y, ewFull}, {w, ewFull}}, ewShape{}, 0, 0)
}

// BCEWithLogitsBackward queues dx = dloss·w·(σ(x) − y) elementwise. dx may
// be one of the inputs.
func (d *Device) BCEWithLogitsBackward(dx, dloss, x, y, w *Buffer) error {
	const op = "gpu.BCEWithLogitsBackward"
	d.checkBuffer(op, "x", x)
	d.checkSame(op, x.n, []string{"dx", "dloss", "y", "w"}, dx, dloss, y, w)
	return d.elementwise(op, "bceback", dx, x.n, []ewIn{{dloss, ewFull}, {x, ewFull}, {y, ewFull}, {w, ewFull}}, ewShape{}, 0, 0)
}

// diceKey is the variant key of downstream.wgsl.
type diceKey struct{ Backward bool }

type diceData struct {
	Backward bool
	Strides  []int
}

// SoftDice queues per-row soft Dice coefficients of probabilities p against
// targets t (rows × cols; rows = image×class, cols = pixels):
//
//	dice[r] = (2·Σ_j p[r,j]·t[r,j] + eps)/(Σ_j p[r,j] + Σ_j t[r,j] + eps),
//
// one workgroup per row with a fixed summation order. dice must differ
// from p and t.
//
// Backward: SoftDiceBackward.
func (d *Device) SoftDice(dice, p, t *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.SoftDice"
	d.checkBuffer(op, "dice", dice)
	d.checkBuffer(op, "p", p)
	d.checkBuffer(op, "t", t)
	kernels.CheckRows(op, "p", p.n, rows, cols)
	kernels.CheckLen(op, "t", t.n, rows*cols)
	kernels.CheckLen(op, "dice", dice.n, rows)
	d.checkDistinct(op, dice, p, t)
	return d.dice(false, []*devBuf{p.buf, t.buf, dice.buf}, rows, cols, eps)
}

// SoftDiceBackward queues the gradient of SoftDice: with I = Σ_j p·t and
// S = Σ_j p + Σ_j t + eps per row,
//
//	dp[r,j] = ddice[r]·(2·t[r,j]·S − (2I + eps))/S².
//
// dp must differ from the inputs.
func (d *Device) SoftDiceBackward(dp, ddice, p, t *Buffer, rows, cols int, eps float64) error {
	const op = "gpu.SoftDiceBackward"
	d.checkBuffer(op, "dp", dp)
	d.checkBuffer(op, "ddice", ddice)
	d.checkBuffer(op, "p", p)
	d.checkBuffer(op, "t", t)
	kernels.CheckRows(op, "p", p.n, rows, cols)
	kernels.CheckLen(op, "t", t.n, rows*cols)
	kernels.CheckLen(op, "dp", dp.n, rows*cols)
	kernels.CheckLen(op, "ddice", ddice.n, rows)
	d.checkDistinct(op, dp, ddice, p, t)
	return d.dice(true, []*devBuf{p.buf, t.buf, ddice.buf, dp.buf}, rows, cols, eps)
}

func (d *Device) dice(backward bool, bufs []*devBuf, rows, cols int, eps float64) error {
	if rows == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	key := diceKey{backward}
	k, err := d.kernel(key, func() kernelSpec {
		dt := diceData{Backward: backward}
		for s := 128; s > 0; s /= 2 {
			dt.Strides = append(dt.Strides, s)
		}
		bind := make([]access, len(bufs))
		bind[len(bind)-1] = readWrite
		return kernelSpec{file: "downstream.wgsl", data: dt, bind: bind}
	})
	if err != nil {
		return err
	}
	var p params
	p.int(rows).int(cols).f32(eps)
	x, y := d.grid2D(rows)
	return d.dispatch(k, &p, bufs, x, y, 1)
}
