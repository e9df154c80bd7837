// Command gpubench measures the gocx GPU kernels on the best adapter
// found: adapter report and probes, a GEMM correctness spot-check at 4096³
// (sampled outputs against float64 dot products on the CPU), GEMM GFLOP/s
// for squares and the ViT-S Linear layers (forward and both backward
// products), row-kernel and copy GB/s, and the per-dispatch overhead.
//
// It needs no cgo (CGO_ENABLED=0 go build ./kernels/gpu/cmd/gpubench) and
// only the Vulkan loader (libvulkan.so.1) and a driver on the machine.
// Timings are host clocks around Sync: -batch ops are queued, then one
// Sync; the figure is the median over -n such runs.
//
//	gpubench              # everything at full size
//	gpubench -tiles       # also every GEMM tile variant for every shape
//	gpubench -small       # tiny sizes, to try it on lavapipe
//	gpubench -attn        # only fused vs unfused attention (and every flash tile)
//	gpubench -rowsonly    # only the row-kernel, GELU and copy variants (see rows.go)
//	gpubench -norows -tiles -shapes dW   # every tile for the split-K weight gradients
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/gpu"
)

var (
	runs     = flag.Int("n", 7, "timed runs per measurement (the median is reported)")
	batch    = flag.Int("batch", 10, "ops queued between two Syncs in one run")
	allTiles = flag.Bool("tiles", false, "time every GEMM tile variant (and the grouped tile order) for every shape")
	small    = flag.Bool("small", false, "tiny sizes (for a CPU adapter such as lavapipe)")
	backend  = flag.String("backend", "", "adapter backend: vulkan, metal, dx12 or software (default: the first hardware one)")
	skipRows = flag.Bool("norows", false, "skip the row-kernel and copy measurements")
	rowsOnly = flag.Bool("rowsonly", false, "only the row-kernel, GELU and copy measurements (every variant)")
	shapes   = flag.String("shapes", "", "only the GEMM shapes whose name contains this string")
	copyOnly = flag.Bool("copyonly", false, "only the copy and GELU stream measurements")
	attn     = flag.Bool("attn", false, "only compare fused with unfused attention at the ViT-S shapes (see attn.go)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gpubench:", err)
		os.Exit(1)
	}
}

func run() error {
	list, err := gpu.Adapters()
	if err != nil {
		return err
	}
	fmt.Println("adapters:")
	for _, a := range list {
		fmt.Println("  " + a.String())
	}
	d, err := gpu.Open(gpu.Options{Backend: *backend})
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Printf("\nopened:\n%s\n", d.Describe())
	if *attn {
		return attnBench(d)
	}

	sq, tok := []int{1024, 2048, 4096}, 64*261
	checkN := 4096
	if *small {
		sq, tok, checkN = []int{64, 128}, 261, 256
	}
	if !*rowsOnly && !*copyOnly {
		if err := gemmCheck(d, checkN); err != nil {
			return err
		}
		if err := gemmSpeed(d, sq, tok); err != nil {
			return err
		}
	}
	if *skipRows {
		return nil
	}
	copyBest, err := streamSpeed(d, tok, *small)
	if err != nil || *copyOnly {
		return err
	}
	if err := rowSpeed(d, tok, *small, copyBest); err != nil {
		return err
	}
	return dispatchOverhead(d)
}

// upload allocates a device buffer holding s.
func upload(d *gpu.Device, s []float32) (*gpu.Buffer, error) {
	b, err := d.Alloc(len(s))
	if err != nil {
		return nil, err
	}
	if err := d.Upload(b, s); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

// randBuffer is a device buffer of n uniform values in [-1, 1).
func randBuffer(d *gpu.Device, rng *rand.Rand, n int) (*gpu.Buffer, error) {
	return upload(d, randSlice(rng, n))
}

// gemmCheck computes C = A·B (and A·Bᵀ) at n³ on the device and compares
// 300 sampled entries with float64 dot products. The error of an entry is
// |c − ref| / Σ_k |a_ik·b_kj|, the bound a float32 dot product of length n
// can reach being about n·2⁻²⁴.
func gemmCheck(d *gpu.Device, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := randSlice(rng, n*n), randSlice(rng, n*n)
	ga, err := upload(d, a)
	if err != nil {
		return err
	}
	defer ga.Release()
	gb, err := upload(d, b)
	if err != nil {
		return err
	}
	defer gb.Release()
	gc, err := d.Alloc(n * n)
	if err != nil {
		return err
	}
	defer gc.Release()
	c := make([]float32, n*n)
	fmt.Printf("GEMM spot-check at %d³ (300 sampled outputs against float64):\n", n)
	bad := false
	for _, transB := range []bool{false, true} {
		p := kernels.Gemm{M: n, N: n, K: n, TransB: transB, Alpha: 1}
		if err := d.Gemm(p, ga, gb, gc); err != nil {
			return err
		}
		if err := d.Download(c, gc); err != nil {
			return err
		}
		worst := 0.0
		for s := 0; s < 300; s++ {
			i, j := rng.IntN(n), rng.IntN(n)
			var ref, mag float64
			for k := 0; k < n; k++ {
				bv := b[k*n+j]
				if transB {
					bv = b[j*n+k]
				}
				t := float64(a[i*n+k]) * float64(bv)
				ref += t
				mag += math.Abs(t)
			}
			worst = max(worst, math.Abs(float64(c[i*n+j])-ref)/mag)
		}
		ok := worst < 1e-5
		bad = bad || !ok
		fmt.Printf("  transB=%-5v tile %-8s max |c-ref|/Σ|a·b| = %.2e  %s\n", transB, d.GemmTileFor(p), worst, map[bool]string{true: "ok", false: "FAILED"}[ok])
	}
	if bad {
		return fmt.Errorf("GEMM spot-check failed")
	}
	return nil
}

// timeOp returns the median over *runs of (time for *batch queued calls of
// op and one Sync) / *batch, after one warm-up call.
func timeOp(d *gpu.Device, op func() error) (time.Duration, error) {
	if err := op(); err != nil {
		return 0, err
	}
	if err := d.Sync(); err != nil {
		return 0, err
	}
	ts := make([]time.Duration, *runs)
	for r := range ts {
		t0 := time.Now()
		for range *batch {
			if err := op(); err != nil {
				return 0, err
			}
		}
		if err := d.Sync(); err != nil {
			return 0, err
		}
		ts[r] = time.Since(t0) / time.Duration(*batch)
	}
	slices.Sort(ts)
	return ts[len(ts)/2], nil
}

type gemmShape struct {
	name string
	p    kernels.Gemm
}

func gemmShapes(sq []int, tok int) []gemmShape {
	var out []gemmShape
	for _, n := range sq {
		out = append(out, gemmShape{fmt.Sprintf("square %d NN", n), kernels.Gemm{M: n, N: n, K: n, Alpha: 1}})
	}
	n := sq[len(sq)-1]
	out = append(out, gemmShape{fmt.Sprintf("square %d NT", n), kernels.Gemm{M: n, N: n, K: n, TransB: true, Alpha: 1}})
	for _, l := range []struct {
		name     string
		out, in_ int
	}{{"qkv", 1152, 384}, {"proj", 384, 384}, {"fc1", 1536, 384}, {"fc2", 384, 1536}} {
		// y = x·Wᵀ; dx = dy·W; dW = dyᵀ·x
		out = append(out,
			gemmShape{fmt.Sprintf("ViT %s fwd  T=%d N=%d K=%d (NT)", l.name, tok, l.out, l.in_), kernels.Gemm{M: tok, N: l.out, K: l.in_, TransB: true, Alpha: 1}},
			gemmShape{fmt.Sprintf("ViT %s dx   T=%d N=%d K=%d (NN)", l.name, tok, l.in_, l.out), kernels.Gemm{M: tok, N: l.in_, K: l.out, Alpha: 1}},
			gemmShape{fmt.Sprintf("ViT %s dW   M=%d N=%d K=%d (TN)", l.name, l.out, l.in_, tok), kernels.Gemm{M: l.out, N: l.in_, K: tok, TransA: true, Alpha: 1}},
		)
	}
	return out
}

func gemmSpeed(d *gpu.Device, sq []int, tok int) error {
	rng := rand.New(rand.NewPCG(3, 4))
	fmt.Printf("\nGEMM GFLOP/s (median of %d runs of %d queued GEMMs):\n", *runs, *batch)
	variants := []struct {
		tile  string
		group int
	}{{"", 0}}
	if *allTiles {
		for _, t := range gpu.GemmTiles {
			variants = append(variants, struct {
				tile  string
				group int
			}{t.Name, 0}, struct {
				tile  string
				group int
			}{t.Name, 8})
		}
	}
	for _, s := range gemmShapes(sq, tok) {
		if !strings.Contains(s.name, *shapes) {
			continue
		}
		r := s.p.Resolved()
		la, lb, lc := r.Need()
		a, err := randBuffer(d, rng, la)
		if err != nil {
			return err
		}
		b, err := randBuffer(d, rng, lb)
		if err != nil {
			return err
		}
		c, err := d.Alloc(lc)
		if err != nil {
			return err
		}
		flops := 2 * float64(r.M) * float64(r.N) * float64(r.K)
		var line []string
		for _, v := range variants {
			if err := d.SetGemmTile(v.tile, v.group); err != nil {
				return err
			}
			dt, err := timeOp(d, func() error { return d.Gemm(s.p, a, b, c) })
			if err != nil {
				return err
			}
			gf := flops / dt.Seconds() / 1e9
			if v.tile == "" {
				line = append(line, fmt.Sprintf("%9.1f GFLOP/s %9.3f ms  [auto: %s]", gf, dt.Seconds()*1e3, d.GemmTileFor(s.p)))
			} else {
				line = append(line, fmt.Sprintf("%s/g%d %.0f", v.tile, v.group, gf))
			}
		}
		d.SetGemmTile("", 0)
		fmt.Printf("  %-42s %s\n", s.name, strings.Join(line, "  "))
		a.Release()
		b.Release()
		c.Release()
	}
	return nil
}

// dispatchOverhead compares one tiny dispatch per submit-and-wait with 100
// dispatches recorded into one compute pass.
func dispatchOverhead(d *gpu.Device) error {
	b, err := d.Alloc(4)
	if err != nil {
		return err
	}
	defer b.Release()
	const reps = 200
	ts := make([]time.Duration, reps)
	for i := range ts {
		t0 := time.Now()
		if err := d.Fill(b, 1); err != nil {
			return err
		}
		if err := d.Sync(); err != nil {
			return err
		}
		ts[i] = time.Since(t0)
	}
	slices.Sort(ts)
	each := ts[reps/2]
	bs := make([]time.Duration, 21)
	for r := range bs {
		t0 := time.Now()
		for i := 0; i < 100; i++ {
			if err := d.Fill(b, float32(i)); err != nil {
				return err
			}
		}
		if err := d.Sync(); err != nil {
			return err
		}
		bs[r] = time.Since(t0) / 100
	}
	slices.Sort(bs)
	fmt.Printf("\ndispatch overhead (4-float fill): submit+wait each %.1f us, 100 per pass %.2f us per dispatch\n",
		float64(each.Nanoseconds())/1e3, float64(bs[len(bs)/2].Nanoseconds())/1e3)
	st := d.Stats()
	fmt.Printf("pool: %d buffers created, %d reuses, %d staging, %d pipelines, %d bind groups, %d submits\n",
		st.Allocations, st.Reuses, st.StagingAllocations, st.PipelinesCreated, st.BindGroupsCreated, st.Submits)
	return nil
}
