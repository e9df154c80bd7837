package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// guardLens are the span lengths of the guarded multi-tensor tests: 1, 0,
// primes, one past a workgroup's 1024 elements, exact multiples of 4 (the
// single-tensor AdamW then takes its vec4 kernel).
var guardLens = []int{1, 1031, 7, 0, 2048, 300, 1}

// guardLayout places spans of guardLens at multiples of the view
// alignment with a gap before each, returning offsets and the length.
func guardLayout(d *Device) (offs []int, total int) {
	al := d.ViewAlign()
	for _, n := range guardLens {
		total = (total + 1 + al - 1) / al * al
		offs = append(offs, total)
		total += n
	}
	return offs, total + 3
}

// TestAdamWMultiCtrl checks the guarded AdamW against ref with gradient
// multipliers 1, 0.37 and 2.5; that multiplier-1 spans equal AdamWMulti
// and the single-tensor AdamW bit for bit; that a set skip flag writes
// nothing; and that spans given as views of the arenas take as many
// dispatches as the arenas themselves and give the same bits.
func TestAdamWMultiCtrl(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(211, 212))
	offs, total := guardLayout(d)
	p, g, m, v := adamState(rng, total)
	ctrl := []float32{0, 1, 0.37, 2.5}
	gp, gg, gm, gv := mustUpload(t, d, p), mustUpload(t, d, g), mustUpload(t, d, m), mustUpload(t, d, v)
	gc := mustUpload(t, d, ctrl)
	skip := mustUpload(t, d, []float32{1, 1, 1, 1})
	defer func() {
		for _, b := range []*Buffer{gp, gg, gm, gv, gc, skip} {
			b.Release()
		}
	}()
	var list []AdamWParam
	var rlist []ref.AdamWParam[float64]
	wp, wm, wv := to64(p), to64(m), to64(v)
	for i, n := range guardLens {
		e := AdamWParam{P: gp, G: gg, M: gm, V: gv, Off: offs[i], N: n, Hyper: adamHypers[i%len(adamHypers)], Scale: 1 + i%3}
		list = append(list, e)
		rlist = append(rlist, ref.AdamWParam[float64]{P: wp, G: to64(g), M: wm, V: wv, Off: e.Off, N: n, Hyper: e.Hyper, Scale: e.Scale})
	}

	if err := d.AdamWMultiCtrl(list, skip); err != nil {
		t.Fatal(err)
	}
	opExact(t, "skipped p", mustDownload(t, d, gp), p)
	opExact(t, "skipped m", mustDownload(t, d, gm), m)
	opExact(t, "skipped v", mustDownload(t, d, gv), v)

	if err := d.AdamWMultiCtrl(list, gc); err != nil {
		t.Fatal(err)
	}
	ref.AdamWMultiCtrl(rlist, to64(ctrl))
	gotP, gotM, gotV := mustDownload(t, d, gp), mustDownload(t, d, gm), mustDownload(t, d, gv)
	opCheck(t, "AdamWMultiCtrl p", gotP, wp, 1e-6)
	opCheck(t, "AdamWMultiCtrl m", gotM, wm, 1e-6)
	opCheck(t, "AdamWMultiCtrl v", gotV, wv, 1e-6)
	covered := make([]bool, total)
	for _, e := range list {
		for k := e.Off; k < e.Off+e.N; k++ {
			covered[k] = true
		}
	}
	for k, c := range covered {
		if !c && (gotP[k] != p[k] || gotM[k] != m[k] || gotV[k] != v[k]) {
			t.Fatalf("AdamWMultiCtrl wrote element %d outside every span", k)
		}
	}

	// Multiplier 1 against AdamWMulti (fresh arenas) and AdamW (one buffer
	// quadruple per span).
	bp, bg, bm, bv := mustUpload(t, d, p), mustUpload(t, d, g), mustUpload(t, d, m), mustUpload(t, d, v)
	defer func() {
		for _, b := range []*Buffer{bp, bg, bm, bv} {
			b.Release()
		}
	}()
	var plain []AdamWParam
	for _, e := range list {
		e.P, e.G, e.M, e.V = bp, bg, bm, bv
		plain = append(plain, e)
	}
	if err := d.AdamWMulti(plain); err != nil {
		t.Fatal(err)
	}
	multiP := mustDownload(t, d, bp)
	for i, e := range list {
		lo, hi := e.Off, e.Off+e.N
		if ctrl[e.Scale] != 1 || e.N == 0 {
			continue
		}
		name := fmt.Sprintf("span %d (multiplier 1)", i)
		opExact(t, name+" vs AdamWMulti", gotP[lo:hi], multiP[lo:hi])
		sp, sg, sm, sv := mustUpload(t, d, p[lo:hi]), mustUpload(t, d, g[lo:hi]), mustUpload(t, d, m[lo:hi]), mustUpload(t, d, v[lo:hi])
		if err := d.AdamW(sp, sg, sm, sv, e.Hyper); err != nil {
			t.Fatal(err)
		}
		opExact(t, name+" p vs AdamW", gotP[lo:hi], mustDownload(t, d, sp))
		opExact(t, name+" m vs AdamW", gotM[lo:hi], mustDownload(t, d, sm))
		opExact(t, name+" v vs AdamW", gotV[lo:hi], mustDownload(t, d, sv))
		for _, b := range []*Buffer{sp, sg, sm, sv} {
			b.Release()
		}
	}

	// The same step on views of fresh arenas (one view per span and
	// buffer): one dispatch per arena quadruple, as with the arenas.
	for _, b := range []*Buffer{bp, bg, bm, bv} {
		if err := d.Upload(b, map[*Buffer][]float32{bp: p, bg: g, bm: m, bv: v}[b]); err != nil {
			t.Fatal(err)
		}
	}
	var viewed []AdamWParam
	var views []*Buffer
	for _, e := range list {
		vs := make([]*Buffer, 4)
		for j, b := range []*Buffer{bp, bg, bm, bv} {
			var err error
			if vs[j], err = b.View(e.Off, e.N); err != nil {
				t.Fatal(err)
			}
		}
		views = append(views, vs...)
		viewed = append(viewed, AdamWParam{P: vs[0], G: vs[1], M: vs[2], V: vs[3], N: e.N, Hyper: e.Hyper, Scale: e.Scale})
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	before := d.Stats().Dispatches
	if err := d.AdamWMultiCtrl(list, gc); err != nil { // the arenas (again, on gp…)
		t.Fatal(err)
	}
	arenaDispatches := d.Stats().Dispatches - before
	before = d.Stats().Dispatches
	if err := d.AdamWMultiCtrl(viewed, gc); err != nil {
		t.Fatal(err)
	}
	if n := d.Stats().Dispatches - before; n != arenaDispatches {
		t.Errorf("AdamWMultiCtrl on views: %d dispatches, on the arenas %d", n, arenaDispatches)
	}
	opExact(t, "AdamWMultiCtrl on views", mustDownload(t, d, bp), gotP)
	for _, b := range views {
		b.Release()
	}
}

func TestEMAMultiCtrl(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(213, 214))
	offs, total := guardLayout(d)
	teacher, student := randSlice(rng, total), randSlice(rng, total)
	gt, gs, gt2 := mustUpload(t, d, teacher), mustUpload(t, d, student), mustUpload(t, d, teacher)
	skip, go_ := mustUpload(t, d, []float32{-1}), mustUpload(t, d, []float32{0, 7})
	defer func() {
		for _, b := range []*Buffer{gt, gs, gt2, skip, go_} {
			b.Release()
		}
	}()
	var list, list2 []EMAParam
	for i, n := range guardLens {
		list = append(list, EMAParam{Teacher: gt, Student: gs, Off: offs[i], N: n})
		list2 = append(list2, EMAParam{Teacher: gt2, Student: gs, Off: offs[i], N: n})
	}
	const mom = 0.996
	if err := d.EMAMultiCtrl(list, mom, skip); err != nil {
		t.Fatal(err)
	}
	opExact(t, "skipped teacher", mustDownload(t, d, gt), teacher)
	if err := d.EMAMultiCtrl(list, mom, go_); err != nil {
		t.Fatal(err)
	}
	if err := d.EMAMulti(list2, mom); err != nil {
		t.Fatal(err)
	}
	opExact(t, "EMAMultiCtrl vs EMAMulti", mustDownload(t, d, gt), mustDownload(t, d, gt2))
}

// TestSumSquaresSpans: spans of length 0, 1, primes, across blocks of
// 4096, overlapping, and the single-pass case (every span one block),
// against ref; a second run must give the same bits.
func TestSumSquaresSpans(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(215, 216))
	const n = 3*sumSqBlock + 101
	src := randSlice(rng, n)
	gsrc := mustUpload(t, d, src)
	defer gsrc.Release()
	for _, spans := range [][][2]int{
		{{0, 0}, {5, 6}, {0, 7}, {13, 13 + 131}, {1, n}, {sumSqBlock - 3, 2*sumSqBlock + 5}, {n - 1, n}, {n, n}},
		{{0, sumSqBlock}, {7, 8}, {100, 3001}, {n - 2, n}}, // one pass
		{{3, 3}},
		{{0, n}},
	} {
		dst, err := d.Alloc(len(spans) + 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SumSquaresSpans(dst, gsrc, spans); err != nil {
			t.Fatal(err)
		}
		got := mustDownload(t, d, dst)[:len(spans)]
		want := make([]float64, len(spans))
		ref.SumSquaresSpans(want, to64(src), spans)
		for j := range spans {
			if e := math.Abs(float64(got[j])-want[j]) / math.Max(want[j], 1e-30); e > 2e-6 {
				t.Errorf("spans %v: [%d] = %v, want %v (relative error %.2g)", spans, j, got[j], want[j], e)
			}
		}
		if err := d.SumSquaresSpans(dst, gsrc, spans); err != nil {
			t.Fatal(err)
		}
		opExact(t, "SumSquaresSpans run twice", mustDownload(t, d, dst)[:len(spans)], got)
		dst.Release()
	}
}

// TestClipControl checks the control vector against ref for norms below,
// near and above maxNorm, more groups than invocations, and maxNorm = +Inf,
// and the skip flag for NaN, ±Inf and negative inputs.
func TestClipControl(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(217, 218))
	for _, k := range []int{0, 1, 7, 300} {
		sumsq := make([]float32, k+1) // one more than k: must be ignored
		for i := range sumsq {
			sumsq[i] = float32(9 * rng.Float64())
		}
		sumsq[k] = float32(math.NaN())
		watch := randSlice(rng, 4)
		watch[3] = float32(math.Inf(1)) // beyond nwatch
		gs, gw := mustUpload(t, d, sumsq), mustUpload(t, d, watch)
		gc, _ := d.Alloc(1 + k)
		for _, maxNorm := range []float64{0, 0.5, 1.5, 3, math.Inf(1), 1e300} {
			for _, w := range []*Buffer{gw, nil} {
				nw := 3
				if w == nil {
					nw = 0
				}
				if err := d.ClipControl(gc, gs, w, k, nw, maxNorm); err != nil {
					t.Fatal(err)
				}
				got := mustDownload(t, d, gc)
				want := make([]float64, 1+k)
				ref.ClipControl(want, to64(sumsq[:k]), to64(watch[:nw]), maxNorm)
				opCheck(t, fmt.Sprintf("ClipControl k=%d maxNorm=%v", k, maxNorm), got, want, 1e-6)
				if got[0] != 0 {
					t.Errorf("k=%d maxNorm=%v: skip flag %v for finite inputs", k, maxNorm, got[0])
				}
				for j, c := range got[1:] {
					if c > 1 || (maxNorm > 1e38 && c != 1) {
						t.Errorf("k=%d maxNorm=%v: coef[%d] = %v", k, maxNorm, j, c)
					}
				}
			}
		}
		gs.Release()
		gw.Release()
		gc.Release()
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		name         string
		sumsq, watch []float32
	}{
		{"NaN sum", []float32{1, nan, 4}, nil},
		{"Inf sum", []float32{inf}, []float32{0}},
		{"negative sum", []float32{2, -1}, []float32{0}},
		{"NaN watch", []float32{1}, []float32{0, 3, nan}},
		{"-Inf watch, no groups", []float32{0}, []float32{-inf}},
	} {
		k := len(c.sumsq)
		if c.name == "-Inf watch, no groups" {
			k = 0
		}
		gs := mustUpload(t, d, c.sumsq)
		var gw *Buffer
		if c.watch != nil {
			gw = mustUpload(t, d, c.watch)
		}
		gc, _ := d.Alloc(1 + k)
		if err := d.ClipControl(gc, gs, gw, k, len(c.watch), 1); err != nil {
			t.Fatal(err)
		}
		if got := mustDownload(t, d, gc); got[0] != 1 {
			t.Errorf("%s: skip flag %v, want 1", c.name, got[0])
		}
		for _, b := range []*Buffer{gs, gw, gc} {
			b.Release()
		}
	}
}

// TestGuardedStep runs a whole guarded step on the device (sums of squares
// of two gradient groups, the control vector, AdamW and EMA) with no read
// back in between, and compares it with ref step by step; then a NaN in
// the gradient must leave parameters, moments and teacher untouched.
func TestGuardedStep(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(219, 220))
	offs, total := guardLayout(d)
	p, g, m, v := adamState(rng, total)
	for i := range g {
		g[i] *= 3
	}
	teacher := randSlice(rng, total)
	gp, gg, gm, gv, gt := mustUpload(t, d, p), mustUpload(t, d, g), mustUpload(t, d, m), mustUpload(t, d, v), mustUpload(t, d, teacher)
	sumsq, _ := d.Alloc(2)
	ctrl, _ := d.Alloc(3)
	loss := mustUpload(t, d, []float32{0.7})
	defer func() {
		for _, b := range []*Buffer{gp, gg, gm, gv, gt, sumsq, ctrl, loss} {
			b.Release()
		}
	}()
	// Group 0: the first three spans; group 1: the rest.
	groups := [][2]int{{offs[0], offs[3]}, {offs[3], total}}
	const maxNorm, mom = 20.0, 0.99
	var list []AdamWParam
	var elist []EMAParam
	for i, n := range guardLens {
		s := 1
		if offs[i] >= offs[3] {
			s = 2
		}
		list = append(list, AdamWParam{P: gp, G: gg, M: gm, V: gv, Off: offs[i], N: n, Hyper: adamHypers[0], Scale: s})
		elist = append(elist, EMAParam{Teacher: gt, Student: gp, Off: offs[i], N: n})
	}
	step := func() {
		t.Helper()
		if err := d.SumSquaresSpans(sumsq, gg, groups); err != nil {
			t.Fatal(err)
		}
		if err := d.ClipControl(ctrl, sumsq, loss, 2, 1, maxNorm); err != nil {
			t.Fatal(err)
		}
		if err := d.AdamWMultiCtrl(list, ctrl); err != nil {
			t.Fatal(err)
		}
		if err := d.EMAMultiCtrl(elist, mom, ctrl); err != nil {
			t.Fatal(err)
		}
	}
	before := d.Stats().Waits
	step()
	if w := d.Stats().Waits - before; w != 0 {
		t.Errorf("a guarded step waited for the device %d times", w)
	}
	// The reference: the same step in float64 from the same inputs (the
	// gaps of g are included in the group sums).
	ss := make([]float64, 2)
	ref.SumSquaresSpans(ss, to64(g), groups)
	c := make([]float64, 3)
	ref.ClipControl(c, ss, []float64{0.7}, maxNorm)
	if c[1] == 1 || c[2] == 1 {
		t.Fatalf("test setup: the gradients are not clipped (coefficients %v)", c[1:])
	}
	opCheck(t, "ctrl", mustDownload(t, d, ctrl), c, 2e-6)
	wp, wm, wv, wt := to64(p), to64(m), to64(v), to64(teacher)
	var rlist []ref.AdamWParam[float64]
	var relist []ref.EMAParam[float64]
	for _, e := range list {
		rlist = append(rlist, ref.AdamWParam[float64]{P: wp, G: to64(g), M: wm, V: wv, Off: e.Off, N: e.N, Hyper: e.Hyper, Scale: e.Scale})
		relist = append(relist, ref.EMAParam[float64]{Teacher: wt, Student: wp, Off: e.Off, N: e.N})
	}
	ref.AdamWMultiCtrl(rlist, c)
	ref.EMAMultiCtrl(relist, mom, c)
	opCheck(t, "guarded step p", mustDownload(t, d, gp), wp, 1e-5)
	opCheck(t, "guarded step v", mustDownload(t, d, gv), wv, 1e-5)
	opCheck(t, "guarded step teacher", mustDownload(t, d, gt), wt, 1e-5)

	// A NaN gradient: the step must change nothing.
	p1, m1, v1, t1 := mustDownload(t, d, gp), mustDownload(t, d, gm), mustDownload(t, d, gv), mustDownload(t, d, gt)
	g[offs[4]+5] = float32(math.NaN())
	if err := d.Upload(gg, g); err != nil {
		t.Fatal(err)
	}
	step()
	if got := mustDownload(t, d, ctrl); got[0] != 1 {
		t.Fatalf("NaN gradient: skip flag %v", got[0])
	}
	opExact(t, "skipped step p", mustDownload(t, d, gp), p1)
	opExact(t, "skipped step m", mustDownload(t, d, gm), m1)
	opExact(t, "skipped step v", mustDownload(t, d, gv), v1)
	opExact(t, "skipped step teacher", mustDownload(t, d, gt), t1)
}

func TestGuardPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b := opMustAlloc(t, d, 8), opMustAlloc(t, d, 8)
	c2 := opMustAlloc(t, d, 2)
	h := adamHypers[0]
	opExpectPanic(t, "gpu.AdamWMultiCtrl: list[0].Scale=2 is not a multiplier index of ctrl (1 ≤ Scale < 2)", func() {
		d.AdamWMultiCtrl([]AdamWParam{{P: a, G: b, M: opMustAlloc(t, d, 8), V: opMustAlloc(t, d, 8), N: 3, Hyper: h, Scale: 2}}, c2)
	})
	opExpectPanic(t, "gpu.SumSquaresSpans: spans[1] = [5,9)", func() { d.SumSquaresSpans(c2, a, [][2]int{{0, 1}, {5, 9}}) })
	opExpectPanic(t, "gpu.SumSquaresSpans: dst.Len()=2 < len(spans)=3", func() { d.SumSquaresSpans(c2, a, make([][2]int, 3)) })
	opExpectPanic(t, "gpu.SumSquaresSpans: dst and src", func() { d.SumSquaresSpans(a, a, [][2]int{{0, 1}}) })
	opExpectPanic(t, "gpu.ClipControl: maxNorm=NaN", func() { d.ClipControl(c2, a, nil, 1, 0, math.NaN()) })
	opExpectPanic(t, "gpu.ClipControl: maxNorm=-1", func() { d.ClipControl(c2, a, nil, 1, 0, -1) })
	opExpectPanic(t, "gpu.ClipControl: watch is nil but nwatch=2", func() { d.ClipControl(c2, a, nil, 1, 2, 1) })
	opExpectPanic(t, "gpu.ClipControl: k=2 nwatch=0 need ctrl.Len() ≥ 3", func() { d.ClipControl(c2, a, nil, 2, 0, 1) })
	opExpectPanic(t, "gpu.ClipControl: ctrl and sumsq", func() { d.ClipControl(a, a, nil, 2, 0, 1) })
}

// BenchmarkSumSquaresSpans reduces parameters in 150 spans (4 bytes read
// per element; GOCX_GPU_BIG=1: ViT-S/14's 22,058,112).
func BenchmarkSumSquaresSpans(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(5, 5))
	n, k := 1<<18, 150
	if opBig() {
		n = 22058112
	}
	src, dst := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, k)
	spans := make([][2]int, k)
	for j := range spans {
		spans[j] = [2]int{j * n / k, (j + 1) * n / k}
	}
	opBench(b, d, 4*float64(n), func() error { return d.SumSquaresSpans(dst, src, spans) })
}

// BenchmarkAdamWMultiCtrl steps parameters packed in one arena quadruple
// as 150 spans with gradient multipliers (28 bytes per parameter).
func BenchmarkAdamWMultiCtrl(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(6, 6))
	n, k := 1<<18, 150
	if opBig() {
		n = 22058112
	}
	p, g, m, v := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n)
	ctrl := mustUpload(b, d, []float32{0, 0.5})
	b.Cleanup(ctrl.Release)
	if err := d.Zero(v); err != nil {
		b.Fatal(err)
	}
	h := kernels.AdamWHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 10}
	list := make([]AdamWParam, k)
	for j := range list {
		lo, hi := j*n/k, (j+1)*n/k
		list[j] = AdamWParam{P: p, G: g, M: m, V: v, Off: lo, N: hi - lo, Hyper: h, Scale: 1}
	}
	opBench(b, d, 28*float64(n), func() error { return d.AdamWMultiCtrl(list, ctrl) })
}
