package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/gpu"
)

var attnSweep = flag.String("attnsweep", "all", "with -attn: which flash tiles to sweep: all, m (the m tiles), tiled, none (on lavapipe use tiled or none: the m tiles at GPU sizes compile for minutes there)")

// attnBench (-attn) compares the fused attention (FlashAttention and
// FlashAttentionBackward) with the unfused path (Attention and
// AttentionBackward) at the ViT-S/14 shapes, head dim 64: 224 px (B=64, 6
// heads, 261 tokens) and 518 px (B=16, 6 heads, 1374 tokens), forward and
// forward+backward. TFLOP/s counts the forward as 4·BH·SQ·SK·HD flops and
// the backward as 2.5 times that (FlashAttention's convention).
//
// Then it times every tile of each fused pass that fits the device (one
// pass forced at a time, the others automatic; -attnsweep picks the
// families), with and without subgroup reductions for the forward, and
// checks each against the unfused result (relative norm of out, or of dq,
// dk and dv, below 1e-4; a variant that fails prints WRONG and is not
// ranked). The m tiles' kv pass computes dQ by GEMM, so the q tiles are
// timed with the first tiled kv tile. Last, the fastest correct forward
// and backward tiles together, against the unfused path: the line to read
// for the tile tables in kernels/gpu/flash.go and for the default of
// tensor.HasFusedAttention. -small runs tiny shapes (for lavapipe).
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
		if err := attnShape(d, rng, s.name, s.p); err != nil {
			return err
		}
	}
	return nil
}

// attnRun holds the buffers of one shape and the unfused reference.
type attnRun struct {
	d                                              *gpu.Device
	p                                              kernels.Attention
	q, k, v, dout, out, lse, dq, dk, dv, uout, prb *gpu.Buffer
	want                                           map[*gpu.Buffer][]float32 // unfused out, dq, dk, dv
}

func (r *attnRun) fwd() error { return r.d.FlashAttention(r.p, r.out, r.lse, r.q, r.k, r.v) }

func (r *attnRun) fwdbwd() error {
	if err := r.fwd(); err != nil {
		return err
	}
	return r.d.FlashAttentionBackward(r.p, r.dq, r.dk, r.dv, r.dout, r.q, r.k, r.v, r.out, r.lse)
}

func (r *attnRun) ufwd() error { return r.d.Attention(r.p, r.uout, r.prb, r.q, r.k, r.v) }

func (r *attnRun) ufwdbwd() error {
	if err := r.ufwd(); err != nil {
		return err
	}
	return r.d.AttentionBackward(r.p, r.dq, r.dk, r.dv, r.dout, r.q, r.k, r.v, r.prb)
}

// check runs op once and returns the largest relative-norm error of the
// given outputs against the unfused reference.
func (r *attnRun) check(op func() error, outs ...*gpu.Buffer) (float64, error) {
	if err := op(); err != nil {
		return 0, err
	}
	worst := 0.0
	for _, b := range outs {
		got := make([]float32, b.Len())
		if err := r.d.Download(got, b); err != nil {
			return 0, err
		}
		var num, den float64
		for i, w := range r.want[b] {
			e := float64(got[i]) - float64(w)
			num += e * e
			den += float64(w) * float64(w)
		}
		rel := math.Sqrt(num / den)
		if !(rel <= worst) { // NaN counts as worst
			worst = rel
		}
	}
	return worst, nil
}

func attnShape(d *gpu.Device, rng *rand.Rand, name string, p kernels.Attention) error {
	p.Scale = 1 / math.Sqrt(float64(p.HD))
	nq, nkv, np := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD, p.BH*p.SQ*p.SK
	r := &attnRun{d: d, p: p, want: map[*gpu.Buffer][]float32{}}
	var bufs []*gpu.Buffer
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	for _, x := range []struct {
		dst **gpu.Buffer
		n   int
	}{{&r.q, nq}, {&r.k, nkv}, {&r.v, nkv}, {&r.dout, nq}, {&r.out, nq}, {&r.lse, p.BH * p.SQ},
		{&r.dq, nq}, {&r.dk, nkv}, {&r.dv, nkv}, {&r.uout, nq}, {&r.prb, np}} {
		b, err := randBuffer(d, rng, x.n)
		if err != nil {
			return err
		}
		bufs = append(bufs, b)
		*x.dst = b
	}
	// The unfused reference: out, dq, dk, dv.
	if err := r.ufwdbwd(); err != nil {
		return err
	}
	for _, b := range []*gpu.Buffer{r.uout, r.dq, r.dk, r.dv} {
		w := make([]float32, b.Len())
		if err := d.Download(w, b); err != nil {
			return err
		}
		r.want[b] = w
	}
	r.want[r.out] = r.want[r.uout]
	flops := 4 * float64(p.BH) * float64(p.SQ) * float64(p.SK) * float64(p.HD)
	base := map[string]time.Duration{}
	// A failure of the default tiles is reported, not fatal: the sweep
	// below still times (and checks) every tile.
	if err := attnDefault(r, name, flops, base); err != nil {
		fmt.Printf("  %s fused with the default tiles (%s): %v\n", name, d.FlashTilesFor(p.HD), err)
	}
	if *attnSweep == "none" {
		return nil
	}
	return attnTiles(r, name, flops, base)
}

// attnDefault checks the fused attention with the automatic tiles against
// the unfused one and times both (base gets the unfused times).
func attnDefault(r *attnRun, name string, flops float64, base map[string]time.Duration) error {
	d, p := r.d, r.p
	fwdErr, err := r.check(r.fwd, r.out)
	if err != nil {
		return err
	}
	bwdErr, err := r.check(r.fwdbwd, r.dq, r.dk, r.dv)
	if err != nil {
		return err
	}
	fmt.Printf("  check %+v, tiles %s: ||fused − unfused|| / ||unfused||: out %.2e, gradients %.2e %s\n",
		p, d.FlashTilesFor(p.HD), fwdErr, bwdErr, verdict(max(fwdErr, bwdErr)))
	fmt.Printf("  %s %-8s %s\n", name, "", "fused                      unfused                    unfused/fused")
	for _, m := range []struct {
		name        string
		flops       float64
		fused, base func() error
	}{{"fwd", flops, r.fwd, r.ufwd}, {"fwd+bwd", 3.5 * flops, r.fwdbwd, r.ufwdbwd}} {
		tf, err := timeOp(d, m.fused)
		if err != nil {
			return err
		}
		tu, err := timeOp(d, m.base)
		if err != nil {
			return err
		}
		base[m.name] = tu
		fmt.Printf("  %s %-8s %8.3f ms %7.3f TFLOP/s   %8.3f ms %7.3f TFLOP/s   %5.2fx\n", name, m.name,
			ms(tf), m.flops/tf.Seconds()/1e12, ms(tu), m.flops/tu.Seconds()/1e12, tu.Seconds()/tf.Seconds())
	}
	return nil
}

func verdict(rel float64) string {
	if rel < 1e-4 {
		return "ok"
	}
	return "WRONG"
}

func ms(t time.Duration) float64 { return t.Seconds() * 1e3 }

// attnTiles times and checks each fitting tile of each fused pass, forcing
// one pass at a time: forward tiles on the forward (with and without
// subgroups), kv tiles on forward+backward (the tiled ones with the
// automatic tiled q tile), q tiles on forward+backward with the first tiled
// kv tile. Then the best correct forward and kv (and q) tiles together.
func attnTiles(r *attnRun, name string, flops float64, base map[string]time.Duration) error {
	d, p := r.d, r.p
	defer d.SetFlashTiles("", "", "")
	defer d.SetSubgroups(true)
	tiles := d.FlashTiles(p.HD)
	want := func(t string) bool {
		mm := strings.HasPrefix(t, "m")
		return *attnSweep == "all" || (*attnSweep == "m") == mm
	}
	firstTiledKV := ""
	for _, t := range tiles["kv"] {
		if !strings.HasPrefix(t, "m") {
			firstTiledKV = t
			break
		}
	}
	type best struct {
		tile string
		sg   bool
		t    time.Duration
	}
	bests := map[string]*best{}
	for i, pass := range []string{"fwd", "kv", "q"} {
		var line []string
		for _, t := range tiles[pass] {
			if pass != "q" && !want(t) || pass == "q" && (firstTiledKV == "" || *attnSweep == "m") {
				continue
			}
			force := []string{"", "", ""}
			force[i] = t
			if pass == "q" {
				force[1] = firstTiledKV
			}
			if err := d.SetFlashTiles(force[0], force[1], force[2]); err != nil {
				return err
			}
			op, outs, sgs := r.fwdbwd, []*gpu.Buffer{r.dq, r.dk, r.dv}, []bool{true}
			if pass == "fwd" {
				op, outs, sgs = r.fwd, []*gpu.Buffer{r.out}, []bool{true, false}
			}
			for _, sg := range sgs {
				d.SetSubgroups(sg)
				label := t
				if pass == "fwd" && strings.Contains(d.FlashTilesFor(p.HD), "+sg") {
					label += "+sg"
				} else if pass == "fwd" && sg {
					continue // no subgroup variant: the plain one follows
				}
				rel, err := r.check(op, outs...)
				if err != nil {
					line = append(line, fmt.Sprintf("%s error: %v", label, err))
					continue
				}
				dt, err := timeOp(d, op)
				if err != nil {
					return err
				}
				v := verdict(rel)
				if v == "ok" {
					if b := bests[pass]; b == nil || dt < b.t {
						bests[pass] = &best{t, sg, dt}
					}
					v = ""
				} else {
					v = fmt.Sprintf(" WRONG (%.1e)", rel)
				}
				line = append(line, fmt.Sprintf("%s %.3f%s", label, ms(dt), v))
			}
		}
		if len(line) == 0 {
			continue
		}
		what := "fwd ms"
		if pass != "fwd" {
			what = "fwd+bwd ms"
		}
		if pass == "q" {
			what += ", kv " + firstTiledKV
		}
		fmt.Printf("    %-3s tiles (%s): %s\n", pass, what, strings.Join(line, ", "))
	}
	// The best forward with the best backward.
	bf, bk := bests["fwd"], bests["kv"]
	if bf == nil || bk == nil {
		return nil
	}
	q := ""
	if b := bests["q"]; b != nil && !strings.HasPrefix(bk.tile, "m") {
		q = b.tile
	}
	if err := d.SetFlashTiles(bf.tile, bk.tile, q); err != nil {
		return err
	}
	d.SetSubgroups(bf.sg)
	rf, err := r.check(r.fwd, r.out)
	if err != nil {
		return err
	}
	rb, err := r.check(r.fwdbwd, r.dq, r.dk, r.dv)
	if err != nil {
		return err
	}
	tf, err := timeOp(d, r.fwd)
	if err != nil {
		return err
	}
	tb, err := timeOp(d, r.fwdbwd)
	if err != nil {
		return err
	}
	fmt.Printf("  %s best: %s (subgroups %v): fwd %.3f ms %.3f TFLOP/s (unfused/fused %.2fx), fwd+bwd %.3f ms %.3f TFLOP/s (unfused/fused %.2fx), %s\n",
		name, d.FlashTilesFor(p.HD), bf.sg, ms(tf), flops/tf.Seconds()/1e12, base["fwd"].Seconds()/tf.Seconds(),
		ms(tb), 3.5*flops/tb.Seconds()/1e12, base["fwd+bwd"].Seconds()/tb.Seconds(), verdict(max(rf, rb)))
	return nil
}
