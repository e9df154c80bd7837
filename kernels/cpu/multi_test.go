package cpu

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// multiLens are span lengths of the multi-tensor tests: 1, 0, primes, and
// one past a parallel chunk (the float32 step is split over goroutines).
var multiLens = []int{1, 0, 7, 131, 2*elemChunk + 3, 97, 1}

// multiLayout places spans of multiLens with a gap of 0-2 elements before
// each, returning their offsets and the arena length.
func multiLayout() (offs []int, total int) {
	for i, n := range multiLens {
		total += i % 3
		offs = append(offs, total)
		total += n
	}
	return offs, total + 2
}

func adamHyper(i int) kernels.AdamWHyper {
	hs := []kernels.AdamWHyper{
		{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 1},
		{LR: 0.5, Beta1: 0.3, Beta2: 0.6, Eps: 1e-3, WeightDecay: 0, Step: 2},
		{LR: 0.2, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.05, Step: 1000},
	}
	return hs[i%len(hs)]
}

// TestAdamWMultiCtrl steps spans of one arena with gradient multipliers
// 1, 0.37 and 2.5 against ref, checks that multiplier-1 spans equal AdamW
// bit for bit, that the gaps are untouched, and that a set skip flag
// leaves every byte as it was.
func TestAdamWMultiCtrl(t *testing.T) {
	rng := newRNG(140)
	offs, total := multiLayout()
	ctrl := []float32{0, 1, 0.37, 2.5}
	p, g, m := randSlice(rng, total), randSlice(rng, total), randSlice(rng, total)
	v := uniformSlice(rng, total, 0, 2)
	p0, m0, v0 := slices.Clone(p), slices.Clone(m), slices.Clone(v)
	var list []AdamWParam
	var rlist []ref.AdamWParam[float64]
	wp, wm, wv := to64(p), to64(m), to64(v)
	for i, n := range multiLens {
		e := AdamWParam{P: p, G: g, M: m, V: v, Off: offs[i], N: n, Hyper: adamHyper(i), Scale: 1 + i%3}
		list = append(list, e)
		rlist = append(rlist, ref.AdamWParam[float64]{P: wp, G: to64(g), M: wm, V: wv, Off: e.Off, N: n, Hyper: e.Hyper, Scale: e.Scale})
	}

	skip := slices.Clone(ctrl)
	skip[0] = 1
	AdamWMultiCtrl(list, skip)
	if !slices.Equal(p, p0) || !slices.Equal(m, m0) || !slices.Equal(v, v0) {
		t.Fatal("AdamWMultiCtrl with the skip flag set changed p, m or v")
	}

	AdamWMultiCtrl(list, ctrl)
	ref.AdamWMultiCtrl(rlist, to64(ctrl))
	checkRel(t, "AdamWMultiCtrl p", p, wp, adamTol)
	checkRel(t, "AdamWMultiCtrl m", m, wm, adamTol)
	checkRel(t, "AdamWMultiCtrl v", v, wv, adamTol)
	for i, e := range list {
		lo, hi := e.Off, e.Off+e.N
		if e.Scale != 1 {
			continue
		}
		bp, bm, bv := slices.Clone(p0[lo:hi]), slices.Clone(m0[lo:hi]), slices.Clone(v0[lo:hi])
		AdamW(bp, g[lo:hi], bm, bv, e.Hyper)
		if !slices.Equal(bp, p[lo:hi]) || !slices.Equal(bm, m[lo:hi]) || !slices.Equal(bv, v[lo:hi]) {
			t.Errorf("span %d (multiplier 1) differs from AdamW", i)
		}
	}
	inSpan := make([]bool, total)
	for _, e := range list {
		for k := e.Off; k < e.Off+e.N; k++ {
			inSpan[k] = true
		}
	}
	for k, in := range inSpan {
		if !in && (p[k] != p0[k] || m[k] != m0[k] || v[k] != v0[k]) {
			t.Fatalf("AdamWMultiCtrl wrote element %d outside every span", k)
		}
	}

	// nil ctrl: AdamW on every span.
	q, qm, qv := slices.Clone(p0), slices.Clone(m0), slices.Clone(v0)
	for i := range list {
		list[i].P, list[i].M, list[i].V = q, qm, qv
	}
	AdamWMultiCtrl(list, nil)
	for i, e := range list {
		lo, hi := e.Off, e.Off+e.N
		bp, bm, bv := slices.Clone(p0[lo:hi]), slices.Clone(m0[lo:hi]), slices.Clone(v0[lo:hi])
		AdamW(bp, g[lo:hi], bm, bv, e.Hyper)
		if !slices.Equal(bp, q[lo:hi]) || !slices.Equal(bm, qm[lo:hi]) || !slices.Equal(bv, qv[lo:hi]) {
			t.Errorf("nil ctrl: span %d differs from AdamW", i)
		}
	}
}

func TestEMAMultiCtrl(t *testing.T) {
	rng := newRNG(141)
	offs, total := multiLayout()
	teacher, student := randSlice(rng, total), randSlice(rng, total)
	t0 := slices.Clone(teacher)
	var list []EMAParam
	var rlist []ref.EMAParam[float64]
	want := to64(teacher)
	for i, n := range multiLens {
		list = append(list, EMAParam{Teacher: teacher, Student: student, Off: offs[i], N: n})
		rlist = append(rlist, ref.EMAParam[float64]{Teacher: want, Student: to64(student), Off: offs[i], N: n})
	}
	EMAMultiCtrl(list, 0.996, []float32{1})
	if !slices.Equal(teacher, t0) {
		t.Fatal("EMAMultiCtrl with the skip flag set changed the teacher")
	}
	EMAMultiCtrl(list, 0.996, []float32{0, 5})
	ref.EMAMultiCtrl(rlist, 0.996, []float64{0})
	checkRel(t, "EMAMultiCtrl", teacher, want, scaledOpTol)
}

// TestSumSquaresSpans: spans of length 0, 1, primes, several chunks long
// and overlapping, against ref; the result must not depend on the number
// of threads.
func TestSumSquaresSpans(t *testing.T) {
	rng := newRNG(142)
	const n = 3*sumSqChunk + 101
	src := randSlice(rng, n)
	spans := [][2]int{{0, 0}, {5, 6}, {0, 7}, {13, 13 + 131}, {1, n}, {sumSqChunk - 3, 2*sumSqChunk + 5}, {n - 1, n}, {n, n}}
	got := make([]float32, len(spans))
	SumSquaresSpans(got, src, spans)
	want := make([]float64, len(spans))
	ref.SumSquaresSpans(want, to64(src), spans)
	// float64 accumulation rounded once: within float32 rounding.
	for j := range spans {
		if e := math.Abs(float64(got[j])-want[j]) / math.Max(want[j], 1e-300); e > 1e-7 {
			t.Errorf("span %d %v: %v, want %v (rel %.2g)", j, spans[j], got[j], want[j], e)
		}
	}
	withThreads(1, func() {
		one := make([]float32, len(spans))
		SumSquaresSpans(one, src, spans)
		if !slices.Equal(one, got) {
			t.Errorf("one thread gives %v, %d threads %v", one, Threads(), got)
		}
	})
}

// TestClipControl checks the coefficients against ref over norms below,
// near and above maxNorm, maxNorm = +Inf, and the non-finite guard.
func TestClipControl(t *testing.T) {
	rng := newRNG(143)
	for _, k := range []int{0, 1, 2, 7, 131} {
		sumsq := uniformSlice(rng, k, 0, 9)
		for _, maxNorm := range []float64{0, 0.5, 1.5, 3, math.Inf(1)} {
			watch := randSlice(rng, 3)
			ctrl := make([]float32, 1+k)
			ClipControl(ctrl, sumsq, watch, maxNorm)
			want := make([]float64, 1+k)
			ref.ClipControl(want, to64(sumsq), to64(watch), maxNorm)
			checkRel(t, "ClipControl", ctrl, want, 1e-7)
			for j, c := range ctrl[1:] {
				if c > 1 || (math.IsInf(maxNorm, 1) && c != 1) {
					t.Errorf("k=%d maxNorm=%v: coef[%d] = %v", k, maxNorm, j, c)
				}
			}
			if ctrl[0] != 0 {
				t.Errorf("k=%d maxNorm=%v: finite inputs set the skip flag", k, maxNorm)
			}
		}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		name         string
		sumsq, watch []float32
	}{
		{"NaN sum", []float32{1, nan}, nil},
		{"Inf sum", []float32{inf, 1}, []float32{0}},
		{"NaN watch", []float32{1}, []float32{0, nan}},
		{"-Inf watch", nil, []float32{-inf}},
	} {
		ctrl := make([]float32, 1+len(c.sumsq))
		ClipControl(ctrl, c.sumsq, c.watch, 1)
		if ctrl[0] != 1 {
			t.Errorf("%s: skip flag %v, want 1", c.name, ctrl[0])
		}
		for j, s := range c.sumsq {
			if (math.IsNaN(float64(s)) || math.IsInf(float64(s), 0)) && ctrl[1+j] != 1 {
				t.Errorf("%s: coefficient of a non-finite group %v, want 1", c.name, ctrl[1+j])
			}
		}
	}
}

func TestMultiPanics(t *testing.T) {
	h := adamHyper(0)
	x := make([]float32, 8)
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"span out of range", "list[0].G is outside its 4 elements", func() {
			AdamWMultiCtrl([]AdamWParam{{P: x, G: x[:4], M: x, V: x, Off: 2, N: 3, Hyper: h}}, nil)
		}},
		{"scale out of range", "Scale=2", func() {
			AdamWMultiCtrl([]AdamWParam{{P: x, G: x, M: x, V: x, N: 3, Hyper: h, Scale: 2}}, []float32{0, 1})
		}},
		{"step 0", "Step=0", func() {
			AdamWMultiCtrl([]AdamWParam{{P: x, G: x, M: x, V: x, N: 3}}, nil)
		}},
		{"EMA span", "outside its 8 elements", func() {
			EMAMultiCtrl([]EMAParam{{Teacher: x, Student: x, Off: 7, N: 2}}, 0.9, nil)
		}},
		{"sumsq range", "spans[1]", func() { SumSquaresSpans(make([]float32, 2), x, [][2]int{{0, 8}, {5, 4}}) }},
		{"sumsq dst", "len(dst)=1", func() { SumSquaresSpans(make([]float32, 1), x, [][2]int{{0, 8}, {5, 6}}) }},
		{"clip ctrl", "len(ctrl)=2", func() { ClipControl(make([]float32, 2), x, nil, 1) }},
		{"clip maxNorm", "maxNorm=NaN", func() { ClipControl(make([]float32, 9), x, nil, math.NaN()) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic %v, want one containing %q", r, c.want)
				}
			}()
			c.f()
		})
	}
}

// BenchmarkSumSquaresSpans reduces the 22,058,112 parameters of ViT-S/14
// in 150 spans (4 bytes read per element).
func BenchmarkSumSquaresSpans(b *testing.B) {
	const n, k = 22058112, 150
	src := make([]float32, n)
	spans := make([][2]int, k)
	for j := range spans {
		spans[j] = [2]int{j * n / k, (j + 1) * n / k}
	}
	dst := make([]float32, k)
	for b.Loop() {
		SumSquaresSpans(dst, src, spans)
	}
	reportGBs(b, 4*n)
}

// BenchmarkAdamWMultiCtrl steps ViT-S/14's parameters as 150 spans of one
// arena with gradient multipliers (28 bytes per parameter).
func BenchmarkAdamWMultiCtrl(b *testing.B) {
	const n, k = 22058112, 150
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	h := kernels.AdamWHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 10}
	list := make([]AdamWParam, k)
	for j := range list {
		lo, hi := j*n/k, (j+1)*n/k
		list[j] = AdamWParam{P: p, G: g, M: m, V: v, Off: lo, N: hi - lo, Hyper: h, Scale: 1}
	}
	ctrl := []float32{0, 0.5}
	for b.Loop() {
		AdamWMultiCtrl(list, ctrl)
	}
	reportGBs(b, 28*n)
}
