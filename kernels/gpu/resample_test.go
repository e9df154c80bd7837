package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// TestResample2D checks both directions against ref with random weights
// and with the interpolation matrices the model uses (bicubic position
// embeddings, antialiased downsampling, bilinear mask upsampling).
func TestResample2D(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(61, 62))
	type weights func(out, in int) []float32
	random := func(out, in int) []float32 { return randSlice(rng, out*in) }
	bicubic := func(out, in int) []float32 { return opTo32(ref.BicubicMatrix(out, in, 0)) }
	antialias := func(out, in int) []float32 { return opTo32(ref.AntialiasBicubicMatrix(out, in)) }
	bilinear := func(out, in int) []float32 { return opTo32(ref.BilinearMatrix(out, in)) }
	for _, c := range []struct {
		name                     string
		w                        weights
		inH, inW, outH, outW, ch int
	}{
		{"random", random, 1, 1, 1, 1, 1},
		{"random", random, 3, 5, 7, 2, 3},
		{"random", random, 4, 6, 5, 3, 8},
		{"random", random, 2, 3, 0, 4, 2},
		{"bicubic", bicubic, 16, 16, 37, 37, 4},
		{"bicubic", bicubic, 7, 5, 16, 11, 6},
		{"antialias", antialias, 37, 37, 16, 16, 5},
		{"bilinear", bilinear, 4, 4, 56, 56, 3},
	} {
		name := fmt.Sprintf("%s %dx%d→%dx%d ch=%d", c.name, c.inH, c.inW, c.outH, c.outW, c.ch)
		wy, wx := c.w(c.outH, c.inH), c.w(c.outW, c.inW)
		src := randSlice(rng, c.inH*c.inW*c.ch)
		ddst := randSlice(rng, c.outH*c.outW*c.ch)
		gwy, gwx, gs, gdd := mustUpload(t, d, wy), mustUpload(t, d, wx), mustUpload(t, d, src), mustUpload(t, d, ddst)
		gdst, gds := opAlloc(t, d, len(ddst)), opAlloc(t, d, len(src))
		if err := d.Resample2D(gdst, gs, gwy, gwx, c.inH, c.inW, c.outH, c.outW, c.ch); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, len(ddst))
		ref.Resample2D(want, to64(src), to64(wy), to64(wx), c.inH, c.inW, c.outH, c.outW, c.ch)
		opCheck(t, "Resample2D "+name, mustDownload(t, d, gdst), want, 1e-6)

		if err := d.Resample2DAdjoint(gds, gdd, gwy, gwx, c.inH, c.inW, c.outH, c.outW, c.ch); err != nil {
			t.Fatal(err)
		}
		wantA := make([]float64, len(src))
		ref.Resample2DAdjoint(wantA, to64(ddst), to64(wy), to64(wx), c.inH, c.inW, c.outH, c.outW, c.ch)
		opCheck(t, "Resample2DAdjoint "+name, mustDownload(t, d, gds), wantA, 1e-6)
		for _, b := range []*Buffer{gwy, gwx, gs, gdd, gdst, gds} {
			b.Release()
		}
	}
}

func TestResamplePanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, w := opAlloc(t, d, 12), opAlloc(t, d, 12), opAlloc(t, d, 4)
	defer a.Release()
	defer b.Release()
	defer w.Release()
	opExpectPanic(t, "gpu.Resample2D: len(wy)=4 is not rows×cols=4×2", func() { d.Resample2D(a, b, w, w, 2, 2, 4, 1, 3) })
	opExpectPanic(t, "gpu.Resample2D: dst must be a different buffer", func() { d.Resample2D(a, a, w, w, 2, 2, 2, 2, 3) })
	opExpectPanic(t, "gpu.Resample2DAdjoint: len(ddst)=12 is not rows×cols=6×3", func() { d.Resample2DAdjoint(a, b, w, w, 2, 2, 3, 2, 3) })
}
