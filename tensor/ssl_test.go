package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// KoLeo, its backward, MeanRowEntropy and Concat1D on every device against
// the float64 references. On a GPU the four ops queue their work without
// one wait for the device (the neighbours and the loss gradient stay on
// it); the single wait is the final readback of the packed scalars.
func TestSSLMonitorOpsOnDevice(t *testing.T) {
	rng := NewRNG(3)
	const rows, cols = 9, 24
	xf, xd := randData(rng, rows*cols)
	pf := make([]float32, 300*257)
	for i := range pf {
		pf[i] = float32(math.Abs(rng.NormFloat64()) / 200)
	}
	pf[5] = 0
	for _, dev := range testDevices(t) {
		x := MustFromSlice(dev, xf, rows, cols)
		dl := MustFromSlice(dev, []float32{0.7}, 1)
		p := MustFromSlice(dev, pf, 300, 257)
		waits := func() int64 { return 0 }
		if g, ok := dev.(*GPU); ok {
			waits = func() int64 { return g.Kernels().Stats().Waits }
		}
		before := waits()
		loss, nn := KoLeo(x)
		dx := KoLeoBackward(dl, x, nn)
		ent := MeanRowEntropy(p, 256)
		packed := Concat1D(loss, ent)
		if w := waits() - before; w != 0 {
			t.Errorf("%s: KoLeo, KoLeoBackward, MeanRowEntropy and Concat1D waited for the device %d times, want 0", dev, w)
		}
		if s := nn.Shape(); len(s) != 1 || s[0] != rows || nn.Device() != dev {
			t.Fatalf("%s: nn has shape %v on %s, want (%d) on %s", dev, s, nn.Device(), rows, dev)
		}
		got := packed.Data()
		if w := waits() - before; dev.IsGPU() && w != 1 {
			t.Errorf("%s: reading the packed scalars waited %d times, want 1", dev, w)
		}

		wantLoss, wantNN := make([]float64, 1), make([]float64, rows)
		ref.KoLeo(wantLoss, wantNN, xd, rows, cols)
		for i, v := range nn.Data() {
			if float64(v) != wantNN[i] {
				t.Errorf("%s: nn[%d]=%v, want %v", dev, i, v, wantNN[i])
			}
		}
		wantDX := make([]float64, rows*cols)
		ref.KoLeoBackward(wantDX, []float64{0.7}, xd, wantNN, rows, cols)
		if e := relErr(dx.Data(), wantDX); e > 1e-5 {
			t.Errorf("%s: KoLeoBackward rel err %.3g", dev, e)
		}
		wantEnt := make([]float64, 1)
		ref.MeanRowEntropy(wantEnt, to64(pf), 300, 257, 256)
		if e := relErr(got, []float64{wantLoss[0], wantEnt[0]}); e > 1e-5 {
			t.Errorf("%s: packed [loss, entropy] = %v, want [%v %v]", dev, got, wantLoss[0], wantEnt[0])
		}
	}
}

// MeanRowEntropy counts rows over every leading axis and takes the first
// maxRows of them; an empty last axis gives rows of entropy 0.
func TestMeanRowEntropyShapes(t *testing.T) {
	rng := NewRNG(4)
	for _, dev := range testDevices(t) {
		for _, c := range []struct {
			shape   []int
			maxRows int
		}{{[]int{1}, 1}, {[]int{1, 1}, 3}, {[]int{7, 13}, 3}, {[]int{3, 5, 16}, 7}, {[]int{2, 16384}, 256}} {
			n := numel("", c.shape)
			pf := make([]float32, n)
			for i := range pf {
				pf[i] = float32(rng.Float64())
			}
			cols := c.shape[len(c.shape)-1]
			want := make([]float64, 1)
			ref.MeanRowEntropy(want, to64(pf), n/cols, cols, c.maxRows)
			got := MeanRowEntropy(MustFromSlice(dev, pf, c.shape...), c.maxRows)
			if s := got.Shape(); len(s) != 1 || s[0] != 1 {
				t.Fatalf("%s: shape %v, want (1)", dev, s)
			}
			if e := relErr(got.Data(), want); e > 1e-5 {
				t.Errorf("%s: MeanRowEntropy %v maxRows %d: %v, want %v", dev, c.shape, c.maxRows, got.Data()[0], want[0])
			}
		}
		if v := MeanRowEntropy(Zeros(dev, 4, 0), 2).Item(); v != 0 {
			t.Errorf("%s: 4 empty rows: %v, want 0", dev, v)
		}
	}
}

// Concat1D reads each input flat, whatever its shape.
func TestConcat1D(t *testing.T) {
	for _, dev := range testDevices(t) {
		parts := []*Tensor{
			MustFromSlice(dev, []float32{1}),                // shape ()
			MustFromSlice(dev, []float32{2}, 1),             // (1)
			MustFromSlice(dev, []float32{3}, 1, 1),          // (1, 1)
			Zeros(dev, 0),                                   // nothing
			MustFromSlice(dev, []float32{4, 5, 6, 7}, 2, 2), // (2, 2)
		}
		out := Concat1D(parts...)
		if s := out.Shape(); len(s) != 1 || s[0] != 7 {
			t.Fatalf("%s: shape %v, want (7)", dev, s)
		}
		if got := fmt.Sprint(out.Data()); got != "[1 2 3 4 5 6 7]" {
			t.Errorf("%s: Concat1D = %s", dev, got)
		}
	}
}

func TestSSLOpErrors(t *testing.T) {
	x := Zeros(CPU, 4, 3)
	loss, nn := KoLeo(MustFromSlice(CPU, []float32{1, 0, 0, 1, 1, 1}, 3, 2))
	_ = loss
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { KoLeoBackward(Zeros(CPU, 1), x, nn) }, "tensor.KoLeoBackward: nn has shape (3), want (4)"},
		{func() { KoLeoBackward(Zeros(CPU, 2), Zeros(CPU, 3, 2), nn) }, "tensor.KoLeoBackward: dloss has shape (2)"},
		{func() { MeanRowEntropy(x, 0) }, "tensor.MeanRowEntropy: maxRows=0, want at least 1"},
		{func() { Concat1D() }, "tensor.Concat1D: nothing to concatenate"},
	} {
		func() {
			defer func() {
				r := recover()
				if s := fmt.Sprint(r); r == nil || !strings.HasPrefix(s, c.want) {
					t.Errorf("panic %v, want one starting %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

func to64(x []float32) []float64 {
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return d
}
