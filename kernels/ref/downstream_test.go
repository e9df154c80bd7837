package ref

import (
	"math"
	"testing"
)

func TestBCEWithLogitsGradAndValues(t *testing.T) {
	rng := newRNG(t)
	x := randn(rng, 9)
	x[0], x[1] = 40, -40 // the stable form must not overflow
	y := make([]float64, 9)
	w := make([]float64, 9)
	for i := range y {
		y[i] = float64(i % 2)
		w[i] = 1
	}
	w[4] = 0 // a missing label
	loss := make([]float64, 9)
	BCEWithLogits(loss, x, y, w)
	for i := range x {
		s := 1 / (1 + math.Exp(-x[i]))
		want := -w[i] * (y[i]*math.Log(s) + (1-y[i])*math.Log(1-s))
		if i > 1 && math.Abs(loss[i]-want) > 1e-12 {
			t.Fatalf("loss[%d]=%v, want %v", i, loss[i], want)
		}
	}
	if math.Abs(loss[1]-40) > 1e-12 || math.Abs(loss[0]-40) > 1e-12 || loss[4] != 0 {
		t.Fatalf("extremes: %v", loss[:5])
	}
	dl := randn(rng, 9)
	dx := make([]float64, 9)
	BCEWithLogitsBackward(dx, dl, x, y, w)
	checkGrad(t, "BCEWithLogits", func() []float64 {
		l := make([]float64, 9)
		BCEWithLogits(l, x, y, w)
		return l
	}, dl, wrt{"x", x, dx})
}

func TestSoftDiceGrad(t *testing.T) {
	rng := newRNG(t)
	rows, cols := 3, 7
	p := make([]float64, rows*cols)
	tt := make([]float64, rows*cols)
	for i := range p {
		p[i] = rng.Float64()
		if rng.Float64() < 0.4 {
			tt[i] = 1
		}
	}
	d := make([]float64, rows)
	SoftDice(d, p, tt, rows, cols, 1e-6)
	dd := randn(rng, rows)
	dp := make([]float64, len(p))
	SoftDiceBackward(dp, dd, p, tt, rows, cols, 1e-6)
	checkGrad(t, "SoftDice", func() []float64 {
		o := make([]float64, rows)
		SoftDice(o, p, tt, rows, cols, 1e-6)
		return o
	}, dd, wrt{"p", p, dp})
	// A perfect prediction has Dice 1.
	SoftDice(d, tt, tt, rows, cols, 1e-6)
	for _, v := range d {
		if math.Abs(v-1) > 1e-12 {
			t.Fatalf("dice of the target itself = %v", d)
		}
	}
}

func TestBilinearMatrix(t *testing.T) {
	// Upsampling 2 → 4 with align_corners=false: src = (i+0.5)/2 − 0.5.
	w := BilinearMatrix(4, 2)
	want := []float64{1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1}
	for i := range want {
		if math.Abs(w[i]-want[i]) > 1e-15 {
			t.Fatalf("BilinearMatrix(4,2) = %v, want %v", w, want)
		}
	}
	for _, sz := range [][2]int{{37, 37}, {518, 37}, {5, 9}} {
		w := BilinearMatrix(sz[0], sz[1])
		for i := 0; i < sz[0]; i++ {
			var s float64
			for j := 0; j < sz[1]; j++ {
				s += w[i*sz[1]+j]
			}
			if math.Abs(s-1) > 1e-12 {
				t.Fatalf("%v row %d sums to %v", sz, i, s)
			}
		}
	}
}
