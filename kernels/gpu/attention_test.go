package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// TestAttention checks the forward (out and probs) and the backward (dq,
// dk, dv) against the float64 reference at sequence lengths 1, 7 and 54,
// a cross-attention shape, head dims that are and are not multiples of 4,
// and a small batch of heads. The GEMM tile is pinned to 32×32 so that
// lavapipe compiles few GEMM variants (the tile choice is the GEMM tests'
// business).
func TestAttention(t *testing.T) {
	d := openTestDevice(t)
	if err := d.SetGemmTile("32x32", 0); err != nil {
		t.Fatal(err)
	}
	defer d.SetGemmTile("", 0)
	rng := rand.New(rand.NewPCG(51, 52))
	cases := []kernels.Attention{
		{BH: 3, SQ: 1, SK: 1, HD: 8},
		{BH: 3, SQ: 7, SK: 7, HD: 5},
		{BH: 3, SQ: 54, SK: 54, HD: 64},
		{BH: 2, SQ: 7, SK: 54, HD: 16},
		{BH: 1, SQ: 54, SK: 7, HD: 3},
	}
	for _, p := range cases {
		p.Scale = 1 / math.Sqrt(float64(p.HD))
		name := fmt.Sprintf("%+v", p)
		nq, nkv, np := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD, p.BH*p.SQ*p.SK
		q, gq := ktRand(t, d, rng, nq)
		k, gk := ktRand(t, d, rng, nkv)
		v, gv := ktRand(t, d, rng, nkv)
		gout, gp := ktAlloc(t, d, nq), ktAlloc(t, d, np)
		if err := d.Attention(p, gout, gp, gq, gk, gv); err != nil {
			t.Fatal(err)
		}
		out, probs := make([]float64, nq), make([]float64, np)
		ref.Attention(p, out, probs, to64(q), to64(k), to64(v))
		ktRel(t, name+" out", mustDownload(t, d, gout), out, 1e-6)
		pf := mustDownload(t, d, gp)
		ktRel(t, name+" probs", pf, probs, 1e-6)

		dout, gdout := ktRand(t, d, rng, nq)
		gdq, gdk, gdv := ktAlloc(t, d, nq), ktAlloc(t, d, nkv), ktAlloc(t, d, nkv)
		if err := d.AttentionBackward(p, gdq, gdk, gdv, gdout, gq, gk, gv, gp); err != nil {
			t.Fatal(err)
		}
		dq, dk, dv := make([]float64, nq), make([]float64, nkv), make([]float64, nkv)
		// The reference backward takes the device's float32 probabilities,
		// so only the backward's own error is measured.
		ref.AttentionBackward(p, dq, dk, dv, to64(dout), to64(q), to64(k), to64(v), to64(pf))
		ktRel(t, name+" dq", mustDownload(t, d, gdq), dq, 1e-6)
		ktRel(t, name+" dk", mustDownload(t, d, gdk), dk, 1e-6)
		ktRel(t, name+" dv", mustDownload(t, d, gdv), dv, 1e-6)
		ktRelease(gq, gk, gv, gout, gp, gdout, gdq, gdk, gdv)
	}
}

func TestAttentionPanics(t *testing.T) {
	d := openTestDevice(t)
	p := kernels.Attention{BH: 2, SQ: 3, SK: 3, HD: 2, Scale: 1}
	a, b, c := ktAlloc(t, d, 12), ktAlloc(t, d, 12), ktAlloc(t, d, 18)
	defer ktRelease(a, b, c)
	ktPanics(t, "gpu.Attention", func() { d.Attention(p, a, b, c, c, c) })
	ktPanics(t, "gpu.Attention", func() { d.Attention(p, a, b, a, a, a) })
	ktPanics(t, "gpu.AttentionBackward", func() { d.AttentionBackward(p, a, a, a, b, b, b, b, c) })
}

// BenchmarkAttention reports GFLOP/s of the forward (4·BH·SQ·SK·HD flops:
// two GEMMs) and the backward (8·BH·SQ·SK·HD: four GEMMs); the softmax rows
// are not counted. GOCX_GPU_BIG=1 runs the ViT-S/14 shape at 224 px, batch
// 64 (BH = 64·6 = 384 heads, 261 tokens, head dim 64); otherwise a tiny one.
func BenchmarkAttention(b *testing.B) {
	d := openTestDevice(b)
	p := kernels.Attention{BH: 4, SQ: 54, SK: 54, HD: 16}
	if os.Getenv("GOCX_GPU_BIG") == "1" {
		p = kernels.Attention{BH: 384, SQ: 261, SK: 261, HD: 64}
	}
	p.Scale = 1 / math.Sqrt(float64(p.HD))
	rng := rand.New(rand.NewPCG(53, 54))
	nq, nkv, np := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD, p.BH*p.SQ*p.SK
	var bufs []*Buffer
	up := func(n int) *Buffer {
		g := mustUpload(b, d, randSlice(rng, n))
		bufs = append(bufs, g)
		return g
	}
	q, k, v, out, probs, dout := up(nq), up(nkv), up(nkv), up(nq), up(np), up(nq)
	dq, dk, dv := up(nq), up(nkv), up(nkv)
	defer ktRelease(bufs...)
	flops := 4 * float64(p.BH*p.SQ*p.SK*p.HD)
	b.Run("fwd", func(b *testing.B) {
		ktBenchFlops(b, d, flops, func() error { return d.Attention(p, out, probs, q, k, v) })
	})
	b.Run("bwd", func(b *testing.B) {
		ktBenchFlops(b, d, 2*flops, func() error { return d.AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs) })
	})
}

// ktBenchFlops is ktBenchLoop reporting GFLOP/s.
func ktBenchFlops(b *testing.B, d *Device, flops float64, op func() error) {
	if err := op(); err != nil {
		b.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
}
