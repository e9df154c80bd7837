// Command cpu_vs_openblas times cpu.Gemm on the shapes that
// bench/cpu_vs_openblas.py times with numpy (OpenBLAS), for the side-by-side
// table of bench/cpu_vs_openblas.sh. It prints one tab-separated line per
// shape: name, layout, M, N, K, GFLOP/s.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// tokens is a ViT-S/14 batch of 8 images at 224 px: 8 × 261 tokens.
const tokens = 8 * 261

var shapes = []struct {
	name    string
	m, n, k int
}{
	{"qkv", tokens, 1152, 384},
	{"proj", tokens, 384, 384},
	{"fc1", tokens, 1536, 384},
	{"fc2", tokens, 384, 1536},
	{"square1024", 1024, 1024, 1024},
}

func main() {
	threads := flag.Int("threads", 2, "goroutines per GEMM")
	minTime := flag.Duration("min", 300*time.Millisecond, "time each shape at least this long")
	flag.Parse()
	cpu.SetThreads(*threads)
	fmt.Fprintf(os.Stderr, "gocx cpu.Gemm: path %s, %d threads\n", cpu.Path(), cpu.Threads())
	for _, s := range shapes {
		for _, transB := range []bool{true, false} {
			layout := "NN"
			if transB {
				layout = "NT"
			}
			g := kernels.Gemm{M: s.m, N: s.n, K: s.k, Alpha: 1, TransB: transB}
			fmt.Printf("%s\t%s\t%d\t%d\t%d\t%.1f\n", s.name, layout, s.m, s.n, s.k, gflops(g, *minTime))
		}
	}
}

// gflops runs g repeatedly for at least minTime after one warm-up call and
// returns the mean rate.
func gflops(g kernels.Gemm, minTime time.Duration) float64 {
	la, lb, lc := g.Resolved().Need()
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
	el := time.Since(start).Seconds()
	return 2 * float64(g.M) * float64(g.N) * float64(g.K) * float64(n) / el / 1e9
}
