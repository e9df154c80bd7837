package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// flashBig reports whether the tests may run the 1374-token shape: on a
// real GPU, or with GOCX_GPU_BIG=1 (lavapipe takes a while).
func flashBig(d *Device) bool {
	return os.Getenv("GOCX_GPU_BIG") == "1" || d.Info().DeviceType != "CPU"
}

// flashRef is the float64 oracle: ref.Attention's out and probs, the row
// log-sum-exp of the scaled scores, and ref.AttentionBackward's gradients
// for dout.
type flashRef struct {
	out, probs, lse, dq, dk, dv []float64
}

func newFlashRef(p kernels.Attention, q, k, v, dout []float32) flashRef {
	nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
	r := flashRef{
		out: make([]float64, nq), probs: make([]float64, p.BH*p.SQ*p.SK), lse: make([]float64, p.BH*p.SQ),
		dq: make([]float64, nq), dk: make([]float64, nkv), dv: make([]float64, nkv),
	}
	q64, k64, v64 := to64(q), to64(k), to64(v)
	ref.Attention(p, r.out, r.probs, q64, k64, v64)
	ref.AttentionBackward(p, r.dq, r.dk, r.dv, to64(dout), q64, k64, v64, r.probs)
	for b := range p.BH {
		for i := range p.SQ {
			s := make([]float64, p.SK)
			m := math.Inf(-1)
			for j := range p.SK {
				var dot float64
				for e := range p.HD {
					dot += q64[(b*p.SQ+i)*p.HD+e] * k64[(b*p.SK+j)*p.HD+e]
				}
				s[j] = p.Scale * dot
				m = max(m, s[j])
			}
			var sum float64
			for _, x := range s {
				sum += math.Exp(x - m)
			}
			r.lse[b*p.SQ+i] = m + math.Log(sum)
		}
	}
	return r
}

// flashRun holds the device buffers of one fused forward and backward.
type flashRun struct {
	q, k, v, dout, out, lse, dq, dk, dv *Buffer
}

func (r *flashRun) release() { ktRelease(r.q, r.k, r.v, r.dout, r.out, r.lse, r.dq, r.dk, r.dv) }

// runFlash uploads the inputs and queues FlashAttention and
// FlashAttentionBackward (outputs prefilled with NaN, so an element the
// kernels miss shows up).
func runFlash(t *testing.T, d *Device, p kernels.Attention, q, k, v, dout []float32) *flashRun {
	t.Helper()
	nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
	r := &flashRun{
		q: mustUpload(t, d, q), k: mustUpload(t, d, k), v: mustUpload(t, d, v), dout: mustUpload(t, d, dout),
		out: opAlloc(t, d, nq), lse: opAlloc(t, d, p.BH*p.SQ),
		dq: opAlloc(t, d, nq), dk: opAlloc(t, d, nkv), dv: opAlloc(t, d, nkv),
	}
	if err := d.FlashAttention(p, r.out, r.lse, r.q, r.k, r.v); err != nil {
		t.Fatal(err)
	}
	if err := d.FlashAttentionBackward(p, r.dq, r.dk, r.dv, r.dout, r.q, r.k, r.v, r.out, r.lse); err != nil {
		t.Fatal(err)
	}
	return r
}

// flashCheck compares a fused run with the float64 reference (out, lse and
// the three gradients) at relative-norm bound tol.
func flashCheck(t *testing.T, d *Device, name string, r *flashRun, want flashRef, tol float64) {
	t.Helper()
	ktRel(t, name+" out", mustDownload(t, d, r.out), want.out, tol)
	ktRel(t, name+" lse", mustDownload(t, d, r.lse), want.lse, tol)
	ktRel(t, name+" dq", mustDownload(t, d, r.dq), want.dq, tol)
	ktRel(t, name+" dk", mustDownload(t, d, r.dk), want.dk, tol)
	ktRel(t, name+" dv", mustDownload(t, d, r.dv), want.dv, tol)
}

// flashCases are the shapes of TestFlashAttention: sequence lengths 1, 7,
// 54 and 261 (none a multiple of a tile), cross-attention both ways, head
// dims 32, 64 and 128, one to three heads, and scale 1 at head dim 64
// (scores with a spread of about 8, so the running maximum changes between
// key tiles and the rescaling is exercised).
var flashCases = []kernels.Attention{
	{BH: 3, SQ: 1, SK: 1, HD: 64},
	{BH: 2, SQ: 7, SK: 7, HD: 64},
	{BH: 2, SQ: 54, SK: 54, HD: 64},
	{BH: 2, SQ: 261, SK: 261, HD: 64},
	{BH: 1, SQ: 54, SK: 261, HD: 64, Scale: 1},
	{BH: 2, SQ: 7, SK: 54, HD: 32},
	{BH: 1, SQ: 261, SK: 7, HD: 32},
	{BH: 2, SQ: 54, SK: 54, HD: 128},
	{BH: 1, SQ: 1, SK: 33, HD: 128},
}

// TestFlashAttention checks the fused forward (out, lse) and backward (dq,
// dk, dv) against the float64 reference and against the unfused
// Attention/AttentionBackward on the same device, at relative-norm 1e-4.
// The 1374-token ViT-S/14 shape at 518 px runs on a real GPU or with
// GOCX_GPU_BIG=1.
func TestFlashAttention(t *testing.T) {
	d := openTestDevice(t)
	t.Logf("tiles: hd32 %s; hd64 %s; hd128 %s", d.FlashTilesFor(32), d.FlashTilesFor(64), d.FlashTilesFor(128))
	rng := rand.New(rand.NewPCG(71, 72))
	cases := flashCases
	if flashBig(d) {
		cases = append(cases[:len(cases):len(cases)], kernels.Attention{BH: 2, SQ: 1374, SK: 1374, HD: 64})
	}
	for _, p := range cases {
		if p.Scale == 0 {
			p.Scale = 1 / math.Sqrt(float64(p.HD))
		}
		name := fmt.Sprintf("%+v", p)
		nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
		q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
		want := newFlashRef(p, q, k, v, dout)
		r := runFlash(t, d, p, q, k, v, dout)
		flashCheck(t, d, name, r, want, 1e-4)

		// The unfused path on the same inputs.
		uout, uprobs := ktAlloc(t, d, nq), ktAlloc(t, d, p.BH*p.SQ*p.SK)
		udq, udk, udv := ktAlloc(t, d, nq), ktAlloc(t, d, nkv), ktAlloc(t, d, nkv)
		if err := d.Attention(p, uout, uprobs, r.q, r.k, r.v); err != nil {
			t.Fatal(err)
		}
		if err := d.AttentionBackward(p, udq, udk, udv, r.dout, r.q, r.k, r.v, uprobs); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what      string
			got, want *Buffer
		}{{"out", r.out, uout}, {"dq", r.dq, udq}, {"dk", r.dk, udk}, {"dv", r.dv, udv}} {
			ktRel(t, name+" "+c.what+" vs unfused", mustDownload(t, d, c.got), to64(mustDownload(t, d, c.want)), 1e-4)
		}
		ktRelease(uout, uprobs, udq, udk, udv)
		r.release()
	}
}

// TestFlashAttentionEmpty checks the degenerate shapes: no keys (out = 0,
// lse = −∞, dq = 0), no queries (dk = dv = 0) and no heads (nothing).
func TestFlashAttentionEmpty(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetFlashTiles("", "", "")
	rng := rand.New(rand.NewPCG(73, 74))
	for _, set := range [][2]string{{"", ""}, flashMMSets[0]} {
		if err := d.SetFlashTiles(set[0], set[1], ""); err != nil {
			t.Fatal(err)
		}
		p := kernels.Attention{BH: 2, SQ: 5, SK: 0, HD: 64, Scale: 0.125}
		q, dout := randSlice(rng, 2*5*64), randSlice(rng, 2*5*64)
		r := runFlash(t, d, p, q, nil, nil, dout)
		for i, x := range mustDownload(t, d, r.lse) {
			if !math.IsInf(float64(x), -1) {
				t.Fatalf("%v SK=0: lse[%d] = %v, want -Inf", set, i, x)
			}
		}
		opExact(t, "SK=0 out", mustDownload(t, d, r.out), make([]float32, 2*5*64))
		opExact(t, "SK=0 dq", mustDownload(t, d, r.dq), make([]float32, 2*5*64))
		r.release()

		p = kernels.Attention{BH: 2, SQ: 0, SK: 6, HD: 64, Scale: 0.125}
		k, v := randSlice(rng, 2*6*64), randSlice(rng, 2*6*64)
		r = runFlash(t, d, p, nil, k, v, nil)
		opExact(t, "SQ=0 dk", mustDownload(t, d, r.dk), make([]float32, 2*6*64))
		opExact(t, "SQ=0 dv", mustDownload(t, d, r.dv), make([]float32, 2*6*64))
		r.release()

		p = kernels.Attention{HD: 64, Scale: 0.125}
		r = runFlash(t, d, p, nil, nil, nil, nil)
		r.release()
	}
}

// TestFlashAttentionDeterministic runs the forward and backward twice and
// requires identical bits, and (where the subgroup probe passed) the
// subgroup variant of the forward to agree with the workgroup-memory one,
// for the device's own tiles and (on a CPU adapter, whose own are the
// tiled kernels) for m tiles.
func TestFlashAttentionDeterministic(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetFlashTiles("", "", "")
	rng := rand.New(rand.NewPCG(75, 76))
	p := kernels.Attention{BH: 3, SQ: 261, SK: 54, HD: 64, Scale: 0.125}
	nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
	q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
	read := func(r *flashRun) [][]float32 {
		var s [][]float32
		for _, b := range []*Buffer{r.out, r.lse, r.dq, r.dk, r.dv} {
			s = append(s, mustDownload(t, d, b))
		}
		return s
	}
	names := []string{"out", "lse", "dq", "dk", "dv"}
	// The device's own tiles, then an m-tile set (the device's own on a
	// GPU; on a CPU adapter the cheap set of TestFlashAttentionMM).
	sets := [][2]string{{"", ""}, flashMMSets[0]}
	if d.Info().DeviceType != "CPU" {
		sets = sets[:1]
	}
	for _, set := range sets {
		if err := d.SetFlashTiles(set[0], set[1], ""); err != nil {
			t.Fatal(err)
		}
		r1 := runFlash(t, d, p, q, k, v, dout)
		first := read(r1)
		r1.release()
		r2 := runFlash(t, d, p, q, k, v, dout)
		for i, s := range read(r2) {
			opExact(t, "second run "+names[i], s, first[i])
		}
		r2.release()

		ok, size := d.Subgroups()
		tiles := d.FlashTilesFor(p.HD)
		t.Logf("subgroups %v (size %d); tiles %s", ok, size, tiles)
		d.SetSubgroups(false)
		plain := d.FlashTilesFor(p.HD)
		r3 := runFlash(t, d, p, q, k, v, dout)
		d.SetSubgroups(true)
		if strings.Contains(plain, "+sg") {
			t.Errorf("SetSubgroups(false) still uses the subgroup variant: %s", plain)
		}
		// The two reductions evaluate the same tree, so on lavapipe they
		// agree bit for bit; a GPU compiler may contract the surrounding
		// arithmetic differently in the two shaders, hence a bound rather
		// than bits.
		for i, s := range read(r3) {
			ktRel(t, "workgroup-memory vs "+tiles+" "+names[i], s, to64(first[i]), 1e-6)
		}
		r3.release()
	}
}

// TestFlashAttentionForms runs the other form of the kernels than the
// device's own: on a CPU adapter the GPU form (Q, K, V and dO staged in
// padded workgroup memory, unrolled loops) with small tiles, so that CI
// covers the code a GPU runs (for the m tiles, whose unrolled form takes
// lavapipe tens of seconds to compile, only with GOCX_GPU_LONG=1); on a
// GPU the CPU-adapter form (operands read from the buffers, rolled loops;
// for the m tiles, rolled chunk steps).
func TestFlashAttentionForms(t *testing.T) {
	d := openTestDevice(t)
	cpu := d.Info().DeviceType == "CPU"
	defer func() {
		flashSetForm(d, nil)
		d.SetFlashTiles("", "", "")
	}()
	// Small tiles on a CPU adapter: lavapipe's compile time grows quickly
	// with the size of the workgroup arrays (see flashForm).
	type run struct {
		form  flashForm
		tiles [3]string
	}
	runs := []run{{flashCPUForm, [3]string{}}}
	if cpu {
		runs = []run{{flashForm{Stage: true, Unroll: 2}, [3]string{"4x8r1", "4x8r1", "4x8r1"}}}
	}
	if !cpu || flashLong(d) {
		mmForm := flashCPUForm // rolled chunk steps
		if cpu {
			mmForm = flashGPUForm // unrolled
		}
		for _, set := range flashMMSets[:2] {
			runs = append(runs, run{mmForm, [3]string{set[0], set[1], ""}})
		}
	}
	rng := rand.New(rand.NewPCG(79, 80))
	cases := []kernels.Attention{{BH: 2, SQ: 37, SK: 29, HD: 32}, {BH: 1, SQ: 9, SK: 54, HD: 64, Scale: 1}}
	for i, rn := range runs {
		flashSetForm(d, &rn.form)
		if err := d.SetFlashTiles(rn.tiles[0], rn.tiles[1], rn.tiles[2]); err != nil {
			t.Fatal(err)
		}
		for j, p := range cases {
			if cpu && (i == 0) != (j == 0) {
				continue // compile time: the tiled kernels at head dim 32, the m tiles at 64
			}
			if p.Scale == 0 {
				p.Scale = 1 / math.Sqrt(float64(p.HD))
			}
			nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
			q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
			r := runFlash(t, d, p, q, k, v, dout)
			flashCheck(t, d, fmt.Sprintf("%+v %s", p, d.FlashTilesFor(p.HD)), r, newFlashRef(p, q, k, v, dout), 1e-4)
			r.release()
		}
	}
}

// TestFlashAttentionTiles runs every tile that fits the device (each pass
// forced in turn, the other two automatic; a q tile with the first tiled
// kv tile, since an m-tile kv pass computes dQ by GEMM) on one awkward
// shape. On a CPU adapter this compiles many kernels (the m tiles at GPU
// sizes for minutes each), so it needs GOCX_GPU_LONG=1 there.
func TestFlashAttentionTiles(t *testing.T) {
	d := openTestDevice(t)
	if d.Info().DeviceType == "CPU" && os.Getenv("GOCX_GPU_LONG") == "" {
		t.Skip("compiling every flash tile takes minutes on a CPU adapter; set GOCX_GPU_LONG=1 to run them")
	}
	defer d.SetFlashTiles("", "", "")
	rng := rand.New(rand.NewPCG(77, 78))
	for _, hd := range []int{32, 64, 128} {
		p := kernels.Attention{BH: 2, SQ: 75, SK: 69, HD: hd, Scale: 1 / math.Sqrt(float64(hd))}
		nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
		q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
		want := newFlashRef(p, q, k, v, dout)
		tiles := d.FlashTiles(hd)
		if err := d.SetFlashTiles("", "", ""); err != nil {
			t.Fatal(err)
		}
		kv, err := d.flashTiledVariant(flashKV, hd)
		if err != nil {
			t.Fatal(err)
		}
		for i, pass := range flashPasses {
			for _, tile := range tiles[pass] {
				force := []string{"", "", ""}
				force[i] = tile
				if pass == flashQ {
					force[1] = kv.Name
				}
				if err := d.SetFlashTiles(force[0], force[1], force[2]); err != nil {
					t.Fatal(err)
				}
				r := runFlash(t, d, p, q, k, v, dout)
				flashCheck(t, d, fmt.Sprintf("hd%d %s %s", hd, pass, tile), r, want, 1e-4)
				r.release()
			}
		}
	}
}

// TestFlashTileChoice checks, without a device, that every pass has a
// tile at head dims 32, 64 and 128 for the WebGPU defaults (16 KiB of
// workgroup memory, 256 invocations), lavapipe (32 KiB) and an H100/H200
// (48 KiB), in both forms; that the choice fits; and that the GPU choice
// at 48 KiB is the first of the table (the tuned one).
func TestFlashTileChoice(t *testing.T) {
	for _, form := range []flashForm{flashGPUForm, flashCPUForm} {
		for _, hd := range []int{32, 64, 128} {
			for _, lim := range []struct{ budget, inv int }{{16384, 256}, {32768, 1024}, {49152, 1024}} {
				for _, pass := range flashPasses {
					v, err := pickFlashVariant(pass, hd, form, nil, true, lim.budget, lim.inv)
					if err != nil {
						t.Errorf("%+v hd %d %d B: %v", form, hd, lim.budget, err)
						continue
					}
					if v.shared() > lim.budget || v.NT > lim.inv || !v.valid() || v.OC*v.TX != hd/4 || v.TX*v.TY != v.NT {
						t.Errorf("%+v hd %d %d B: %s %s does not fit: %d B, %d invocations", form, hd, lim.budget, pass, v.Name, v.shared(), v.NT)
					}
					if form == flashGPUForm && hd == 64 && lim.budget == 49152 && v.flashTile != flashTilesGPU[pass][0] {
						t.Errorf("hd 64 at 48 KiB: %s tile %s, want the first of the table %s", pass, v.Name, flashTilesGPU[pass][0])
					}
				}
			}
		}
	}
	// The GPU form prefers m tiles for fwd and kv at head dims 32, 64 and
	// 128 on 48 KiB; without them (the backward's fallback) it gets a
	// tiled kernel.
	for _, hd := range []int{32, 64, 128} {
		for _, pass := range []string{flashFwd, flashKV} {
			v, err := pickFlashVariant(pass, hd, flashGPUForm, nil, true, 49152, 1024)
			if err != nil || !v.MM {
				t.Errorf("hd %d %s at 48 KiB: %s (%v), want an m tile", hd, pass, v.Name, err)
			}
			v, err = pickFlashVariant(pass, hd, flashGPUForm, nil, false, 49152, 1024)
			if err != nil || v.MM {
				t.Errorf("hd %d %s at 48 KiB without m tiles: %s (%v)", hd, pass, v.Name, err)
			}
		}
	}
	big := flashTile{BR: 128, BC: 64, TM: 4}
	if _, err := pickFlashVariant(flashFwd, 64, flashGPUForm, &big, true, 49152, 1024); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("forcing a tile too large for 48 KiB: error %v", err)
	}
	bigMM := mt(128, 64, 8, 4)
	if _, err := pickFlashVariant(flashFwd, 64, flashGPUForm, &bigMM, true, 49152, 1024); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("forcing an m tile too large for 48 KiB: error %v", err)
	}
	// Every tile of the tables has a name that parses back; the m tiles
	// take at head dim 64 the workgroup memory the tables' comment quotes.
	for _, pass := range flashPasses {
		for _, tl := range flashTilesGPU[pass] {
			back, err := parseFlashTile(tl.String())
			if err != nil || back != tl {
				t.Errorf("tile %s parses back as %+v (%v)", tl, back, err)
			}
		}
	}
	for _, c := range []struct {
		pass  string
		tile  flashTile
		bytes int
	}{
		{flashFwd, mt(64, 64, 8, 4), 45056}, {flashKV, mt(32, 32, 4, 4), 36864}, {flashKV, mt(64, 16, 8, 2).withDKG(), 45056},
	} {
		v := newFlashVariant(c.pass, 64, c.tile, true, flashGPUForm)
		if !v.valid() || v.shared() != c.bytes {
			t.Errorf("%s %s at head dim 64: valid %v, %d B, want %d", c.pass, c.tile, v.valid(), v.shared(), c.bytes)
		}
	}
}

// TestFlashAttentionErrors checks the unsupported head dims (an error, so
// that callers can fall back to Attention), bad tile names, and the panics
// on shape and aliasing bugs.
func TestFlashAttentionErrors(t *testing.T) {
	d := openTestDevice(t)
	for _, hd := range []int{0, 30, 260} {
		p := kernels.Attention{BH: 1, SQ: 2, SK: 2, HD: hd, Scale: 1}
		n := 2 * hd
		a, b, c, e := ktAlloc(t, d, max(n, 1)), ktAlloc(t, d, max(n, 1)), ktAlloc(t, d, max(n, 1)), ktAlloc(t, d, 2)
		if hd == 0 { // zero-length buffers for a zero head dim
			ktRelease(a, b, c)
			a, b, c = ktAlloc(t, d, 0), ktAlloc(t, d, 0), ktAlloc(t, d, 0)
		}
		if err := d.FlashAttention(p, a, e, b, c, c); err == nil || !strings.Contains(err.Error(), "head dim") {
			t.Errorf("hd=%d: FlashAttention error %v, want one about the head dim", hd, err)
		}
		f, g, h := ktAlloc(t, d, max(n, 1)), ktAlloc(t, d, max(n, 1)), ktAlloc(t, d, max(n, 1))
		if hd == 0 {
			ktRelease(f, g, h)
			f, g, h = ktAlloc(t, d, 0), ktAlloc(t, d, 0), ktAlloc(t, d, 0)
		}
		if err := d.FlashAttentionBackward(p, f, g, h, a, b, c, c, a, e); err == nil || !strings.Contains(err.Error(), "head dim") {
			t.Errorf("hd=%d: FlashAttentionBackward error %v, want one about the head dim", hd, err)
		}
		if d.FlashSupported(hd) {
			t.Errorf("FlashSupported(%d) = true", hd)
		}
		ktRelease(a, b, c, e, f, g, h)
	}
	for _, hd := range []int{32, 64, 128} {
		if !d.FlashSupported(hd) {
			t.Errorf("FlashSupported(%d) = false on %s", hd, d.Info())
		}
	}
	if err := d.SetFlashTiles("64x32", "", ""); err == nil {
		t.Error("SetFlashTiles accepted a malformed name")
	}
	if err := d.SetFlashTiles("", "", "m32x32t4x4"); err == nil {
		t.Error("SetFlashTiles accepted an m tile for the q pass")
	}

	p := kernels.Attention{BH: 2, SQ: 3, SK: 4, HD: 4, Scale: 1}
	q, kv, lse := ktAlloc(t, d, 24), ktAlloc(t, d, 32), ktAlloc(t, d, 6)
	k2, out, dq := ktAlloc(t, d, 32), ktAlloc(t, d, 24), ktAlloc(t, d, 24)
	dk, dv, dout := ktAlloc(t, d, 32), ktAlloc(t, d, 32), ktAlloc(t, d, 24)
	defer ktRelease(q, kv, lse, k2, out, dq, dk, dv, dout)
	opExpectPanic(t, "gpu.FlashAttention: {BH:2 SQ:3 SK:4 HD:4", func() { d.FlashAttention(p, out, lse, q, q, kv) })
	opExpectPanic(t, "gpu.FlashAttention: len(lse)=24, want 6", func() { d.FlashAttention(p, out, out, q, kv, k2) })
	opExpectPanic(t, "out and q are the same buffer", func() { d.FlashAttention(p, q, lse, q, kv, k2) })
	opExpectPanic(t, "gpu.FlashAttentionBackward", func() { d.FlashAttentionBackward(p, dq, dk, dv, dout, q, kv, k2, out, q) })
	opExpectPanic(t, "dk and k are the same buffer", func() { d.FlashAttentionBackward(p, dq, kv, dv, dout, q, kv, k2, out, lse) })
}
