package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// bceInputs returns logits spread over ±30 (both tails of the softplus),
// soft and hard targets, and weights with zeros (masked labels).
func bceInputs(rng *rand.Rand, n int) (x, y, w []float32) {
	x, y, w = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 4)
		if i%17 == 3 {
			x[i] = float32(rng.NormFloat64() * 30)
		}
		switch i % 3 {
		case 0:
			y[i] = float32(rng.IntN(2))
		default:
			y[i] = rng.Float32()
		}
		w[i] = float32(rng.IntN(3)) * 0.75
	}
	return x, y, w
}

func TestBCEWithLogits(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(71, 72))
	for _, n := range opSizes {
		x, y, w := bceInputs(rng, n)
		dl := randSlice(rng, n)
		gx, gy, gw, gdl := mustUpload(t, d, x), mustUpload(t, d, y), mustUpload(t, d, w), mustUpload(t, d, dl)
		loss := opAlloc(t, d, n)
		if err := d.BCEWithLogits(loss, gx, gy, gw); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, n)
		ref.BCEWithLogits(want, to64(x), to64(y), to64(w))
		opCheck(t, fmt.Sprintf("BCEWithLogits n=%d", n), mustDownload(t, d, loss), want, 1e-6)

		if err := d.BCEWithLogitsBackward(loss, gdl, gx, gy, gw); err != nil {
			t.Fatal(err)
		}
		ref.BCEWithLogitsBackward(want, to64(dl), to64(x), to64(y), to64(w))
		opCheck(t, fmt.Sprintf("BCEWithLogitsBackward n=%d", n), mustDownload(t, d, loss), want, 1e-6)
		// In place: dx overwrites dloss.
		if err := d.BCEWithLogitsBackward(gdl, gdl, gx, gy, gw); err != nil {
			t.Fatal(err)
		}
		opCheck(t, fmt.Sprintf("BCEWithLogitsBackward in place n=%d", n), mustDownload(t, d, gdl), want, 1e-6)
		// In place: loss overwrites x.
		if err := d.BCEWithLogits(gx, gx, gy, gw); err != nil {
			t.Fatal(err)
		}
		ref.BCEWithLogits(want, to64(x), to64(y), to64(w))
		opCheck(t, fmt.Sprintf("BCEWithLogits in place n=%d", n), mustDownload(t, d, gx), want, 1e-6)
		for _, b := range []*Buffer{gx, gy, gw, gdl, loss} {
			b.Release()
		}
	}
}

// TestBCESmallLoss checks the relative accuracy where the loss is tiny
// (confident, correct logits): log(1+e^{−|x|}) must keep its digits.
func TestBCESmallLoss(t *testing.T) {
	d := openTestDevice(t)
	n := 64
	x, y, w := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = 5 + float32(i)*0.3 // loss = log1p(e^{−x}) from 7e-3 down to 3e-11
		y[i], w[i] = 1, 1
	}
	gx, gy, gw, loss := mustUpload(t, d, x), mustUpload(t, d, y), mustUpload(t, d, w), opAlloc(t, d, n)
	defer func() {
		for _, b := range []*Buffer{gx, gy, gw, loss} {
			b.Release()
		}
	}()
	if err := d.BCEWithLogits(loss, gx, gy, gw); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	ref.BCEWithLogits(want, to64(x), to64(y), to64(w))
	got := mustDownload(t, d, loss)
	// Per element, not a norm: the float32 e^{−x} alone carries a relative
	// error of about |x|·2⁻²⁴ ≈ 1e-6 at x = 24, hence 1e-5; log(1.0 + u)
	// instead of the series would be off by 100% at the small end.
	for i := range got {
		if e := (float64(got[i]) - want[i]) / want[i]; e > 1e-5 || e < -1e-5 {
			t.Errorf("x=%v: loss %v, want %v (relative error %.2g)", x[i], got[i], want[i], e)
		}
	}
}

func TestSoftDice(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(73, 74))
	for _, s := range [][2]int{{1, 1}, {3, 7}, {2, 257}, {5, 1031}, {1, 4096}, {0, 3}, {3, 0}} {
		rows, cols := s[0], s[1]
		name := fmt.Sprintf("%dx%d", rows, cols)
		p, tg := make([]float32, rows*cols), make([]float32, rows*cols)
		for i := range p {
			p[i] = rng.Float32()
			tg[i] = float32(rng.IntN(2))
		}
		dd := randSlice(rng, rows)
		gp, gt, gdd := mustUpload(t, d, p), mustUpload(t, d, tg), mustUpload(t, d, dd)
		dice, dp := opAlloc(t, d, rows), opAlloc(t, d, rows*cols)
		const eps = 1.0
		if err := d.SoftDice(dice, gp, gt, rows, cols, eps); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, rows)
		ref.SoftDice(want, to64(p), to64(tg), rows, cols, eps)
		got := mustDownload(t, d, dice)
		opCheck(t, "SoftDice "+name, got, want, 1e-6)
		if err := d.SoftDice(dice, gp, gt, rows, cols, eps); err != nil {
			t.Fatal(err)
		}
		opExact(t, "SoftDice rerun "+name, mustDownload(t, d, dice), got)

		if err := d.SoftDiceBackward(dp, gdd, gp, gt, rows, cols, eps); err != nil {
			t.Fatal(err)
		}
		wantDp := make([]float64, rows*cols)
		ref.SoftDiceBackward(wantDp, to64(dd), to64(p), to64(tg), rows, cols, eps)
		opCheck(t, "SoftDiceBackward "+name, mustDownload(t, d, dp), wantDp, 1e-6)
		for _, b := range []*Buffer{gp, gt, gdd, dice, dp} {
			b.Release()
		}
	}
}

func TestDownstreamPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, c := opAlloc(t, d, 6), opAlloc(t, d, 3), opAlloc(t, d, 2)
	defer a.Release()
	defer b.Release()
	defer c.Release()
	opExpectPanic(t, "gpu.BCEWithLogits: len(y)=3, want 6", func() { d.BCEWithLogits(a, a, b, a) })
	opExpectPanic(t, "gpu.BCEWithLogitsBackward: len(dloss)=3, want 6", func() { d.BCEWithLogitsBackward(a, b, a, a, a) })
	opExpectPanic(t, "gpu.SoftDice: len(dice)=3, want 2", func() { d.SoftDice(b, a, a, 2, 3, 1) })
	opExpectPanic(t, "gpu.SoftDice: len(p)=3 is not rows×cols=2×3", func() { d.SoftDice(b, b, a, 2, 3, 1) })
	opExpectPanic(t, "gpu.SoftDiceBackward: dst must be a different buffer", func() { d.SoftDiceBackward(a, c, a, a, 2, 3, 1) })
}
