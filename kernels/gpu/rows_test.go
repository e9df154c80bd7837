package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// rowShapes are rows×cols cases: single elements, primes, widths that pick
// each workgroup size of the loop path (64/128/256) and non-multiples of
// all of them, and a row too long for the register path.
var rowShapes = [][2]int{{1, 1}, {3, 7}, {5, 64}, {2, 257}, {13, 300}, {3, 2049}, {2, 65536}}

// regRowShapes cover the register path (rows.wgsl) on CPU adapters, which
// do not take it by default (on a GPU, TestSoftmaxFamily and TestLayerNorm
// run it on rowShapes): 261 (attention rows; scalars with a partial last slot, a group of
// several subgroups, more rows than a workgroup holds), 384 and 1536
// (vec4, full slots; one row per workgroup for 1536), and 36 columns over
// 70 rows (vec4 with a partial last slot), which makes the LayerNorm
// backward's grid-stride loop run several blocks per workgroup.
// treeRowShapes are the ones the workgroup-memory reductions run (lavapipe
// and llvmpipe compile their barriers slowly; TestRowKernelsTunings adds
// one row per workgroup).
var (
	regRowShapes  = [][2]int{{5, 261}, {13, 384}, {2, 1536}, {70, 36}}
	treeRowShapes = [][2]int{{5, 261}, {70, 36}}
)

// forEachReducePath runs f with the subgroup reductions (when the probe
// allowed them) and with the workgroup-memory tree.
func forEachReducePath(t *testing.T, d *Device, f func(t *testing.T)) {
	defer d.SetSubgroups(true)
	for _, sg := range []bool{true, false} {
		if ok, _ := d.Subgroups(); sg && !ok {
			continue
		}
		d.SetSubgroups(sg)
		t.Run(fmt.Sprintf("subgroups=%v", sg), f)
	}
}

// withRowTuning runs f under tuning tu and restores the previous tuning.
func withRowTuning(tu RowTuning, f func()) {
	prev := SetRowTuning(tu)
	defer SetRowTuning(prev)
	f()
}

func checkErr(t *testing.T, what string, got []float32, want []float64, bound float64) {
	t.Helper()
	if e := relErr(got, want); e > bound || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %.3g", what, e, bound)
	}
}

func TestSoftmaxFamily(t *testing.T) {
	d := openTestDevice(t)
	forEachReducePath(t, d, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, s := range rowShapes {
			checkSoftmaxShape(t, d, rng, s[0], s[1])
		}
	})
}

func TestLayerNorm(t *testing.T) {
	d := openTestDevice(t)
	forEachReducePath(t, d, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		// 300 rows: ten chunks of column sums, more than the colsum
		// kernel's strands.
		for _, s := range append(rowShapes, [2]int{70, 33}, [2]int{300, 36}) {
			checkLayerNormShape(t, d, rng, s[0], s[1])
		}
	})
}

// TestRowKernelsRegisterPath runs the softmax family, LayerNorm and
// AddScaledLayerNorm on the register path, which CPU adapters do not take by default, with both
// reduction paths. Partials: 1 keeps the LayerNorm backward grid small
// enough that workgroups loop over several blocks of rows.
func TestRowKernelsRegisterPath(t *testing.T) {
	d := openTestDevice(t)
	withRowTuning(RowTuning{Path: RowRegisters, Partials: 1}, func() {
		forEachReducePath(t, d, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(27, 28))
			shapes := regRowShapes
			if sg, _ := d.Subgroups(); !sg || d.noSubgroups {
				shapes = treeRowShapes
			}
			for _, s := range shapes {
				if _, ok := d.planRows(s[1], currentRowTuning()); !ok {
					t.Fatalf("%dx%d: no register-path plan", s[0], s[1])
				}
				checkSoftmaxShape(t, d, rng, s[0], s[1])
				checkLayerNormShape(t, d, rng, s[0], s[1])
				for _, scaled := range []bool{false, true} {
					checkAddScaledLayerNorm(t, d, rng, s[0], s[1], scaled, fmt.Sprintf("register path %dx%d scaled=%v", s[0], s[1], scaled))
				}
				d.storageCap = 8 // LayerScale's two-kernel form, as on a WebGPU-minimum device
				checkAddScaledLayerNorm(t, d, rng, s[0], s[1], true, fmt.Sprintf("register path %dx%d scaled, 8 storage buffers", s[0], s[1]))
				d.storageCap = 0
			}
		})
	})
}

// TestRowKernelsTunings covers the layouts other tunings choose: one
// invocation per row (the tree path's group of 1), and
// small slot budgets that widen the group to the whole workgroup (one row
// per workgroup, T=64 on a CPU adapter) or give a subgroup path whose
// group spans several subgroups.
func TestRowKernelsTunings(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(29, 30))
	for _, c := range []struct {
		tu       RowTuning
		sg       bool
		rows, cc int
	}{
		{RowTuning{Path: RowRegisters, MinGroup: 1, MaxSlots: 16}, false, 3, 5},
		{RowTuning{Path: RowRegisters, MaxSlots: 1}, true, 3, 61},
		{RowTuning{Path: RowRegisters, MaxSlots: 1}, false, 3, 61},
	} {
		if ok, _ := d.Subgroups(); c.sg && !ok {
			continue
		}
		d.SetSubgroups(c.sg)
		withRowTuning(c.tu, func() {
			p, ok := d.planRows(c.cc, c.tu)
			if !ok {
				t.Fatalf("%+v: no plan for %d columns", c.tu, c.cc)
			}
			t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
				checkSoftmaxShape(t, d, rng, c.rows, c.cc)
				checkLayerNormShape(t, d, rng, c.rows, c.cc)
				checkAddScaledLayerNorm(t, d, rng, c.rows, c.cc, true, "AddScaledLayerNorm")
				checkAddScaledLayerNorm(t, d, rng, c.rows, c.cc, false, "AddScaledLayerNorm")
			})
		})
	}
	d.SetSubgroups(true)
}

// TestRowSubgroupLayoutGuard checks that a register-path kernel built for
// a subgroup size the device does not have writes NaN rather than wrong
// numbers (rows.wgsl's layout check).
func TestRowSubgroupLayoutGuard(t *testing.T) {
	d := openTestDevice(t)
	ok, size := d.Subgroups()
	if !ok || size > 64 {
		t.Skip("no subgroups")
	}
	const rows, cols = 3, 2 * 64
	rng := rand.New(rand.NewPCG(31, 32))
	gx := mustUpload(t, d, randSlice(rng, rows*cols))
	defer gx.Release()
	gy, _ := d.Alloc(rows * cols)
	defer gy.Release()
	wrong := rowPlan{V: 1, T: 2 * size, W: 2 * size, R: cols / (2 * size), S: 2 * size}
	d.mu.Lock()
	k, v, err := d.rowRegKernel("softmax.wgsl", "fwd", wrong, true, false, []access{readOnly, readWrite})
	if err == nil {
		var p params
		p.int(rows).int(cols)
		err = d.rowRegDispatch(k, v, &p, []*devBuf{gx.buf, gy.buf}, rows)
	}
	d.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for i, y := range mustDownload(t, d, gy) {
		if !math.IsNaN(float64(y)) {
			t.Fatalf("y[%d] = %v with a kernel built for subgroups of %d on a device with %d, want NaN", i, y, 2*size, size)
		}
	}
}

// checkSoftmaxShape runs the softmax family forward and backward on
// random rows×cols inputs and compares with kernels/ref.
func checkSoftmaxShape(t *testing.T, d *Device, rng *rand.Rand, rows, cols int) {
	t.Helper()
	n := rows * cols
	x := randSlice(rng, n)
	for i := range x {
		x[i] *= 4 // spread the logits so max-subtraction matters
	}
	dy := randSlice(rng, n)
	gx, gdy := mustUpload(t, d, x), mustUpload(t, d, dy)
	gy, _ := d.Alloc(n)
	gdx, _ := d.Alloc(n)
	defer func() {
		for _, b := range []*Buffer{gx, gdy, gy, gdx} {
			b.Release()
		}
	}()
	name := fmt.Sprintf("%dx%d", rows, cols)
	for _, log := range []bool{false, true} {
		want := make([]float64, n)
		if log {
			ref.LogSoftmax(want, to64(x), rows, cols)
			if err := d.LogSoftmax(gy, gx, rows, cols); err != nil {
				t.Fatal(err)
			}
		} else {
			ref.Softmax(want, to64(x), rows, cols)
			if err := d.Softmax(gy, gx, rows, cols); err != nil {
				t.Fatal(err)
			}
		}
		y := mustDownload(t, d, gy)
		checkErr(t, fmt.Sprintf("%s log=%v forward", name, log), y, want, 2e-6)

		wantDx := make([]float64, n)
		if log {
			ref.LogSoftmaxBackward(wantDx, to64(y), to64(dy), rows, cols)
			if err := d.LogSoftmaxBackward(gdx, gy, gdy, rows, cols); err != nil {
				t.Fatal(err)
			}
		} else {
			ref.SoftmaxBackward(wantDx, to64(y), to64(dy), rows, cols)
			if err := d.SoftmaxBackward(gdx, gy, gdy, rows, cols); err != nil {
				t.Fatal(err)
			}
		}
		checkErr(t, fmt.Sprintf("%s log=%v backward", name, log), mustDownload(t, d, gdx), wantDx, 1e-5)
	}
}

// checkLayerNormShape runs LayerNorm and LayerNormBackward on random
// rows×cols inputs (offset mean) and compares with kernels/ref.
func checkLayerNormShape(t *testing.T, d *Device, rng *rand.Rand, rows, cols int) {
	t.Helper()
	n := rows * cols
	x, gamma, beta, dy := randSlice(rng, n), randSlice(rng, cols), randSlice(rng, cols), randSlice(rng, n)
	for i := range x {
		x[i] = 3 + 2*x[i] // an offset mean tests the two-pass variance
	}
	gx, gg, gb, gdy := mustUpload(t, d, x), mustUpload(t, d, gamma), mustUpload(t, d, beta), mustUpload(t, d, dy)
	gy, _ := d.Alloc(n)
	gm, _ := d.Alloc(rows)
	gr, _ := d.Alloc(rows)
	gdx, _ := d.Alloc(n)
	gdg, _ := d.Alloc(cols)
	gdb, _ := d.Alloc(cols)
	defer func() {
		for _, b := range []*Buffer{gx, gg, gb, gdy, gy, gm, gr, gdx, gdg, gdb} {
			b.Release()
		}
	}()
	const eps = 1e-6
	if err := d.LayerNorm(gy, gm, gr, gx, gg, gb, rows, cols, eps); err != nil {
		t.Fatal(err)
	}
	wy, wm, wr := make([]float64, n), make([]float64, rows), make([]float64, rows)
	ref.LayerNorm(wy, wm, wr, to64(x), to64(gamma), to64(beta), rows, cols, eps)
	name := fmt.Sprintf("%dx%d", rows, cols)
	checkErr(t, name+" y", mustDownload(t, d, gy), wy, 2e-6)
	checkErr(t, name+" mean", mustDownload(t, d, gm), wm, 2e-6)
	checkErr(t, name+" rstd", mustDownload(t, d, gr), wr, 2e-6)

	if err := d.LayerNormBackward(gdx, gdg, gdb, gdy, gx, gm, gr, gg, rows, cols); err != nil {
		t.Fatal(err)
	}
	wdx, wdg, wdb := make([]float64, n), make([]float64, cols), make([]float64, cols)
	ref.LayerNormBackward(wdx, wdg, wdb, to64(dy), to64(x), wm, wr, to64(gamma), rows, cols)
	if cols > 1 { // one column: dx is 0 up to rounding, a relative error means nothing
		checkErr(t, name+" dx", mustDownload(t, d, gdx), wdx, 2e-5)
	}
	checkErr(t, name+" dgamma", mustDownload(t, d, gdg), wdg, 1e-5)
	checkErr(t, name+" dbeta", mustDownload(t, d, gdb), wdb, 1e-5)
}

// streamShapes are the StreamShape variants the tests cover: 1, 2 and 4
// elements per invocation, one-shot and grid-stride (one workgroup per
// compute unit, so that a CPU adapter's four workgroups loop).
var streamShapes = []StreamShape{
	{PerInvocation: 1}, {PerInvocation: 2}, {},
	{PerInvocation: 1, WorkgroupsPerUnit: 1}, {PerInvocation: 4, WorkgroupsPerUnit: 1},
}

func TestGelu(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(25, 26))
	for _, shape := range streamShapes {
		t.Run(fmt.Sprintf("%+v", shape), func(t *testing.T) {
			withRowTuning(RowTuning{Stream: shape}, func() {
				// 1, 3, 1001: scalars; 8, 4096: vec4; 4·1024·4 + 12 and
				// 4·1024·4·4: more than a grid-stride grid of 4
				// workgroups covers in one step.
				for _, n := range []int{1, 3, 8, 1001, 4096, 16396, 65536} {
					checkGeluLen(t, d, rng, n)
				}
			})
		})
	}
}

func checkGeluLen(t *testing.T, d *Device, rng *rand.Rand, n int) {
	t.Helper()
	x, dy := randSlice(rng, n), randSlice(rng, n)
	for i := range x {
		x[i] *= 3 // reach the tails of Φ
	}
	if n > 4 {
		x[0], x[1], x[2] = -12, 12, 0
	}
	gx, gdy := mustUpload(t, d, x), mustUpload(t, d, dy)
	gy, _ := d.Alloc(n)
	gdx, _ := d.Alloc(n)
	defer func() {
		for _, b := range []*Buffer{gx, gdy, gy, gdx} {
			b.Release()
		}
	}()
	if err := d.Gelu(gy, gx); err != nil {
		t.Fatal(err)
	}
	if err := d.GeluBackward(gdx, gx, gdy); err != nil {
		t.Fatal(err)
	}
	wy, wdx := make([]float64, n), make([]float64, n)
	ref.Gelu(wy, to64(x))
	ref.GeluBackward(wdx, to64(x), to64(dy))
	checkErr(t, fmt.Sprintf("n=%d forward", n), mustDownload(t, d, gy), wy, 1e-6)
	checkErr(t, fmt.Sprintf("n=%d backward", n), mustDownload(t, d, gdx), wdx, 1e-6)
}

// TestCopyShaped copies spans (vec4 and scalar: odd lengths and offsets)
// with every stream shape and checks them bit for bit, and that nothing
// outside the destination span changed.
func TestCopyShaped(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(33, 34))
	const size = 4*1024*4*2 + 40
	src := randSlice(rng, size)
	gs := mustUpload(t, d, src)
	defer gs.Release()
	for _, shape := range streamShapes {
		for _, c := range []struct{ dstOff, srcOff, n int }{{0, 0, 1}, {4, 8, 4 * 1024 * 4 * 2}, {1, 3, 1001}, {0, 4, 4*1024*4 + 12}} {
			dst := randSlice(rng, size)
			gd := mustUpload(t, d, dst)
			if err := d.CopyShaped(gd, c.dstOff, gs, c.srcOff, c.n, shape); err != nil {
				t.Fatal(err)
			}
			copy(dst[c.dstOff:c.dstOff+c.n], src[c.srcOff:c.srcOff+c.n])
			got := mustDownload(t, d, gd)
			gd.Release()
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(dst[i]) {
					t.Fatalf("%+v %+v: dst[%d] = %v, want %v", shape, c, i, got[i], dst[i])
				}
			}
		}
	}
}

func TestRowKernelPanics(t *testing.T) {
	d := openTestDevice(t)
	a, _ := d.Alloc(6)
	b, _ := d.Alloc(6)
	defer a.Release()
	defer b.Release()
	mustPanic(t, "softmax shape", func() { d.Softmax(b, a, 2, 4) })
	mustPanic(t, "softmax alias", func() { d.Softmax(a, a, 2, 3) })
	mustPanic(t, "gelu length", func() {
		c, _ := d.Alloc(5)
		defer c.Release()
		d.Gelu(c, a)
	})
	mustPanic(t, "copy span", func() { d.CopyShaped(b, 4, a, 0, 3, StreamShape{}) })
	mustPanic(t, "copy alias", func() { d.CopyShaped(a, 0, a, 3, 3, StreamShape{}) })
	mustPanic(t, "stream shape", func() { d.CopyShaped(b, 0, a, 0, 4, StreamShape{PerInvocation: 8}) })
}
