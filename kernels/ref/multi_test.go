package ref

import (
	"math"
	"slices"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// TestAdamWMultiCtrl checks the guarded step against AdamW applied span by
// span to c·g, the skip flag, and the untouched gaps between spans.
func TestAdamWMultiCtrl(t *testing.T) {
	rng := newRNG(t)
	const total = 40
	p, g, m, v := randn(rng, total), randn(rng, total), randn(rng, total), randn(rng, total)
	for i := range v {
		v[i] *= v[i]
	}
	h := kernels.AdamWHyper{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, Step: 3}
	spans := [][2]int{{0, 1}, {3, 0}, {4, 13}, {20, 17}} // {off, n}
	ctrl := []float64{0, 1, 0.25, 3}
	var list []AdamWParam[float64]
	wp, wm, wv := slices.Clone(p), slices.Clone(m), slices.Clone(v)
	for j, s := range spans {
		e := AdamWParam[float64]{P: p, G: g, M: m, V: v, Off: s[0], N: s[1], Hyper: h, Scale: 1 + j%3}
		list = append(list, e)
		c := ctrl[e.Scale]
		gs := make([]float64, s[1])
		for i := range gs {
			gs[i] = c * g[s[0]+i]
		}
		lo, hi := s[0], s[0]+s[1]
		AdamW(wp[lo:hi], gs, wm[lo:hi], wv[lo:hi], h)
	}
	p0 := slices.Clone(p)
	skip := slices.Clone(ctrl)
	skip[0] = -2
	AdamWMultiCtrl(list, skip)
	if !slices.Equal(p, p0) {
		t.Fatal("a set skip flag changed p")
	}
	AdamWMultiCtrl(list, ctrl)
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"p", p, wp}, {"m", m, wm}, {"v", v, wv}} {
		if e := relErr(c.got, c.want); e > 1e-15 {
			t.Errorf("%s: relative error %.3g", c.name, e)
		}
	}
	if p[1] != p0[1] || p[38] != p0[38] {
		t.Error("elements between spans changed")
	}
}

func TestEMAMultiCtrl(t *testing.T) {
	rng := newRNG(t)
	teacher, student := randn(rng, 10), randn(rng, 10)
	t0 := slices.Clone(teacher)
	list := []EMAParam[float64]{{Teacher: teacher, Student: student, Off: 2, N: 5}}
	EMAMultiCtrl(list, 0.9, []float64{math.NaN()})
	if !slices.Equal(teacher, t0) {
		t.Fatal("a NaN skip flag (≠ 0) changed the teacher")
	}
	mom := 0.9 // a variable: 1−mom rounds as in EMA
	EMAMultiCtrl(list, mom, []float64{0})
	for i := range teacher {
		want := t0[i]
		if i >= 2 && i < 7 {
			want = mom*t0[i] + (1-mom)*student[i]
		}
		if teacher[i] != want {
			t.Errorf("teacher[%d] = %v, want %v", i, teacher[i], want)
		}
	}
}

func TestSumSquaresSpans(t *testing.T) {
	src := []float64{1, -2, 3, 0.5, -0.25}
	spans := [][2]int{{0, 0}, {1, 2}, {0, 5}, {2, 4}, {5, 5}}
	dst := make([]float64, len(spans))
	SumSquaresSpans(dst, src, spans)
	for j, s := range spans {
		var want float64
		for i := s[0]; i < s[1]; i++ {
			want += math.Pow(src[i], 2)
		}
		if dst[j] != want {
			t.Errorf("span %v: %v, want %v", s, dst[j], want)
		}
	}
}

// TestClipControl checks the coefficients and the guard against the
// formula of torch.nn.utils.clip_grad_norm_ written out.
func TestClipControl(t *testing.T) {
	sumsq := []float64{0, 0.25, 4, 1e6}
	for _, maxNorm := range []float64{0, 1, 2, 2 + 1e-6, 5, math.Inf(1)} {
		ctrl := make([]float64, 5)
		ClipControl(ctrl, sumsq, []float64{1, -3}, maxNorm)
		if ctrl[0] != 0 {
			t.Errorf("maxNorm %v: skip flag %v for finite inputs", maxNorm, ctrl[0])
		}
		for j, s := range sumsq {
			want := maxNorm / (math.Sqrt(s) + 1e-6)
			if !(want < 1) {
				want = 1
			}
			if ctrl[1+j] != want {
				t.Errorf("maxNorm %v, sumsq %v: coef %v, want %v", maxNorm, s, ctrl[1+j], want)
			}
		}
	}
	for _, c := range []struct{ sumsq, watch []float64 }{
		{[]float64{1, math.NaN()}, nil},
		{[]float64{math.Inf(1)}, []float64{0}},
		{nil, []float64{2, math.Inf(-1)}},
		{[]float64{1}, []float64{math.NaN()}},
	} {
		ctrl := make([]float64, 1+len(c.sumsq))
		ClipControl(ctrl, c.sumsq, c.watch, 1)
		if ctrl[0] != 1 {
			t.Errorf("sumsq %v watch %v: skip flag %v, want 1", c.sumsq, c.watch, ctrl[0])
		}
	}
}
