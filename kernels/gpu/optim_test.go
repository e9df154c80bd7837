package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// adamHypers are the AdamW settings tested: DINOv2's, a large lr (so the
// update is as large as p and its error shows in p), β₁ < ½ (PyTorch's
// other lerp form), and a late step.
var adamHypers = []kernels.AdamWHyper{
	{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 1},
	{LR: 0.5, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Step: 3},
	{LR: 0.7, Beta1: 0.3, Beta2: 0.6, Eps: 1e-3, WeightDecay: 0, Step: 2},
	{LR: 0.2, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.05, Step: 1000},
}

// adamState returns random parameters, gradient and moments (v ≥ 0).
func adamState(rng *rand.Rand, n int) (p, g, m, v []float32) {
	p, g, m = randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
	v = randSlice(rng, n)
	for i := range v {
		v[i] *= v[i]
	}
	return p, g, m, v
}

func TestAdamW(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(81, 82))
	for _, n := range []int{1, 7, 256, 257, 1031} {
		for hi, h := range adamHypers {
			name := fmt.Sprintf("n=%d hyper %d", n, hi)
			p, g, m, v := adamState(rng, n)
			gp, gg, gm, gv := mustUpload(t, d, p), mustUpload(t, d, g), mustUpload(t, d, m), mustUpload(t, d, v)
			if err := d.AdamW(gp, gg, gm, gv, h); err != nil {
				t.Fatal(err)
			}
			wp, wm, wv := to64(p), to64(m), to64(v)
			ref.AdamW(wp, to64(g), wm, wv, h)
			opCheck(t, "AdamW p "+name, mustDownload(t, d, gp), wp, 1e-6)
			opCheck(t, "AdamW m "+name, mustDownload(t, d, gm), wm, 1e-6)
			opCheck(t, "AdamW v "+name, mustDownload(t, d, gv), wv, 1e-6)
			for _, b := range []*Buffer{gp, gg, gm, gv} {
				b.Release()
			}
		}
	}
}

// TestAdamWMulti packs tensors of awkward lengths, with gaps, into four
// arenas, adds one tensor with its own buffers, and checks every span
// against ref (with its own hyper-parameters) and the gaps untouched.
func TestAdamWMulti(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(83, 84))
	lens := []int{1, 1025, 7, 0, 2048, 300, 1}
	total := 0
	offs := make([]int, len(lens))
	for i, n := range lens {
		offs[i] = total + i%2 // a gap before every other span
		total = offs[i] + n
	}
	total += 3
	p, g, m, v := adamState(rng, total)
	gp, gg, gm, gv := mustUpload(t, d, p), mustUpload(t, d, g), mustUpload(t, d, m), mustUpload(t, d, v)
	var list []AdamWParam
	wp, wm, wv := to64(p), to64(m), to64(v)
	covered := make([]bool, total)
	for i, n := range lens {
		h := adamHypers[i%len(adamHypers)]
		list = append(list, AdamWParam{P: gp, G: gg, M: gm, V: gv, Off: offs[i], N: n, Hyper: h})
		s := offs[i]
		ref.AdamW(wp[s:s+n], to64(g[s:s+n]), wm[s:s+n], wv[s:s+n], h)
		for k := s; k < s+n; k++ {
			covered[k] = true
		}
	}
	// A tensor with its own buffers: a second dispatch.
	p2, g2, m2, v2 := adamState(rng, 33)
	bp, bg, bm, bv := mustUpload(t, d, p2), mustUpload(t, d, g2), mustUpload(t, d, m2), mustUpload(t, d, v2)
	h2 := adamHypers[1]
	list = append(list, AdamWParam{P: bp, G: bg, M: bm, V: bv, Off: 0, N: 33, Hyper: h2})
	wp2, wm2, wv2 := to64(p2), to64(m2), to64(v2)
	ref.AdamW(wp2, to64(g2), wm2, wv2, h2)

	if err := d.AdamWMulti(list); err != nil {
		t.Fatal(err)
	}
	opCheck(t, "AdamWMulti p", mustDownload(t, d, gp), wp, 1e-6)
	opCheck(t, "AdamWMulti m", mustDownload(t, d, gm), wm, 1e-6)
	opCheck(t, "AdamWMulti v", mustDownload(t, d, gv), wv, 1e-6)
	opCheck(t, "AdamWMulti own buffers p", mustDownload(t, d, bp), wp2, 1e-6)
	opCheck(t, "AdamWMulti own buffers v", mustDownload(t, d, bv), wv2, 1e-6)
	got := mustDownload(t, d, gp)
	for k, c := range covered {
		if !c && got[k] != p[k] {
			t.Errorf("AdamWMulti wrote p[%d] outside every span", k)
		}
	}
	for _, b := range []*Buffer{gp, gg, gm, gv, bp, bg, bm, bv} {
		b.Release()
	}
}

func TestEMAMulti(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(85, 86))
	const total = 3000
	teacher, student := randSlice(rng, total), randSlice(rng, total)
	gt, gs := mustUpload(t, d, teacher), mustUpload(t, d, student)
	defer gt.Release()
	defer gs.Release()
	spans := [][2]int{{0, 1}, {1, 1024}, {1030, 1}, {1100, 1500}, {2700, 299}}
	var list []EMAParam
	want := to64(teacher)
	const mom = 0.994
	for _, s := range spans {
		list = append(list, EMAParam{Teacher: gt, Student: gs, Off: s[0], N: s[1]})
		ref.EMA(want[s[0]:s[0]+s[1]], to64(student[s[0]:s[0]+s[1]]), mom)
	}
	if err := d.EMAMulti(list, mom); err != nil {
		t.Fatal(err)
	}
	opCheck(t, "EMAMulti", mustDownload(t, d, gt), want, 1e-6)
}

func TestOptimPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, c, e := opAlloc(t, d, 6), opAlloc(t, d, 6), opAlloc(t, d, 6), opAlloc(t, d, 5)
	defer a.Release()
	defer b.Release()
	defer c.Release()
	defer e.Release()
	h := adamHypers[0]
	opExpectPanic(t, "gpu.AdamW: len(v)=5, want 6", func() { d.AdamW(a, b, c, e, h) })
	opExpectPanic(t, "gpu.AdamW: p and m are the same buffer", func() { d.AdamW(a, b, a, c, h) })
	opExpectPanic(t, "gpu.AdamW: Step=0", func() { d.AdamW(a, b, c, opMustAlloc(t, d, 6), kernels.AdamWHyper{}) })
	opExpectPanic(t, "gpu.AdamWMulti: span [4,8) of list[0].P is outside its 6 elements", func() {
		d.AdamWMulti([]AdamWParam{{P: a, G: b, M: c, V: e, Off: 4, N: 4, Hyper: h}})
	})
	opExpectPanic(t, "overlap", func() {
		x := opMustAlloc(t, d, 6)
		d.AdamWMulti([]AdamWParam{{P: a, G: b, M: c, V: x, Off: 0, N: 4, Hyper: h}, {P: a, G: b, M: c, V: x, Off: 3, N: 2, Hyper: h}})
	})
	opExpectPanic(t, "gpu.EMAMulti: list[0].Teacher and list[0].Student are the same buffer", func() {
		d.EMAMulti([]EMAParam{{Teacher: a, Student: a, N: 6}}, 0.5)
	})
}

// opMustAlloc allocates a buffer that lives until the test ends.
func opMustAlloc(t *testing.T, d *Device, n int) *Buffer {
	t.Helper()
	b, err := d.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Release)
	return b
}
