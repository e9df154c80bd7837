package gpu

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// viewArena lays out spans of the given lengths in one buffer, each at the
// first multiple of the view alignment that leaves a gap of at least one
// element after the previous span (so an ignored offset shows), fills the
// whole buffer with random values and returns it, its views and the
// offsets.
func viewArena(t *testing.T, d *Device, rng *rand.Rand, lens ...int) (*Buffer, []*Buffer, []int, []float32) {
	t.Helper()
	al := d.ViewAlign()
	var offs []int
	end := 0
	for _, n := range lens {
		off := (end + 1 + al - 1) / al * al
		offs = append(offs, off)
		end = off + n
	}
	fill := randSlice(rng, end+3)
	parent := mustUpload(t, d, fill)
	var views []*Buffer
	for i, n := range lens {
		v, err := parent.View(offs[i], n)
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, v)
	}
	return parent, views, offs, fill
}

// TestViewOps runs every kind of operation on views of one buffer (upload,
// download, a GEMM, a row kernel, an elementwise kernel, Zero, Fill, Copy,
// CopyTransfer) against the same operation on plain buffers, bit for bit,
// and checks that nothing outside the views changed.
func TestViewOps(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(201, 202))
	const m, n, k, rows, cols = 7, 13, 5, 3, 17
	parent, v, offs, fill := viewArena(t, d, rng, m*k, n*k, m*n, rows*cols, rows*cols, 9, 9, 1)
	defer parent.Release()
	va, vb, vc, vx, vy, vz, vw, v1 := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	want := slices.Clone(fill) // what parent must hold

	a, b, x := randSlice(rng, m*k), randSlice(rng, n*k), randSlice(rng, rows*cols)
	for _, u := range []struct {
		v    *Buffer
		data []float32
		off  int
	}{{va, a, offs[0]}, {vb, b, offs[1]}, {vx, x, offs[3]}} {
		if err := d.Upload(u.v, u.data); err != nil {
			t.Fatal(err)
		}
		copy(want[u.off:], u.data)
		opExact(t, "download of an uploaded view", mustDownload(t, d, u.v), u.data)
	}

	// GEMM C = A·Bᵀ and a softmax, on views and on plain buffers.
	g := kernels.Gemm{M: m, N: n, K: k, TransB: true, Alpha: 1}
	if err := d.Gemm(g, va, vb, vc); err != nil {
		t.Fatal(err)
	}
	if err := d.Softmax(vy, vx, rows, cols); err != nil {
		t.Fatal(err)
	}
	pa, pb, px := mustUpload(t, d, a), mustUpload(t, d, b), mustUpload(t, d, x)
	pc, _ := d.Alloc(m * n)
	py, _ := d.Alloc(rows * cols)
	defer func() {
		for _, p := range []*Buffer{pa, pb, px, pc, py} {
			p.Release()
		}
	}()
	if err := d.Gemm(g, pa, pb, pc); err != nil {
		t.Fatal(err)
	}
	if err := d.Softmax(py, px, rows, cols); err != nil {
		t.Fatal(err)
	}
	c, y := mustDownload(t, d, pc), mustDownload(t, d, py)
	opExact(t, "GEMM on views", mustDownload(t, d, vc), c)
	opExact(t, "Softmax on views", mustDownload(t, d, vy), y)
	copy(want[offs[2]:], c)
	copy(want[offs[4]:], y)

	// Elementwise, in place on a view: y ← y + y.
	if err := d.Add(vy, vy, vy); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		y[i] += y[i]
	}
	copy(want[offs[4]:], y)

	// Fill, Zero, Copy between views of one buffer, CopyTransfer.
	if err := d.Fill(vz, 2.5); err != nil {
		t.Fatal(err)
	}
	if err := d.Copy(vw, 2, vz, 1, 5); err != nil {
		t.Fatal(err)
	}
	if err := d.Zero(vz); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		want[offs[5]+i] = 0
	}
	for i := 2; i < 7; i++ {
		want[offs[6]+i] = 2.5
	}
	if err := d.CopyTransfer(v1, px, 1); err != nil {
		t.Fatal(err)
	}
	want[offs[7]] = x[0]

	opExact(t, "the buffer under the views", mustDownload(t, d, parent), want)
	for i, vv := range v {
		opExact(t, "view "+string(rune('a'+i)), mustDownload(t, d, vv), want[offs[i]:offs[i]+vv.Len()])
	}

	// A view of a view: the offsets add up.
	al := d.ViewAlign()
	vv, err := parent.View(0, len(fill))
	if err != nil {
		t.Fatal(err)
	}
	inner, err := vv.View(offs[3], rows*cols)
	if err != nil {
		t.Fatal(err)
	}
	opExact(t, "view of a view", mustDownload(t, d, inner), want[offs[3]:offs[3]+rows*cols])
	if al > 1 {
		sub, err := parent.View(al, len(fill)-al)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.View(1, 1); err == nil || !strings.Contains(err.Error(), "not a multiple") {
			t.Errorf("view at offset %d of a view at %d: err %v, want a misalignment", 1, al, err)
		}
		sub.Release()
	}
	for _, b := range append(v, vv, inner) {
		b.Release()
	}
}

// TestViewErrors: misaligned offsets, ranges outside the buffer and views
// of released buffers are errors; releasing a view leaves the pool alone
// and twice panics; overlapping views are refused where distinct buffers
// are needed.
func TestViewErrors(t *testing.T) {
	d := openTestDevice(t)
	al := d.ViewAlign()
	t.Logf("view alignment %d elements", al)
	b, err := d.Alloc(4*al + 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		off, n int
		want   string
	}{
		{-al, 1, "outside"},
		{0, -1, "outside"},
		{0, 4*al + 9, "outside"},
		{4 * al, 9, "outside"},
	} {
		if _, err := b.View(c.off, c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("View(%d, %d): err %v, want %q", c.off, c.n, err, c.want)
		}
	}
	if al > 1 {
		if _, err := b.View(1, 2); err == nil || !strings.Contains(err.Error(), "not a multiple") {
			t.Errorf("View(1, 2) with alignment %d: err %v", al, err)
		}
	} else {
		t.Log("the device takes any element offset: no misaligned view to test")
	}
	empty, err := b.View(4*al+8, 0)
	if err != nil {
		t.Fatalf("empty view at the end: %v", err)
	}
	if err := d.Zero(empty); err != nil {
		t.Fatal(err)
	}
	v1, _ := b.View(0, 2*al)
	v2, _ := b.View(al, 2*al)
	opExpectPanic(t, "overlapping views", func() { d.Copy(v1, 0, v2, 0, 1) })
	m, _ := d.Alloc(2 * al)
	vv, _ := d.Alloc(2 * al)
	opExpectPanic(t, "gpu.AdamW: p and g are the same buffer or overlapping views", func() { d.AdamW(v1, v2, m, vv, adamHypers[0]) })
	vv.Release()
	m.Release()
	before := d.Stats()
	v1.Release()
	if s := d.Stats(); s.Live != before.Live || s.Reuses != before.Reuses || s.BytesIdle != before.BytesIdle {
		t.Errorf("releasing a view changed the pool: before %+v, after %+v", before, s)
	}
	opExpectPanic(t, "released twice", func() { v1.Release() })
	opExpectPanic(t, "was released", func() { d.Zero(v1) })
	v2.Release()
	empty.Release()
	b.Release()
	if _, err := b.View(0, 1); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("View of a released buffer: err %v", err)
	}
}

// TestViewSteadyState repeats uploads, a GEMM, a row kernel and a
// read-back on long-lived views: after the first round no buffer, staging
// buffer, bind group or parameter block is created.
func TestViewSteadyState(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(203, 204))
	const m, n, k = 9, 11, 6
	parent, v, _, _ := viewArena(t, d, rng, m*k, n*k, m*n, m*n)
	defer parent.Release()
	a, b := randSlice(rng, m*k), randSlice(rng, n*k)
	out := make([]float32, m*n)
	step := func() {
		if err := d.Upload(v[0], a); err != nil {
			t.Fatal(err)
		}
		if err := d.Upload(v[1], b); err != nil {
			t.Fatal(err)
		}
		if err := d.Gemm(kernels.Gemm{M: m, N: n, K: k, TransB: true, Alpha: 1}, v[0], v[1], v[2]); err != nil {
			t.Fatal(err)
		}
		if err := d.Softmax(v[3], v[2], m, n); err != nil {
			t.Fatal(err)
		}
		if err := d.Download(out, v[3]); err != nil {
			t.Fatal(err)
		}
	}
	step()
	before := d.Stats()
	for i := 0; i < 10; i++ {
		step()
	}
	after := d.Stats()
	if after.Allocations != before.Allocations || after.StagingAllocations != before.StagingAllocations ||
		after.BindGroupsCreated != before.BindGroupsCreated || after.ParamSlots != before.ParamSlots ||
		after.PipelinesCreated != before.PipelinesCreated {
		t.Errorf("steady state on views allocated: before %+v, after %+v", before, after)
	}
	for _, b := range v {
		b.Release()
	}
}
