package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// benchAttn is ViT-S/14 attention on a batch of 8 images at 224 px:
// 8 images × 6 heads, 261 tokens, head dimension 64.
var benchAttn = kernels.Attention{BH: 8 * 6, SQ: 261, SK: 261, HD: 64, Scale: 1 / math.Sqrt(64)}

// attnFlops counts the GEMM flops of one problem set (two GEMMs of
// 2·SQ·SK·HD each forward, four backward); the softmax is not counted.
func attnFlops(p kernels.Attention, gemms int) float64 {
	return float64(gemms) * 2 * float64(p.BH) * float64(p.SQ) * float64(p.SK) * float64(p.HD)
}

func BenchmarkAttention(b *testing.B) {
	p := benchAttn
	rng := rand.New(rand.NewPCG(1, 1))
	q, k, v := attnInputs(rng, p)
	out, probs := make([]float32, len(q)), make([]float32, p.BH*p.SQ*p.SK)
	dq, dk, dv, dout := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v)), randSlice(rng, len(q))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			Attention(p, out, probs, q, k, v)
		}
		b.ReportMetric(attnFlops(p, 2)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("forward+backward", func(b *testing.B) {
		for b.Loop() {
			Attention(p, out, probs, q, k, v)
			AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
		}
		b.ReportMetric(attnFlops(p, 6)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
