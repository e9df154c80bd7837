package main

import (
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
	"github.com/gocx/gocx/kernels/gpu"
)

// benchGemmShape is one named GEMM: C (M×N) = op(A)·op(B) over K.
type benchGemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// vitsGemmShapes are the GEMMs of one ViT-S/14 block (width 384, 6 heads,
// MLP 1536) on a batch of 8 images at 224 px, T = 8×261 = 2088 tokens: each
// Linear layer's forward (y = x·Wᵀ, W stored out×in) and its two backward
// products (dx = dy·W, dW = dyᵀ·x), plus the attention products of all 48
// heads (261 tokens, head dimension 64) as one strided batch.
func vitsGemmShapes(images int) []benchGemmShape {
	t := images * 261
	var s []benchGemmShape
	for _, l := range []struct {
		name    string
		in, out int
	}{{"qkv", 384, 1152}, {"proj", 384, 384}, {"fc1", 384, 1536}, {"fc2", 1536, 384}} {
		s = append(s,
			benchGemmShape{l.name + " fwd x·Wᵀ", false, true, t, l.out, l.in},
			benchGemmShape{l.name + " dx=dy·W", false, false, t, l.in, l.out},
			benchGemmShape{l.name + " dW=dyᵀ·x", true, false, l.out, l.in, t},
		)
	}
	return s
}

func squareGemmShapes() []benchGemmShape {
	var s []benchGemmShape
	for _, n := range []int{256, 512, 1024, 2048} {
		s = append(s, benchGemmShape{fmt.Sprintf("square %d", n), false, false, n, n, n})
	}
	return s
}

// runBenchGemm implements `cxformer bench gemm`: it times cpu.Gemm (or the
// GPU's Gemm with --device gpu) on named shapes and prints GFLOP/s per
// shape. For the GPU, T is 64×261 tokens (the batch a GPU trains with).
func runBenchGemm(args []string) error {
	fs := flag.NewFlagSet("bench gemm", flag.ContinueOnError)
	shapes := fs.String("shapes", "vits", "which shapes: vits (ViT-S/14 block, forward and backward), square, or all")
	threads := fs.Int("threads", 0, "goroutines per GEMM (0: GOMAXPROCS)")
	device := fs.String("device", "cpu", "device to run on: cpu, gpu or gl (a -tags gl build)")
	minTime := fs.Duration("time", 500*time.Millisecond, "minimum timing per shape")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench gemm: unexpected argument %q", fs.Arg(0))
	}
	images := 8
	var run gemmRunner = cpuGemm
	switch *device {
	case "cpu":
	case "gpu", "gl":
		var opts gpu.Options
		if *device == "gl" {
			opts.Backend = gpu.BackendGL
		}
		d, err := gpu.Open(opts)
		if err != nil {
			return fmt.Errorf("bench gemm: %w", err)
		}
		defer d.Close()
		images, run = 64, gpuGemm(d)
		fmt.Printf("gpu.Gemm on %s\n", d.Info())
	default:
		return fmt.Errorf("bench gemm: device %q is not supported (cpu, gpu or gl)", *device)
	}
	var list []benchGemmShape
	switch *shapes {
	case "vits":
		list = vitsGemmShapes(images)
	case "square":
		list = squareGemmShapes()
	case "all":
		list = append(vitsGemmShapes(images), squareGemmShapes()...)
	default:
		return fmt.Errorf("bench gemm: unknown shape set %q (vits, square or all)", *shapes)
	}
	if *threads < 0 {
		return fmt.Errorf("bench gemm: --threads must be >= 0, got %d", *threads)
	}
	cpu.SetThreads(*threads)
	defer cpu.SetThreads(0)

	if *device == "cpu" {
		fmt.Printf("cpu.Gemm, kernel path %s, %d threads\n", cpu.Path(), cpu.Threads())
	}
	if *shapes != "square" {
		fmt.Printf("batch of %d images at 224 px: T = %d×261 = %d tokens; attention %d heads × 261 tokens × 64\n",
			images, images, images*261, images*6)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "shape\tM\tN\tK\tbatch\tms/call\tGFLOP/s\t")
	for _, s := range list {
		g := kernels.Gemm{TransA: s.transA, TransB: s.transB, M: s.m, N: s.n, K: s.k, Alpha: 1}
		if err := printGemmRow(w, s.name, g, *minTime, run); err != nil {
			return err
		}
	}
	if *shapes != "square" {
		// Attention's GEMMs as Attention issues them, all heads at once.
		bh, n, hd := images*6, 261, 64
		for _, a := range []struct {
			name string
			g    kernels.Gemm
		}{
			{"attn S=Q·Kᵀ", kernels.Gemm{TransB: true, M: n, N: n, K: hd, Alpha: 0.125, Batch: bh}},
			{"attn O=P·V", kernels.Gemm{M: n, N: hd, K: n, Alpha: 1, Batch: bh}},
			{"attn dV=Pᵀ·dO", kernels.Gemm{TransA: true, M: n, N: hd, K: n, Alpha: 1, Batch: bh}},
		} {
			if err := printGemmRow(w, a.name, a.g, *minTime, run); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

// gemmRunner runs g on a, b, c reps times and returns the seconds per call.
type gemmRunner func(g kernels.Gemm, a, b, c []float32, minTime time.Duration) (float64, error)

func cpuGemm(g kernels.Gemm, a, b, c []float32, minTime time.Duration) (float64, error) {
	cpu.Gemm(g, a, b, c)
	n := 0
	start := time.Now()
	for time.Since(start) < minTime {
		cpu.Gemm(g, a, b, c)
		n++
	}
	return time.Since(start).Seconds() / float64(n), nil
}

// gpuGemm queues 10 GEMMs between host waits (the way a training step
// issues them) and times the batches.
func gpuGemm(d *gpu.Device) gemmRunner {
	return func(g kernels.Gemm, a, b, c []float32, minTime time.Duration) (float64, error) {
		bufs := make([]*gpu.Buffer, 3)
		for i, h := range [][]float32{a, b, c} {
			buf, err := d.Alloc(len(h))
			if err != nil {
				return 0, err
			}
			defer buf.Release()
			if err := d.Upload(buf, h); err != nil {
				return 0, err
			}
			bufs[i] = buf
		}
		batch := func() error {
			for i := 0; i < 10; i++ {
				if err := d.Gemm(g, bufs[0], bufs[1], bufs[2]); err != nil {
					return err
				}
			}
			return d.Sync()
		}
		if err := batch(); err != nil {
			return 0, err
		}
		n := 0
		start := time.Now()
		for time.Since(start) < minTime {
			if err := batch(); err != nil {
				return 0, err
			}
			n += 10
		}
		return time.Since(start).Seconds() / float64(n), nil
	}
}

// printGemmRow times g for at least minTime (after one warm-up call) and
// writes a table row.
func printGemmRow(w *tabwriter.Writer, name string, g kernels.Gemm, minTime time.Duration, run gemmRunner) error {
	r := g.Resolved()
	la, lb, lc := r.Need()
	a, b, c := make([]float32, la), make([]float32, lb), make([]float32, lc)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	per, err := run(g, a, b, c, minTime)
	if err != nil {
		return err
	}
	flops := 2 * float64(r.M) * float64(r.N) * float64(r.K) * float64(r.Batch)
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.1f\t\n", name, r.M, r.N, r.K, r.Batch, per*1e3, flops/per/1e9)
	return nil
}
