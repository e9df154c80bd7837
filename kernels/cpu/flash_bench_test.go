package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// flashBenchShapes are the attention shapes, ViT-S (6 heads of
// 64): a batch of 64 images at 224 px (261 tokens) and 16 at 518 px (1374
// tokens). The larger is seconds per operation on two cores: run these
// with -benchtime=1x or 2x.
var flashBenchShapes = []struct {
	name string
	p    kernels.Attention
}{
	{"B64x6x261", kernels.Attention{BH: 64 * 6, SQ: 261, SK: 261, HD: 64, Scale: 1 / math.Sqrt(64)}},
	{"B16x6x1374", kernels.Attention{BH: 16 * 6, SQ: 1374, SK: 1374, HD: 64, Scale: 1 / math.Sqrt(64)}},
}

// flashFlops is the nominal flop count of attention, the same for the
// fused and the unfused kernels so that GFLOP/s compare as times do: the
// forward is two products of 2·SQ·SK·HD per problem (4·BH·SQ·SK·HD), the
// backward five (recomputed scores, dP, dV, dQ, dK: 2.5× the forward).
func flashFlops(p kernels.Attention, backward bool) float64 {
	f := 4 * float64(p.BH) * float64(p.SQ) * float64(p.SK) * float64(p.HD)
	if backward {
		f *= 3.5
	}
	return f
}

// BenchmarkFlashAttention times the fused kernels and, next to them, the
// unfused Attention/AttentionBackward (GEMM + softmax with the BH×SQ×SK
// probabilities) on the same shapes, forward and forward+backward.
func BenchmarkFlashAttention(b *testing.B) {
	for _, s := range flashBenchShapes {
		p := s.p
		rng := rand.New(rand.NewPCG(3, 4))
		q, k, v := attnInputs(rng, p)
		dout := randSlice(rng, len(q))
		out, lse := make([]float32, len(q)), make([]float32, p.BH*p.SQ)
		dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
		// Each sub-benchmark runs once before timing: the first call pays
		// for page faults on the outputs (725 MB of probabilities for the
		// unfused kernels at 1374 tokens).
		report := func(b *testing.B, backward bool) {
			b.ReportMetric(flashFlops(p, backward)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("%s/fused/fwd", s.name), func(b *testing.B) {
			FlashAttention(p, out, lse, q, k, v)
			for b.Loop() {
				FlashAttention(p, out, lse, q, k, v)
			}
			report(b, false)
		})
		b.Run(fmt.Sprintf("%s/fused/fwdbwd", s.name), func(b *testing.B) {
			FlashAttentionBackward(p, dq, dk, dv, dout, q, k, v, out, lse)
			for b.Loop() {
				FlashAttention(p, out, lse, q, k, v)
				FlashAttentionBackward(p, dq, dk, dv, dout, q, k, v, out, lse)
			}
			report(b, true)
		})
		probs := make([]float32, p.BH*p.SQ*p.SK)
		b.Run(fmt.Sprintf("%s/unfused/fwd", s.name), func(b *testing.B) {
			Attention(p, out, probs, q, k, v)
			for b.Loop() {
				Attention(p, out, probs, q, k, v)
			}
			report(b, false)
		})
		b.Run(fmt.Sprintf("%s/unfused/fwdbwd", s.name), func(b *testing.B) {
			AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
			for b.Loop() {
				Attention(p, out, probs, q, k, v)
				AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
			}
			report(b, true)
		})
	}
}
