package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// Attention bounds (relative norm against ref in float64). Forward: the
// scores are a K=HD float32 GEMM, then a float32 softmax over SK and a
// K=SK GEMM, each adding ~u·√n (u = 2^-24 ≈ 6e-8); the largest error
// measured over these cases is 4e-7 (out) and 3e-7 (probs). Backward:
// four GEMMs and the softmax backward, whose rowsum subtraction cancels;
// measured at most 3.3e-7. Both bounds leave ~25× headroom while a single
// wrong row of a head is ~1e-1.
const (
	attnTol    = 1e-5
	attnBwdTol = 1e-5
)

// attnCases covers one token, primes, a ViT-S/14 sequence (261 = 1 cls +
// 4 registers + 16×16 patches) and SQ != SK, with more and fewer heads
// than threads.
var attnCases = []kernels.Attention{
	{BH: 2, SQ: 1, SK: 1, HD: 8},
	{BH: 3, SQ: 7, SK: 7, HD: 13},
	{BH: 1, SQ: 54, SK: 54, HD: 64},
	{BH: 4, SQ: 54, SK: 7, HD: 31},
	{BH: 3, SQ: 1, SK: 261, HD: 64},
	{BH: 2, SQ: 261, SK: 261, HD: 64},
}

func attnInputs(rng *rand.Rand, p kernels.Attention) (q, k, v []float32) {
	return randSlice(rng, p.BH*p.SQ*p.HD), randSlice(rng, p.BH*p.SK*p.HD), randSlice(rng, p.BH*p.SK*p.HD)
}

func TestAttention(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, p := range attnCases {
			p.Scale = 1 / math.Sqrt(float64(p.HD))
			q, k, v := attnInputs(rng, p)
			out, probs := make([]float32, p.BH*p.SQ*p.HD), make([]float32, p.BH*p.SQ*p.SK)
			wOut, wProbs := make([]float64, len(out)), make([]float64, len(probs))
			ref.Attention(p, wOut, wProbs, to64(q), to64(k), to64(v))
			for _, threads := range []int{1, 2, 3} {
				withThreads(threads, func() { Attention(p, out, probs, q, k, v) })
				if e := relErr(probs, wProbs); !(e <= attnTol) {
					t.Errorf("%+v threads %d: probs rel err %.3g > %g", p, threads, e, attnTol)
				}
				if e := relErr(out, wOut); !(e <= attnTol) {
					t.Errorf("%+v threads %d: out rel err %.3g > %g", p, threads, e, attnTol)
				}
			}
		}
	})
}

func TestAttentionBackward(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, p := range attnCases {
			p.Scale = 1 / math.Sqrt(float64(p.HD))
			q, k, v := attnInputs(rng, p)
			dout := randSlice(rng, p.BH*p.SQ*p.HD)
			// The saved probabilities come from the float64 forward (rounded
			// to float32), so both sides differentiate the same P.
			wOut, wProbs := make([]float64, len(dout)), make([]float64, p.BH*p.SQ*p.SK)
			ref.Attention(p, wOut, wProbs, to64(q), to64(k), to64(v))
			probs := make([]float32, len(wProbs))
			for i, x := range wProbs {
				probs[i] = float32(x)
			}
			wdq, wdk, wdv := make([]float64, len(q)), make([]float64, len(k)), make([]float64, len(v))
			ref.AttentionBackward(p, wdq, wdk, wdv, to64(dout), to64(q), to64(k), to64(v), to64(probs))
			dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
			for _, threads := range []int{1, 2} {
				withThreads(threads, func() { AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs) })
				for _, g := range []struct {
					name string
					got  []float32
					want []float64
				}{{"dq", dq, wdq}, {"dk", dk, wdk}, {"dv", dv, wdv}} {
					if e := relErr(g.got, g.want); !(e <= attnBwdTol) {
						t.Errorf("%+v threads %d: %s rel err %.3g > %g", p, threads, g.name, e, attnBwdTol)
					}
				}
			}
		}
	})
}

func TestAttentionPanicsOnBadLengths(t *testing.T) {
	p := kernels.Attention{BH: 2, SQ: 3, SK: 4, HD: 5, Scale: 1}
	for name, f := range map[string]func(){
		"cpu.Attention": func() {
			Attention(p, make([]float32, 30), make([]float32, 23), make([]float32, 30), make([]float32, 40), make([]float32, 40))
		},
		"cpu.AttentionBackward": func() {
			AttentionBackward(p, make([]float32, 30), make([]float32, 40), make([]float32, 39),
				make([]float32, 30), make([]float32, 30), make([]float32, 40), make([]float32, 40), make([]float32, 24))
		},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), name) {
					t.Errorf("want a panic naming %s, got %v", name, r)
				}
			}()
			f()
		}()
	}
}
