package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/gpu"
)

// attnBench (-attn) compares the fused attention (FlashAttention and
// FlashAttentionBackward) with the unfused path (Attention and
// AttentionBackward) at the ViT-S/14 shapes, head dim 64: 224 px (B=64, 6
// heads, 261 tokens) and 518 px (B=16, 6 heads, 1374 tokens), forward and
// forward+backward, after a correctness spot-check of the fused result
// against the unfused one. TFLOP/s counts the forward as 4·BH·SQ·SK·HD
// flops and the backward as 2.5 times that (FlashAttention's convention).
// Then it times every tile of each fused pass that fits the device (one
// pass forced at a time, the others automatic), with and without subgroup
// reductions for the forward, so the tile tables in kernels/gpu/flash.go
// can be corrected. -small runs tiny shapes (for lavapipe).
func attnBench(d *gpu.Device) error {
	shapes := []struct {
		name string
		p    kernels.Attention
	}{
		{"B=64 H=6 T=261 ", kernels.Attention{BH: 64 * 6, SQ: 261, SK: 261, HD: 64}},
		{"B=16 H=6 T=1374", kernels.Attention{BH: 16 * 6, SQ: 1374, SK: 1374, HD: 64}},
	}
	if *small {
		shapes[0].name, shapes[0].p = "B=2 H=4 T=54   ", kernels.Attention{BH: 8, SQ: 54, SK: 54, HD: 64}
		shapes[1].name, shapes[1].p = "B=1 H=2 T=261  ", kernels.Attention{BH: 2, SQ: 261, SK: 261, HD: 64}
	}
	ok, size := d.Subgroups()
	fmt.Printf("\nattention, head dim 64 (median of %d runs of %d queued calls; subgroups %v size %d)\n", *runs, *batch, ok, size)
	fmt.Printf("flash tiles: %s\n", d.FlashTilesFor(64))
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range shapes {
		p := s.p
		p.Scale = 1 / math.Sqrt(float64(p.HD))
		nq, nkv, np := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD, p.BH*p.SQ*p.SK
		var bufs []*gpu.Buffer
		alloc := func(n int) (*gpu.Buffer, error) {
			b, err := randBuffer(d, rng, n)
			if err == nil {
				bufs = append(bufs, b)
			}
			return b, err
		}
		var all [11]*gpu.Buffer
		for i, n := range []int{nq, nkv, nkv, nq, nq, p.BH * p.SQ, nq, nkv, nkv, nq, np} {
			var err error
			if all[i], err = alloc(n); err != nil {
				return err
			}
		}
		q, k, v, dout, out, lse, dq, dk, dv, uout, probs := all[0], all[1], all[2], all[3], all[4], all[5], all[6], all[7], all[8], all[9], all[10]
		fwd := func() error { return d.FlashAttention(p, out, lse, q, k, v) }
		fwdbwd := func() error {
			if err := fwd(); err != nil {
				return err
			}
			return d.FlashAttentionBackward(p, dq, dk, dv, dout, q, k, v, out, lse)
		}
		ufwd := func() error { return d.Attention(p, uout, probs, q, k, v) }
		ufwdbwd := func() error {
			if err := ufwd(); err != nil {
				return err
			}
			return d.AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
		}
		if err := attnCheck(d, p, fwd, ufwd, out, uout); err != nil {
			return err
		}
		flops := 4 * float64(p.BH) * float64(p.SQ) * float64(p.SK) * float64(p.HD)
		fmt.Printf("  %s %-8s %s\n", s.name, "", "fused                      unfused                    unfused/fused")
		for _, m := range []struct {
			name        string
			flops       float64
			fused, base func() error
		}{{"fwd", flops, fwd, ufwd}, {"fwd+bwd", 3.5 * flops, fwdbwd, ufwdbwd}} {
			tf, err := timeOp(d, m.fused)
			if err != nil {
				return err
			}
			tu, err := timeOp(d, m.base)
			if err != nil {
				return err
			}
			fmt.Printf("  %s %-8s %8.3f ms %7.3f TFLOP/s   %8.3f ms %7.3f TFLOP/s   %5.2fx\n", s.name, m.name,
				ms(tf), m.flops/tf.Seconds()/1e12, ms(tu), m.flops/tu.Seconds()/1e12, tu.Seconds()/tf.Seconds())
		}
		if err := attnTiles(d, p, fwd, fwdbwd); err != nil {
			return err
		}
		for _, b := range bufs {
			b.Release()
		}
	}
	return nil
}

func ms(t time.Duration) float64 { return t.Seconds() * 1e3 }

// attnCheck runs the fused and the unfused forward once and compares the
// outputs (relative norm).
func attnCheck(d *gpu.Device, p kernels.Attention, fused, unfused func() error, out, uout *gpu.Buffer) error {
	if err := fused(); err != nil {
		return err
	}
	if err := unfused(); err != nil {
		return err
	}
	a, b := make([]float32, out.Len()), make([]float32, uout.Len())
	if err := d.Download(a, out); err != nil {
		return err
	}
	if err := d.Download(b, uout); err != nil {
		return err
	}
	var num, den float64
	for i := range a {
		e := float64(a[i]) - float64(b[i])
		num += e * e
		den += float64(b[i]) * float64(b[i])
	}
	rel := math.Sqrt(num / den)
	fmt.Printf("  check %+v: ||fused − unfused|| / ||unfused|| = %.2e\n", p, rel)
	if !(rel < 1e-4) {
		return fmt.Errorf("fused attention differs from the unfused one: relative error %.3g", rel)
	}
	return nil
}

// attnTiles times each fitting tile of each fused pass, forcing one pass at
// a time: forward tiles on the forward (with and without subgroups),
// backward tiles on forward+backward.
func attnTiles(d *gpu.Device, p kernels.Attention, fwd, fwdbwd func() error) error {
	defer d.SetFlashTiles("", "", "")
	defer d.SetSubgroups(true)
	tiles := d.FlashTiles(p.HD)
	for i, pass := range []string{"fwd", "kv", "q"} {
		var line []string
		for _, t := range tiles[pass] {
			force := []string{"", "", ""}
			force[i] = t
			if err := d.SetFlashTiles(force[0], force[1], force[2]); err != nil {
				return err
			}
			op := fwdbwd
			sgs := []bool{true}
			if pass == "fwd" {
				op, sgs = fwd, []bool{true, false}
			}
			for _, sg := range sgs {
				d.SetSubgroups(sg)
				dt, err := timeOp(d, op)
				if err != nil {
					return err
				}
				name := t
				if pass == "fwd" && strings.Contains(d.FlashTilesFor(p.HD), "+sg") {
					name += "+sg"
				}
				line = append(line, fmt.Sprintf("%s %.3f", name, ms(dt)))
			}
		}
		what := "fwd ms"
		if pass != "fwd" {
			what = "fwd+bwd ms"
		}
		fmt.Printf("    %-3s tiles (%s): %s\n", pass, what, strings.Join(line, ", "))
	}
	return nil
}
