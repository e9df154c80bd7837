package gpu

import (
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// ktRowShapes are the rows×cols shapes the row-kernel tests run: ones,
// primes, vec4 and non-vec4 rows, rows shorter and longer than every
// workgroup size, and a row long enough for the 1024-wide variant.
var ktRowShapes = [][2]int{{1, 1}, {1, 4}, {3, 7}, {2, 64}, {5, 257}, {7, 1000}, {13, 1031}, {2, 16384}, {1, 16387}}

// ktRel fails the test when ||got-want||/||want|| exceeds tol or is NaN.
func ktRel(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	if e := relErr(got, want); !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %.3g", what, e, tol)
	}
}

// ktRand returns n standard normal float32s and a device buffer holding them.
func ktRand(t *testing.T, d *Device, rng *rand.Rand, n int) ([]float32, *Buffer) {
	t.Helper()
	s := randSlice(rng, n)
	return s, mustUpload(t, d, s)
}

// ktAlloc allocates an uninitialised n-float buffer.
func ktAlloc(t *testing.T, d *Device, n int) *Buffer {
	t.Helper()
	b, err := d.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ktRelease releases every buffer.
func ktRelease(bs ...*Buffer) {
	for _, b := range bs {
		b.Release()
	}
}

func TestL2Normalize(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range append(ktRowShapes, [2]int{4, 0}) {
		rows, cols := s[0], s[1]
		x, gx := ktRand(t, d, rng, rows*cols)
		if rows > 1 && cols > 0 {
			for k := range cols { // a zero row takes the eps branch
				x[k] = 0
			}
			d.Upload(gx, x)
		}
		gy, gn := ktAlloc(t, d, rows*cols), ktAlloc(t, d, rows)
		if err := d.L2Normalize(gy, gn, gx, rows, cols, 1e-12); err != nil {
			t.Fatal(err)
		}
		y, n := make([]float64, rows*cols), make([]float64, rows)
		ref.L2Normalize(y, n, to64(x), rows, cols, 1e-12)
		ktRel(t, "L2Normalize y", mustDownload(t, d, gy), y, 1e-6)
		ktRel(t, "L2Normalize norm", mustDownload(t, d, gn), n, 1e-6)

		// Backward from the device's own y and norm, with eps large enough
		// that the zero row takes the dy/eps branch.
		dy, gdy := ktRand(t, d, rng, rows*cols)
		gdx := ktAlloc(t, d, rows*cols)
		yf, nf := mustDownload(t, d, gy), mustDownload(t, d, gn)
		if err := d.L2NormalizeBackward(gdx, gdy, gy, gn, rows, cols, 1e-3); err != nil {
			t.Fatal(err)
		}
		dx := make([]float64, rows*cols)
		ref.L2NormalizeBackward(dx, to64(dy), to64(yf), to64(nf), rows, cols, 1e-3)
		ktRel(t, "L2NormalizeBackward", mustDownload(t, d, gdx), dx, 1e-6)
		ktRelease(gx, gy, gn, gdy, gdx)
	}
}

func TestWeightNorm(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(23, 24))
	for _, s := range ktRowShapes {
		rows, cols := s[0], s[1]
		v, gv := ktRand(t, d, rng, rows*cols)
		g, gg := ktRand(t, d, rng, rows)
		gw, gn := ktAlloc(t, d, rows*cols), ktAlloc(t, d, rows)
		if err := d.WeightNorm(gw, gn, gg, gv, rows, cols); err != nil {
			t.Fatal(err)
		}
		w, n := make([]float64, rows*cols), make([]float64, rows)
		ref.WeightNorm(w, n, to64(g), to64(v), rows, cols)
		ktRel(t, "WeightNorm w", mustDownload(t, d, gw), w, 1e-6)
		ktRel(t, "WeightNorm norm", mustDownload(t, d, gn), n, 1e-6)

		dw, gdw := ktRand(t, d, rng, rows*cols)
		gdg, gdv := ktAlloc(t, d, rows), ktAlloc(t, d, rows*cols)
		nf := mustDownload(t, d, gn)
		if err := d.WeightNormBackward(gdg, gdv, gdw, gg, gv, gn, rows, cols); err != nil {
			t.Fatal(err)
		}
		dg, dv := make([]float64, rows), make([]float64, rows*cols)
		ref.WeightNormBackward(dg, dv, to64(dw), to64(g), to64(v), to64(nf), rows, cols)
		ktRel(t, "WeightNormBackward dg", mustDownload(t, d, gdg), dg, 1e-6)
		ktRel(t, "WeightNormBackward dv", mustDownload(t, d, gdv), dv, 1e-6)
		ktRelease(gv, gg, gw, gn, gdw, gdg, gdv)
	}
}

func TestNormsPanics(t *testing.T) {
	d := openTestDevice(t)
	x, y, n := ktAlloc(t, d, 12), ktAlloc(t, d, 12), ktAlloc(t, d, 3)
	defer ktRelease(x, y, n)
	ktPanics(t, "gpu.L2Normalize", func() { d.L2Normalize(y, n, x, 3, 5, 1e-12) })
	ktPanics(t, "gpu.L2Normalize", func() { d.L2Normalize(x, n, x, 3, 4, 1e-12) })
	ktPanics(t, "gpu.WeightNorm", func() { d.WeightNorm(y, n, n, x, 4, 3) })
	ktPanics(t, "gpu.WeightNormBackward", func() { d.WeightNormBackward(n, y, x, n, x, n, 3, 4) })
	ktPanics(t, "gpu.L2NormalizeBackward", func() { d.L2NormalizeBackward(x, y, x, n, 3, 4, 1e-12) })
}

// ktPanics fails unless f panics with a message starting with prefix.
func ktPanics(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if r == nil || len(msg) < len(prefix) || msg[:len(prefix)] != prefix {
			t.Errorf("want a panic starting %q, got %v", prefix, r)
		}
	}()
	f()
}

// TestRowKernelsWide runs every row-kernel test on one shape with 128
// invocations per workgroup. A CPU adapter normally gets 64 (see
// rkGroupSize), so without this only one workgroup size would be tested on
// lavapipe; the GPU sizes (256 and 1024) compile slowly there (seconds to
// minutes per variant) and are covered when the tests run on a GPU. The
// kernels depend on the size only through loop strides and the start of
// the reduction trees.
func TestRowKernelsWide(t *testing.T) {
	saved := [][][2]int{ktRowShapes, ktSKShapes, ktKoLeoShapes}
	rkForceWG = 128
	ktRowShapes, ktSKShapes, ktKoLeoShapes = [][2]int{{3, 1031}}, [][2]int{{37, 1031}}, [][2]int{{17, 257}}
	defer func() {
		rkForceWG = 0
		ktRowShapes, ktSKShapes, ktKoLeoShapes = saved[0], saved[1], saved[2]
	}()
	for _, test := range []func(*testing.T){TestL2Normalize, TestWeightNorm, TestSoftCrossEntropy,
		TestCenteredSoftmax, TestSinkhornKnopp, TestKoLeo} {
		test(t)
	}
}
