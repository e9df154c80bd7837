package gpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// BenchmarkFlashAttention times the fused attention (FlashAttention, and
// FlashAttention + FlashAttentionBackward) of both kernel families, the m
// tiles (mm_*: flash_mm.wgsl, dQ by GEMM) and the tiled kernels (tiled_*:
// flash.wgsl, flash_bwd.wgsl), against the unfused path (Attention, and
// Attention + AttentionBackward) at the ViT-S/14 shapes, head dim 64: 224
// px (B=64, 6 heads, 261 tokens) and 518 px (B=16, 6 heads, 1374 tokens).
// Each family runs the device's first tile of it (on a CPU adapter the
// small m tiles of the tests, rolled: lavapipe's compile time). On a CPU
// adapter they run at 8 heads of 54 tokens unless -gpu.big or
// GOCX_GPU_BIG=1 asks for the real ones:
//
//	go test -run '^$' -bench FlashAttention ./kernels/gpu/ -args -gpu.big
//
// TFLOP/s counts the matrix products the way FlashAttention does: the
// forward is 4·BH·SQ·SK·HD flops (Q·Kᵀ and P·V), the backward 2.5 times
// that (five products: S recomputed, dV, dP, dQ, dK), so forward+backward
// is 3.5 times the forward, for every path alike (the tiled backward
// really does seven products, recomputing S and dP in each of its two
// passes; the m tiles' five, dQ by GEMM; the unfused one four; softmax and
// the row terms are not counted).
func BenchmarkFlashAttention(b *testing.B) {
	d := openTestDevice(b)
	defer d.SetFlashTiles("", "", "")
	shapes := []struct {
		name string
		p    kernels.Attention
	}{
		{"B64_T261", kernels.Attention{BH: 64 * 6, SQ: 261, SK: 261, HD: 64}},
		{"B16_T1374", kernels.Attention{BH: 16 * 6, SQ: 1374, SK: 1374, HD: 64}},
	}
	if !benchBig(d) {
		shapes = shapes[:1]
		shapes[0].name, shapes[0].p = "B8_T54", kernels.Attention{BH: 8, SQ: 54, SK: 54, HD: 64}
	}
	families := flashBenchFamilies(b, d, 64)
	rng := rand.New(rand.NewPCG(81, 82))
	for _, s := range shapes {
		p := s.p
		p.Scale = 1 / math.Sqrt(float64(p.HD))
		nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
		buf := benchBuffers(b, d, rng, nq, nkv, nkv, nq, nq, nq, nkv, nkv, p.BH*p.SQ)
		q, k, v, dout, out, dq, dk, dv, lse := buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7], buf[8]
		fwd := 4 * float64(p.BH) * float64(p.SQ) * float64(p.SK) * float64(p.HD)
		tflops := func(b *testing.B, flops float64, op func() error) {
			// runQueued reports units·1e-9 per second: flops/1e3 gives TFLOP/s.
			runQueued(b, d, flops/1e3, "TFLOP/s", op)
		}
		for _, f := range families {
			force := func(b *testing.B) {
				if err := d.SetFlashTiles(f.tiles[0], f.tiles[1], f.tiles[2]); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(s.name+"/"+f.name+"_fwd", func(b *testing.B) {
				force(b)
				tflops(b, fwd, func() error { return d.FlashAttention(p, out, lse, q, k, v) })
			})
			b.Run(s.name+"/"+f.name+"_fwdbwd", func(b *testing.B) {
				force(b)
				tflops(b, 3.5*fwd, func() error {
					if err := d.FlashAttention(p, out, lse, q, k, v); err != nil {
						return err
					}
					return d.FlashAttentionBackward(p, dq, dk, dv, dout, q, k, v, out, lse)
				})
			})
			force(b)
			b.Logf("%s %s: %s", s.name, f.name, d.FlashTilesFor(p.HD))
		}
		probs := benchBuffers(b, d, rng, p.BH*p.SQ*p.SK)[0]
		b.Run(s.name+"/unfused_fwd", func(b *testing.B) {
			tflops(b, fwd, func() error { return d.Attention(p, out, probs, q, k, v) })
		})
		b.Run(s.name+"/unfused_fwdbwd", func(b *testing.B) {
			tflops(b, 3.5*fwd, func() error {
				if err := d.Attention(p, out, probs, q, k, v); err != nil {
					return err
				}
				return d.AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
			})
		})
	}
}

// flashBench is a kernel family of BenchmarkFlashAttention: the tiles to
// force (fwd, kv, q).
type flashBench struct {
	name  string
	tiles [3]string
}

// flashBenchFamilies returns the families BenchmarkFlashAttention runs on
// d at head dim hd: the first tiled tiles of the device's form, and the
// first m tiles (on a CPU adapter the cheap set of TestFlashAttentionMM).
func flashBenchFamilies(b *testing.B, d *Device, hd int) []flashBench {
	var tiled [3]string
	for i, pass := range flashPasses {
		v, err := d.flashTiledVariant(pass, hd)
		if err != nil {
			b.Fatal(err)
		}
		tiled[i] = v.Name
	}
	mm := [3]string{flashMMSets[0][0], flashMMSets[0][1], ""}
	if d.Info().DeviceType != "CPU" {
		for i, pass := range flashPasses[:2] {
			d.mu.Lock()
			v, err := pickFlashVariant(pass, hd, d.flashFormFor(), nil, true,
				int(d.limits.MaxComputeWorkgroupStorageSize), int(d.limits.MaxComputeInvocationsPerWorkgroup))
			d.mu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
			mm[i] = v.Name
		}
	}
	return []flashBench{{"mm", mm}, {"tiled", tiled}}
}
