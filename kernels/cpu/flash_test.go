package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// flashTol bounds the relative-norm error of FlashAttention (out, lse) and
// FlashAttentionBackward (dq, dk, dv) against ref in float64, and against
// the unfused Attention/AttentionBackward. The issue asks for 1e-4. The
// float32 errors are those of the unfused kernels (sums of ≤ max(HD, SK)
// products, a float32 exp): measured at most 5e-7 with scale 1/√HD on
// every path, 3.1e-6 for the case with scale 3 (scores of ±50, whose
// float32 rounding e^s magnifies; the unfused kernels measure 2.5e-6
// there), and 2.2e-6 absolute where the reference gradient is exactly 0
// (one key: dS = dP − D cancels). 1e-5 keeps 3× headroom over the worst
// while one wrong row of a head is ~1e-1.
const flashTol = 1e-5

// flashCases: one token, primes, SQ ≠ SK both ways, key counts below,
// at and past a key block (96), the ViT-S/14 sequence of 261 tokens, head
// dimensions 8…128 including ones that are not a multiple of the 16-float
// padding (8, 13, 24, 40), a scale large enough that the running maximum
// moves by tens between key blocks, and more and fewer heads than threads.
var flashCases = []kernels.Attention{
	{BH: 2, SQ: 1, SK: 1, HD: 64},
	{BH: 2, SQ: 1, SK: 1, HD: 8},
	{BH: 3, SQ: 7, SK: 7, HD: 13},
	{BH: 2, SQ: 54, SK: 54, HD: 64},
	{BH: 1, SQ: 54, SK: 7, HD: 24},
	{BH: 2, SQ: 31, SK: 97, HD: 40},
	{BH: 2, SQ: 13, SK: 120, HD: 16},
	{BH: 2, SQ: 7, SK: 261, HD: 128},
	{BH: 3, SQ: 261, SK: 261, HD: 64},
	{BH: 1, SQ: 100, SK: 193, HD: 32, Scale: 3},
}

// flashBig is the long-sequence case (DINOv2 at 518 px: 1374 tokens), run
// once per path with the default thread count.
var flashBig = kernels.Attention{BH: 1, SQ: 1374, SK: 1374, HD: 64}

// refLSE returns the float64 log-sum-exp of each row of scale·Q·Kᵀ.
func refLSE(p kernels.Attention, q, k []float32) []float64 {
	lse := make([]float64, p.BH*p.SQ)
	s := make([]float64, p.SK)
	for b := range p.BH {
		for i := range p.SQ {
			m := math.Inf(-1)
			for j := range p.SK {
				var dot float64
				for d := range p.HD {
					dot += float64(q[(b*p.SQ+i)*p.HD+d]) * float64(k[(b*p.SK+j)*p.HD+d])
				}
				s[j] = p.Scale * dot
				m = max(m, s[j])
			}
			var sum float64
			for j := range p.SK {
				sum += math.Exp(s[j] - m)
			}
			lse[b*p.SQ+i] = m + math.Log(sum)
		}
	}
	return lse
}

// flashWant is the float64 reference of one case: forward outputs and the
// gradients for the output gradient dout.
type flashWant struct {
	q, k, v, dout []float32
	out, lse      []float64
	dq, dk, dv    []float64
}

func newFlashWant(rng *rand.Rand, p kernels.Attention) *flashWant {
	w := &flashWant{}
	w.q, w.k, w.v = attnInputs(rng, p)
	w.dout = randSlice(rng, len(w.q))
	w.out, w.lse = make([]float64, len(w.q)), refLSE(p, w.q, w.k)
	probs := make([]float64, p.BH*p.SQ*p.SK)
	q, k, v := to64(w.q), to64(w.k), to64(w.v)
	ref.Attention(p, w.out, probs, q, k, v)
	w.dq, w.dk, w.dv = make([]float64, len(q)), make([]float64, len(k)), make([]float64, len(v))
	ref.AttentionBackward(p, w.dq, w.dk, w.dv, to64(w.dout), q, k, v, probs)
	return w
}

// flashRun is one run of the fused forward and backward.
type flashRun struct{ out, lse, dq, dk, dv []float32 }

func runFlash(p kernels.Attention, w *flashWant) flashRun {
	r := flashRun{out: make([]float32, len(w.q)), lse: make([]float32, p.BH*p.SQ),
		dq: make([]float32, len(w.q)), dk: make([]float32, len(w.k)), dv: make([]float32, len(w.v))}
	FlashAttention(p, r.out, r.lse, w.q, w.k, w.v)
	FlashAttentionBackward(p, r.dq, r.dk, r.dv, w.dout, w.q, w.k, w.v, r.out, r.lse)
	return r
}

// checkFlash compares a run with the float64 reference and with the
// unfused float32 kernels, and returns the largest relative error.
func checkFlash(t *testing.T, p kernels.Attention, w *flashWant, r flashRun) float64 {
	t.Helper()
	// The unfused kernels on the same path.
	out, probs := make([]float32, len(w.q)), make([]float32, p.BH*p.SQ*p.SK)
	Attention(p, out, probs, w.q, w.k, w.v)
	dq, dk, dv := make([]float32, len(w.q)), make([]float32, len(w.k)), make([]float32, len(w.v))
	AttentionBackward(p, dq, dk, dv, w.dout, w.q, w.k, w.v, probs)
	worst := 0.0
	for _, c := range []struct {
		name    string
		got     []float32
		want    []float64
		unfused []float32
	}{
		{"out", r.out, w.out, out}, {"lse", r.lse, w.lse, nil},
		{"dq", r.dq, w.dq, dq}, {"dk", r.dk, w.dk, dk}, {"dv", r.dv, w.dv, dv},
	} {
		e := relErr(c.got, c.want)
		if !(e <= flashTol) {
			t.Errorf("%+v: %s rel err vs ref %.3g > %g", p, c.name, e, flashTol)
		}
		worst = max(worst, e)
		if c.unfused != nil {
			if e := relErr(c.got, to64(c.unfused)); !(e <= flashTol) {
				t.Errorf("%+v: %s rel err vs unfused Attention %.3g > %g", p, c.name, e, flashTol)
			}
		}
	}
	return worst
}

func TestFlashAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	wants := make([]*flashWant, len(flashCases))
	for i, p := range flashCases {
		if p.Scale == 0 {
			flashCases[i].Scale = 1 / math.Sqrt(float64(p.HD))
		}
		wants[i] = newFlashWant(rng, flashCases[i])
	}
	forEachPath(t, func(t *testing.T) {
		worst := 0.0
		for i, p := range flashCases {
			var first flashRun
			for _, threads := range []int{1, 2, 3} {
				var r flashRun
				withThreads(threads, func() { r = runFlash(p, wants[i]) })
				if threads == 1 {
					first = r
					worst = max(worst, checkFlash(t, p, wants[i], r))
					continue
				}
				for _, c := range []struct {
					name      string
					got, want []float32
				}{{"out", r.out, first.out}, {"lse", r.lse, first.lse}, {"dq", r.dq, first.dq}, {"dk", r.dk, first.dk}, {"dv", r.dv, first.dv}} {
					if !bitsEqual(c.got, c.want) {
						t.Errorf("%+v: %s with %d threads differs from 1 thread", p, c.name, threads)
					}
				}
			}
		}
		t.Logf("largest relative error %.3g", worst)
	})
}

func TestFlashAttentionLong(t *testing.T) {
	p := flashBig
	p.Scale = 1 / math.Sqrt(float64(p.HD))
	w := newFlashWant(rand.New(rand.NewPCG(23, 24)), p)
	forEachPath(t, func(t *testing.T) {
		t.Logf("largest relative error %.3g", checkFlash(t, p, w, runFlash(p, w)))
	})
}

// bitsEqual reports whether a and b hold the same float32 bit patterns.
func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// TestFlashAttentionEmpty covers the degenerate sizes: no keys (out = 0,
// lse = −Inf, dq = 0), no queries (dk = dv = 0) and HD = 0.
func TestFlashAttentionEmpty(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		p := kernels.Attention{BH: 2, SQ: 3, SK: 0, HD: 4, Scale: 1}
		out, lse := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}, make([]float32, 6)
		FlashAttention(p, out, lse, make([]float32, 24), nil, nil)
		if slices.ContainsFunc(out, func(x float32) bool { return x != 0 }) || !slices.Equal(lse, slices.Repeat([]float32{float32(math.Inf(-1))}, 6)) {
			t.Errorf("SK=0: out %v lse %v, want zeros and -Inf", out, lse)
		}
		dq := slices.Repeat([]float32{1}, 24)
		FlashAttentionBackward(p, dq, nil, nil, make([]float32, 24), make([]float32, 24), nil, nil, out, lse)
		if slices.ContainsFunc(dq, func(x float32) bool { return x != 0 }) {
			t.Errorf("SK=0: dq %v, want zeros", dq)
		}
		p = kernels.Attention{BH: 2, SQ: 0, SK: 3, HD: 4, Scale: 1}
		dk, dv := slices.Repeat([]float32{1}, 24), slices.Repeat([]float32{1}, 24)
		FlashAttentionBackward(p, nil, dk, dv, nil, nil, make([]float32, 24), make([]float32, 24), nil, nil)
		if slices.ContainsFunc(append(dk, dv...), func(x float32) bool { return x != 0 }) {
			t.Errorf("SQ=0: dk %v dv %v, want zeros", dk, dv)
		}
		p = kernels.Attention{BH: 1, SQ: 2, SK: 5, HD: 0, Scale: 1}
		lse = make([]float32, 2)
		FlashAttention(p, nil, lse, nil, nil, nil)
		if want := float32(math.Log(5)); lse[0] != want || lse[1] != want {
			t.Errorf("HD=0: lse %v, want log 5 = %v", lse, want)
		}
	})
}

func TestFlashAttentionPanicsOnBadLengths(t *testing.T) {
	p := kernels.Attention{BH: 2, SQ: 3, SK: 4, HD: 5, Scale: 1}
	f32 := func(n int) []float32 { return make([]float32, n) }
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"cpu.FlashAttention", func() { FlashAttention(p, f32(30), f32(6), f32(30), f32(40), f32(39)) }},
		{"cpu.FlashAttention", func() { FlashAttention(p, f32(30), f32(5), f32(30), f32(40), f32(40)) }},
		{"cpu.FlashAttentionBackward", func() {
			FlashAttentionBackward(p, f32(30), f32(40), f32(40), f32(30), f32(30), f32(40), f32(40), f32(30), f32(7))
		}},
		{"cpu.FlashAttentionBackward", func() {
			FlashAttentionBackward(p, f32(29), f32(40), f32(40), f32(30), f32(30), f32(40), f32(40), f32(30), f32(6))
		}},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.name) {
					t.Errorf("want a panic naming %s, got %v", c.name, r)
				}
			}()
			c.f()
		}()
	}
}
