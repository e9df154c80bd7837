package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// addNormShapes are rows×cols cases: one column, a prime width, ViT-S and
// ViT-B widths, one row and prime row counts.
var addNormShapes = [][2]int{{1, 1}, {3, 1}, {1, 7}, {13, 7}, {1, 384}, {7, 384}, {3, 768}, {2, 2053}}

func TestAddScaledLayerNorm(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetSubgroups(true)
	for _, sg := range []bool{true, false} {
		if ok, _ := d.Subgroups(); sg && !ok {
			continue
		}
		d.SetSubgroups(sg)
		rng := rand.New(rand.NewPCG(71, 72))
		for _, s := range addNormShapes {
			for _, scaled := range []bool{false, true} {
				name := fmt.Sprintf("subgroups=%v %dx%d scaled=%v", sg, s[0], s[1], scaled)
				checkAddScaledLayerNorm(t, d, rng, s[0], s[1], scaled, name)
			}
		}
	}
}

// checkAddScaledLayerNorm runs the op on random inputs against ref and
// returns how many dispatches the op itself took.
func checkAddScaledLayerNorm(t *testing.T, d *Device, rng *rand.Rand, rows, cols int, scaled bool, name string) int64 {
	t.Helper()
	n := rows * cols
	x, a := randSlice(rng, n), randSlice(rng, n)
	for i := range x {
		x[i] = 3 + 2*x[i] // an offset mean tests the two-pass variance
	}
	w, beta := randSlice(rng, cols), randSlice(rng, cols)
	gx, ga, gw, gb := mustUpload(t, d, x), mustUpload(t, d, a), mustUpload(t, d, w), mustUpload(t, d, beta)
	gs, gy, gm, gr := opAlloc(t, d, n), opAlloc(t, d, n), opAlloc(t, d, rows), opAlloc(t, d, rows)
	bufs := []*Buffer{gx, ga, gw, gb, gs, gy, gm, gr}
	var gamma []float32
	var gamma64 []float64
	var gg *Buffer
	if scaled {
		gamma = randSlice(rng, cols)
		gamma64 = to64(gamma)
		gg = mustUpload(t, d, gamma)
		bufs = append(bufs, gg)
	}
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	const eps = 1e-6
	before := d.Stats().Dispatches
	if err := d.AddScaledLayerNorm(gs, gy, gm, gr, gx, ga, gg, gw, gb, rows, cols, eps); err != nil {
		t.Fatal(err)
	}
	dispatches := d.Stats().Dispatches - before
	ws, wy, wm, wr := make([]float64, n), make([]float64, n), make([]float64, rows), make([]float64, rows)
	ref.AddScaledLayerNorm(ws, wy, wm, wr, to64(x), to64(a), gamma64, to64(w), to64(beta), rows, cols, eps)
	opCheck(t, name+" sum", mustDownload(t, d, gs), ws, 1e-6)
	opCheck(t, name+" y", mustDownload(t, d, gy), wy, 2e-6)
	opCheck(t, name+" mean", mustDownload(t, d, gm), wm, 2e-6)
	opCheck(t, name+" rstd", mustDownload(t, d, gr), wr, 2e-6)
	return dispatches
}

func TestAddScaledLayerNormPanics(t *testing.T) {
	d := openTestDevice(t)
	b6, b2, b3 := opAlloc(t, d, 6), opAlloc(t, d, 2), opAlloc(t, d, 3)
	o6, o6b, o2 := opAlloc(t, d, 6), opAlloc(t, d, 6), opAlloc(t, d, 2)
	defer func() {
		for _, b := range []*Buffer{b6, b2, b3, o6, o6b, o2} {
			b.Release()
		}
	}()
	opExpectPanic(t, "gpu.AddScaledLayerNorm: len(gamma)=2, want 3", func() {
		d.AddScaledLayerNorm(o6, o6b, o2, b2, b6, b6, b2, b3, b3, 2, 3, 1e-6)
	})
	opExpectPanic(t, "must be different buffers", func() {
		d.AddScaledLayerNorm(b6, o6b, o2, b2, b6, b6, nil, b3, b3, 2, 3, 1e-6)
	})
	opExpectPanic(t, "len(a)=3, want 6", func() {
		d.AddScaledLayerNorm(o6, o6b, o2, b2, b6, b3, nil, b3, b3, 2, 3, 1e-6)
	})
}

// BenchmarkAddScaledLayerNorm reports GB/s of compulsory traffic (x and a
// read, s and y written: 16 bytes per element) at ViT-S token widths, with
// LayerScale (one kernel where the device binds nine storage buffers, else
// two) and without (one).
func BenchmarkAddScaledLayerNorm(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(73, 74))
	rows, cols := opBenchRows()
	cols = 384
	buf := benchBuffers(b, d, rng, rows*cols, rows*cols, cols, cols, cols, rows*cols, rows*cols, rows, rows)
	for _, scaled := range []bool{true, false} {
		gamma := buf[2]
		if !scaled {
			gamma = nil
		}
		b.Run(fmt.Sprintf("scaled=%v", scaled), func(b *testing.B) {
			runQueued(b, d, 16*float64(rows*cols), "GB/s", func() error {
				return d.AddScaledLayerNorm(buf[5], buf[6], buf[7], buf[8], buf[0], buf[1], gamma, buf[3], buf[4], rows, cols, 1e-6)
			})
		})
	}
}

// TestAddScaledLayerNormPacked runs the LayerScale case with γ_ls, the
// LayerNorm's γ and β as views of one allocation (a trainer's packed
// parameters) on the register path: one kernel binding the allocation
// whole (addlsn) where the offsets allow, and the two-kernel path, still
// right, when an output lies in that allocation too.
func TestAddScaledLayerNormPacked(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(73, 74))
	withRowTuning(RowTuning{Path: RowRegisters}, func() {
		for _, s := range [][2]int{{1, 4}, {5, 384}, {3, 7}, {9, 36}} {
			for _, statsInside := range []bool{false, true} {
				rows, cols := s[0], s[1]
				name := fmt.Sprintf("%dx%d stats in the arena=%v", rows, cols, statsInside)
				checkAddNormPacked(t, d, rng, rows, cols, statsInside, name)
			}
		}
	})
}

func checkAddNormPacked(t *testing.T, d *Device, rng *rand.Rand, rows, cols int, statsInside bool, name string) {
	t.Helper()
	n := rows * cols
	parent, views, offs, fill := viewArena(t, d, rng, cols, cols, cols, rows)
	defer parent.Release()
	gg, gw, gb := views[0], views[1], views[2]
	x, a := randSlice(rng, n), randSlice(rng, n)
	gx, ga := mustUpload(t, d, x), mustUpload(t, d, a)
	gs, gy, gr := opAlloc(t, d, n), opAlloc(t, d, n), opAlloc(t, d, rows)
	gm := opAlloc(t, d, rows)
	bufs := []*Buffer{gx, ga, gs, gy, gr, gm}
	if statsInside {
		gm = views[3] // an output in the parameters' allocation: no whole binding
	}
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	span := func(i, l int) []float64 { return to64(fill[offs[i] : offs[i]+l]) }
	before := d.Stats().Dispatches
	const eps = 1e-6
	if err := d.AddScaledLayerNorm(gs, gy, gm, gr, gx, ga, gg, gw, gb, rows, cols, eps); err != nil {
		t.Fatal(err)
	}
	dispatches := d.Stats().Dispatches - before
	ws, wy, wm, wr := make([]float64, n), make([]float64, n), make([]float64, rows), make([]float64, rows)
	ref.AddScaledLayerNorm(ws, wy, wm, wr, to64(x), to64(a), span(0, cols), span(1, cols), span(2, cols), rows, cols, eps)
	opCheck(t, name+" sum", mustDownload(t, d, gs), ws, 1e-6)
	opCheck(t, name+" y", mustDownload(t, d, gy), wy, 2e-6)
	opCheck(t, name+" mean", mustDownload(t, d, gm), wm, 2e-6)
	opCheck(t, name+" rstd", mustDownload(t, d, gr), wr, 2e-6)
	// One kernel when the three parameter views can share one binding
	// (vec4 rows need their offsets to be multiples of 4).
	v := 1
	if cols%4 == 0 {
		v = 4
	}
	// Otherwise, with a device that binds nine storage buffers, one kernel
	// too (addls9), unless an output lies in an input's allocation.
	oneKernel := !statsInside && (offs[1]%v == 0 && offs[2]%v == 0 || d.storageBuffers() >= 9)
	want := int64(2)
	if oneKernel {
		want = 1
	}
	if dispatches != want {
		t.Errorf("%s: %d dispatches, want %d", name, dispatches, want)
	}
}

// TestAddScaledLayerNormNineBuffers runs the LayerScale case with separate
// parameter buffers on the register path: one kernel binding nine storage
// buffers where the device allows it (addls9), the two-kernel path where
// it allows WebGPU's 8; both against ref.
func TestAddScaledLayerNormNineBuffers(t *testing.T) {
	d := openTestDevice(t)
	if d.storageBuffers() < 9 {
		t.Logf("the device binds %d storage buffers: only the two-kernel path runs", d.storageBuffers())
	}
	defer func() { d.storageCap = 0 }()
	rng := rand.New(rand.NewPCG(75, 76))
	withRowTuning(RowTuning{Path: RowRegisters}, func() {
		for _, limit := range []int{0, 8} {
			d.storageCap = limit
			want := int64(1)
			if d.storageBuffers() < 9 {
				want = 2
			}
			for _, s := range [][2]int{{1, 1}, {5, 384}, {3, 7}, {9, 36}, {2, 97}} {
				name := fmt.Sprintf("limit %d, %dx%d", d.storageBuffers(), s[0], s[1])
				if got := checkAddScaledLayerNorm(t, d, rng, s[0], s[1], true, name); got != want {
					t.Errorf("%s: %d dispatches, want %d", name, got, want)
				}
			}
		}
	})
}

// The bind groups of a nine-buffer kernel are cached by all nine buffers:
// two calls that differ only in the last one (rstd) each write their own.
func TestAddScaledLayerNormNinthBufferBinds(t *testing.T) {
	d := openTestDevice(t)
	if d.storageBuffers() < 9 {
		t.Skipf("the device binds %d storage buffers; the nine-buffer kernel does not run", d.storageBuffers())
	}
	rng := rand.New(rand.NewPCG(77, 78))
	withRowTuning(RowTuning{Path: RowRegisters}, func() {
		const rows, cols = 3, 8
		x, a, g, w, b := randSlice(rng, rows*cols), randSlice(rng, rows*cols), randSlice(rng, cols), randSlice(rng, cols), randSlice(rng, cols)
		gx, ga, gg, gw, gb := mustUpload(t, d, x), mustUpload(t, d, a), mustUpload(t, d, g), mustUpload(t, d, w), mustUpload(t, d, b)
		gs, gy, gm := opAlloc(t, d, rows*cols), opAlloc(t, d, rows*cols), opAlloc(t, d, rows)
		r1, r2 := opAlloc(t, d, rows), opAlloc(t, d, rows)
		for _, buf := range []*Buffer{gx, ga, gg, gw, gb, gs, gy, gm, r1, r2} {
			defer buf.Release()
		}
		ws, wy, wm, wr := make([]float64, rows*cols), make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
		ref.AddScaledLayerNorm(ws, wy, wm, wr, to64(x), to64(a), to64(g), to64(w), to64(b), rows, cols, 1e-6)
		for i, r := range []*Buffer{r1, r2} {
			if err := d.AddScaledLayerNorm(gs, gy, gm, r, gx, ga, gg, gw, gb, rows, cols, 1e-6); err != nil {
				t.Fatal(err)
			}
			opCheck(t, fmt.Sprintf("rstd of call %d", i+1), mustDownload(t, d, r), wr, 2e-6)
		}
	})
}
