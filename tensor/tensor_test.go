package tensor

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// testDevices lists the devices every tensor test runs on.
func testDevices(t *testing.T) []Device { return append([]Device{CPU}, gpuTestDevices(t)...) }

// gpuTestDevices is replaced once the GPU device exists.
var gpuTestDevices = func(t *testing.T) []Device { return nil } // set by gpu_test.go

func TestFromSliceErrors(t *testing.T) {
	if _, err := FromSlice(CPU, make([]float32, 5), 2, 3); err == nil || !strings.Contains(err.Error(), "6 elements") {
		t.Fatalf("mismatched data: err %v", err)
	}
	if _, err := FromSlice(CPU, nil, -1, 3); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("negative dim: err %v", err)
	}
}

func TestReshapeSharesAndRefcounts(t *testing.T) {
	for _, dev := range testDevices(t) {
		x := MustFromSlice(dev, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
		y := x.Reshape(3, -1)
		if s := y.Shape(); s[0] != 3 || s[1] != 2 {
			t.Fatalf("%s: reshape gave %v", dev, s)
		}
		x.Release()
		if got := y.Data(); got[5] != 6 {
			t.Fatalf("%s: storage freed while a reshape holds it: %v", dev, got)
		}
		y.Release()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: reshape to a wrong size did not panic", dev)
				}
			}()
			Zeros(dev, 4).Reshape(3)
		}()
	}
}

func TestDeviceMismatchIsAnError(t *testing.T) {
	other := fakeDevice{}
	a := Zeros(CPU, 2)
	b := &Tensor{shape: []int{2}, st: &storage{dev: other, n: 2}}
	err := Try(func() { Add(a, b) })
	var me *DeviceMismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "cpu") || !strings.Contains(err.Error(), "fake") {
		t.Fatalf("mixing devices: err %v", err)
	}
}

type fakeDevice struct{}

func (fakeDevice) String() string   { return "fake" }
func (fakeDevice) IsGPU() bool      { return true }
func (fakeDevice) Sync() error      { return nil }
func (fakeDevice) backend() backend { return nil }

func relErr(got []float32, want []float64) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func randData(rng *RNG, n int) ([]float32, []float64) {
	f := make([]float32, n)
	d := make([]float64, n)
	for i := range f {
		f[i] = float32(rng.NormFloat64())
		d[i] = float64(f[i])
	}
	return f, d
}

func TestMatMulAndLinearMatchRef(t *testing.T) {
	rng := NewRNG(1)
	for _, dev := range testDevices(t) {
		for _, c := range []struct {
			batch, m, n, k int
			ta, tb, shared bool
		}{{1, 1, 1, 1, false, false, true}, {3, 7, 5, 13, false, true, false}, {2, 17, 9, 4, true, false, true}, {2, 6, 10, 3, true, true, false}} {
			as := []int{c.batch, c.m, c.k}
			if c.ta {
				as = []int{c.batch, c.k, c.m}
			}
			bs := []int{c.batch, c.k, c.n}
			if c.tb {
				bs = []int{c.batch, c.n, c.k}
			}
			if c.shared {
				bs = bs[1:]
			}
			af, ad := randData(rng, numel("", as))
			bf, bd := randData(rng, numel("", bs))
			want := make([]float64, c.batch*c.m*c.n)
			ref.Gemm(kernels.Gemm{TransA: c.ta, TransB: c.tb, M: c.m, N: c.n, K: c.k, Alpha: 1, Batch: c.batch, SharedB: c.shared}, ad, bd, want)
			got := MatMul(MustFromSlice(dev, af, as...), MustFromSlice(dev, bf, bs...), c.ta, c.tb)
			if e := relErr(got.Data(), want); e > 1e-5 {
				t.Errorf("%s MatMul %+v: rel err %g", dev, c, e)
			}
		}
		xf, xd := randData(rng, 5*7)
		wf, wd := randData(rng, 3*7)
		bf, bd := randData(rng, 3)
		want := make([]float64, 15)
		ref.Gemm(kernels.Gemm{TransB: true, M: 5, N: 3, K: 7, Alpha: 1}, xd, wd, want)
		ref.AddBias(want, want, bd, 5, 3)
		got := Linear(MustFromSlice(dev, xf, 5, 7), MustFromSlice(dev, wf, 3, 7), MustFromSlice(dev, bf, 3))
		if s := got.Shape(); s[0] != 5 || s[1] != 3 {
			t.Fatalf("Linear shape %v", s)
		}
		if e := relErr(got.Data(), want); e > 1e-5 {
			t.Errorf("%s Linear rel err %g", dev, e)
		}
	}
}

func TestConcatSliceRoundTrip(t *testing.T) {
	rng := NewRNG(2)
	for _, dev := range testDevices(t) {
		af, _ := randData(rng, 2*1*3)
		bf, _ := randData(rng, 2*4*3)
		a, b := MustFromSlice(dev, af, 2, 1, 3), MustFromSlice(dev, bf, 2, 4, 3)
		c := Concat(1, a, b)
		if s := c.Shape(); s[1] != 5 {
			t.Fatalf("concat shape %v", s)
		}
		back := Slice(c, 1, 1, 5).Data()
		for i := range bf {
			if back[i] != bf[i] {
				t.Fatalf("%s: slice of concat differs at %d", dev, i)
			}
		}
		g := SliceBackward(Slice(c, 1, 0, 1), c.Shape(), 1, 0).Data()
		for i := 0; i < 2; i++ {
			for j := 0; j < 5; j++ {
				for k := 0; k < 3; k++ {
					v := g[(i*5+j)*3+k]
					if (j == 0 && v != af[i*3+k]) || (j > 0 && v != 0) {
						t.Fatalf("%s: SliceBackward wrong at (%d,%d,%d): %v", dev, i, j, k, v)
					}
				}
			}
		}
	}
}

func TestOpShapeErrorsNameOpAndShapes(t *testing.T) {
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "tensor.MatMul") || !strings.Contains(msg, "(2, 3)") || !strings.Contains(msg, "(4, 5)") {
			t.Fatalf("panic %q", msg)
		}
	}()
	MatMul(Zeros(CPU, 2, 3), Zeros(CPU, 4, 5), false, false)
}

func TestRNGStateRoundTrip(t *testing.T) {
	g := NewRNG(7)
	g.Float64()
	st, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a := g.NormFloat64()
	h := NewRNG(0)
	if err := h.UnmarshalBinary(st); err != nil {
		t.Fatal(err)
	}
	if b := h.NormFloat64(); a != b {
		t.Fatalf("restored RNG gave %v, want %v", b, a)
	}
}
