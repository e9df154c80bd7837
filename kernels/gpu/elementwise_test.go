package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// ewCase is one elementwise operator: run on the device, ref on float64.
type ewCase struct {
	name string
	nIn  int
	gpu  func(d *Device, dst *Buffer, in []*Buffer) error
	ref  func(dst []float64, in [][]float64)
}

var ewCases = []ewCase{
	{"Add", 2, func(d *Device, dst *Buffer, in []*Buffer) error { return d.Add(dst, in[0], in[1]) },
		func(dst []float64, in [][]float64) { ref.Add(dst, in[0], in[1]) }},
	{"Mul", 2, func(d *Device, dst *Buffer, in []*Buffer) error { return d.Mul(dst, in[0], in[1]) },
		func(dst []float64, in [][]float64) { ref.Mul(dst, in[0], in[1]) }},
	{"Scale", 1, func(d *Device, dst *Buffer, in []*Buffer) error { return d.Scale(dst, in[0], -1.7) },
		func(dst []float64, in [][]float64) { ref.Scale(dst, in[0], float64(float32(-1.7))) }},
	{"Exp", 1, func(d *Device, dst *Buffer, in []*Buffer) error { return d.Exp(dst, in[0]) },
		func(dst []float64, in [][]float64) { ref.Exp(dst, in[0]) }},
}

// TestElementwise checks each operator against ref on every size, with a
// separate destination and in place (dst = each input in turn, and every
// operand the same buffer).
func TestElementwise(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range ewCases {
		for _, n := range opSizes {
			// alias −1: separate dst; k ≥ 0: dst is input k; nIn: all one buffer.
			for alias := -1; alias <= c.nIn; alias++ {
				if alias == c.nIn && c.nIn == 1 {
					continue
				}
				host := make([][]float32, c.nIn)
				in := make([]*Buffer, c.nIn)
				in64 := make([][]float64, c.nIn)
				for k := range host {
					host[k] = randSlice(rng, n)
					if alias == c.nIn && k > 0 {
						host[k] = host[0]
					}
					in64[k] = to64(host[k])
					if alias == c.nIn && k > 0 {
						in[k] = in[0]
					} else {
						in[k] = mustUpload(t, d, host[k])
					}
				}
				var dst *Buffer
				switch {
				case alias < 0:
					dst = opAlloc(t, d, n)
				case alias == c.nIn:
					dst = in[0]
				default:
					dst = in[alias]
				}
				if err := c.gpu(d, dst, in); err != nil {
					t.Fatal(err)
				}
				want := make([]float64, n)
				c.ref(want, in64)
				opCheck(t, fmt.Sprintf("%s n=%d alias=%d", c.name, n, alias), mustDownload(t, d, dst), want, 1e-6)
				if alias < 0 {
					dst.Release()
				}
				for k := range in {
					if alias != c.nIn || k == 0 {
						in[k].Release()
					}
				}
			}
		}
	}
}

func TestAxpyEMA(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range opSizes {
		y, x := randSlice(rng, n), randSlice(rng, n)
		gy, gx := mustUpload(t, d, y), mustUpload(t, d, x)
		const alpha, mom = 0.37, 0.996
		if err := d.Axpy(gy, alpha, gx); err != nil {
			t.Fatal(err)
		}
		want := to64(y)
		ref.Axpy(want, float64(float32(alpha)), to64(x))
		opCheck(t, fmt.Sprintf("Axpy n=%d", n), mustDownload(t, d, gy), want, 1e-6)
		// y += α·y (x aliasing y).
		if err := d.Axpy(gy, alpha, gy); err != nil {
			t.Fatal(err)
		}
		ref.Axpy(want, float64(float32(alpha)), append([]float64(nil), want...))
		opCheck(t, fmt.Sprintf("Axpy aliased n=%d", n), mustDownload(t, d, gy), want, 1e-6)

		teacher := randSlice(rng, n)
		gt := mustUpload(t, d, teacher)
		if err := d.EMA(gt, gx, mom); err != nil {
			t.Fatal(err)
		}
		wt := to64(teacher)
		ref.EMA(wt, to64(x), mom)
		opCheck(t, fmt.Sprintf("EMA n=%d", n), mustDownload(t, d, gt), wt, 1e-6)
		gy.Release()
		gx.Release()
		gt.Release()
	}
}

func TestAddBiasScaleCols(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(25, 26))
	for _, s := range [][2]int{{1, 1}, {3, 7}, {5, 8}, {1, 257}, {17, 255}, {9, 384}, {0, 5}} {
		rows, cols := s[0], s[1]
		x, v := randSlice(rng, rows*cols), randSlice(rng, cols)
		for _, inPlace := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d inPlace=%v", rows, cols, inPlace)
			gx, gv := mustUpload(t, d, x), mustUpload(t, d, v)
			dst := gx
			if !inPlace {
				dst = opAlloc(t, d, rows*cols)
			}
			if err := d.AddBias(dst, gx, gv, rows, cols); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, rows*cols)
			ref.AddBias(want, to64(x), to64(v), rows, cols)
			opCheck(t, "AddBias "+name, mustDownload(t, d, dst), want, 1e-6)

			if err := d.Upload(gx, x); err != nil {
				t.Fatal(err)
			}
			if err := d.ScaleCols(dst, gx, gv, rows, cols); err != nil {
				t.Fatal(err)
			}
			ref.ScaleCols(want, to64(x), to64(v), rows, cols)
			opCheck(t, "ScaleCols "+name, mustDownload(t, d, dst), want, 1e-6)
			if !inPlace {
				dst.Release()
			}
			gx.Release()
			gv.Release()
		}
	}
}

func TestElementwisePanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, c := opAlloc(t, d, 6), opAlloc(t, d, 5), opAlloc(t, d, 3)
	defer a.Release()
	defer b.Release()
	defer c.Release()
	opExpectPanic(t, "gpu.Add: len(b)=5, want 6", func() { d.Add(a, a, b) })
	opExpectPanic(t, "gpu.Mul", func() { d.Mul(b, a, a) })
	opExpectPanic(t, "gpu.Scale", func() { d.Scale(a, b, 2) })
	opExpectPanic(t, "gpu.Axpy", func() { d.Axpy(a, 2, c) })
	opExpectPanic(t, "gpu.Exp", func() { d.Exp(c, a) })
	opExpectPanic(t, "gpu.EMA", func() { d.EMA(a, b, 0.5) })
	opExpectPanic(t, "gpu.AddBias: len(bias)=6, want 3", func() { d.AddBias(a, a, a, 2, 3) })
	opExpectPanic(t, "gpu.BroadcastAxis: dst must not alias", func() { d.BroadcastAxis(a, a, 2, 1, 3, 1) })
	opExpectPanic(t, "gpu.ScaleCols: len(x)=5 is not rows×cols=2×3", func() { d.ScaleCols(a, b, c, 2, 3) })
	opExpectPanic(t, "gpu.Add: a is nil", func() { d.Add(a, nil, a) })
}
