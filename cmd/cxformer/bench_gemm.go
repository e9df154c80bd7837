package main

import (
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
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
func vitsGemmShapes() []benchGemmShape {
	const t = 8 * 261
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

// runBenchGemm implements `cxformer bench gemm`: it times cpu.Gemm on named
// shapes and prints GFLOP/s per shape.
func runBenchGemm(args []string) error {
	fs := flag.NewFlagSet("bench gemm", flag.ContinueOnError)
	shapes := fs.String("shapes", "vits", "which shapes: vits (ViT-S/14 block, forward and backward), square, or all")
	threads := fs.Int("threads", 0, "goroutines per GEMM (0: GOMAXPROCS)")
	device := fs.String("device", "cpu", "device to run on (cpu)")
	minTime := fs.Duration("time", 500*time.Millisecond, "minimum timing per shape")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench gemm: unexpected argument %q", fs.Arg(0))
	}
	if *device != "cpu" {
		return fmt.Errorf("bench gemm: device %q is not supported (cpu)", *device)
	}
	var list []benchGemmShape
	switch *shapes {
	case "vits":
		list = vitsGemmShapes()
	case "square":
		list = squareGemmShapes()
	case "all":
		list = append(vitsGemmShapes(), squareGemmShapes()...)
	default:
		return fmt.Errorf("bench gemm: unknown shape set %q (vits, square or all)", *shapes)
	}
	if *threads < 0 {
		return fmt.Errorf("bench gemm: --threads must be >= 0, got %d", *threads)
	}
	cpu.SetThreads(*threads)
	defer cpu.SetThreads(0)

	fmt.Printf("cpu.Gemm, kernel path %s, %d threads\n", cpu.Path(), cpu.Threads())
	if *shapes != "square" {
		fmt.Println("batch of 8 images at 224 px: T = 8×261 = 2088 tokens; attention 48 heads × 261 tokens × 64")
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "shape\tM\tN\tK\tbatch\tms/call\tGFLOP/s\t")
	for _, s := range list {
		g := kernels.Gemm{TransA: s.transA, TransB: s.transB, M: s.m, N: s.n, K: s.k, Alpha: 1}
		printGemmRow(w, s.name, g, *minTime)
	}
	if *shapes != "square" {
		// Attention's GEMMs as Attention issues them, all heads at once.
		const bh, n, hd = 48, 261, 64
		printGemmRow(w, "attn S=Q·Kᵀ", kernels.Gemm{TransB: true, M: n, N: n, K: hd, Alpha: 0.125, Batch: bh}, *minTime)
		printGemmRow(w, "attn O=P·V", kernels.Gemm{M: n, N: hd, K: n, Alpha: 1, Batch: bh}, *minTime)
		printGemmRow(w, "attn dV=Pᵀ·dO", kernels.Gemm{TransA: true, M: n, N: hd, K: n, Alpha: 1, Batch: bh}, *minTime)
	}
	return w.Flush()
}

// printGemmRow times g for at least minTime (after one warm-up call) and
// writes a table row.
func printGemmRow(w *tabwriter.Writer, name string, g kernels.Gemm, minTime time.Duration) {
	r := g.Resolved()
	la, lb, lc := r.Need()
	a, b, c := make([]float32, la), make([]float32, lb), make([]float32, lc)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	cpu.Gemm(g, a, b, c)
	n := 0
	start := time.Now()
	for time.Since(start) < minTime {
		cpu.Gemm(g, a, b, c)
		n++
	}
	per := time.Since(start).Seconds() / float64(n)
	flops := 2 * float64(r.M) * float64(r.N) * float64(r.K) * float64(r.Batch)
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.1f\t\n", name, r.M, r.N, r.K, r.Batch, per*1e3, flops/per/1e9)
}
