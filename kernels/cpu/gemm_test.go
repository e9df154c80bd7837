package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// gemmTol bounds ||C - C_ref|| / ||C_ref||. The float32 kernels accumulate
// K products with rounding error ~u·√K per element for random signs
// (u = 2^-24 ≈ 6e-8), i.e. about 2e-6 at the largest K tested (1100); 1e-5
// leaves headroom for the float32 rounding of alpha, beta and the inputs'
// conversion, while one wrong element in a 64-element C already shows as
// ~1e-1.
const gemmTol = 1e-5

// forEachPath runs f once per kernel path this machine supports (assembly
// and pure Go), restoring the original path afterwards.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	for _, p := range supportedPaths() {
		t.Run(p, func(t *testing.T) {
			prev := setPath(p)
			defer setPath(prev)
			f(t)
		})
	}
}

// withThreads runs f with SetThreads(n) and restores the default.
func withThreads(n int, f func()) {
	SetThreads(n)
	defer SetThreads(0)
	f()
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// relErr returns ||got - want|| / ||want||; NaN anywhere gives NaN, and a
// zero reference gives the absolute norm of the difference.
func relErr(got []float32, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// checkGemm runs cpu.Gemm and ref.Gemm[float64] on the same random data,
// including LD padding and batch gaps, and compares the whole C slices
// (padding included, which both must leave untouched).
func checkGemm(t *testing.T, rng *rand.Rand, p kernels.Gemm, nanC bool) {
	t.Helper()
	r := p.Resolved()
	la, lb, lc := r.Need()
	a, b, c := randSlice(rng, la), randSlice(rng, lb), randSlice(rng, lc)
	if nanC { // NaN in every element of every C, not in the LDC padding
		for bi := 0; bi < r.Batch; bi++ {
			for i := 0; i < r.M; i++ {
				for j := 0; j < r.N; j++ {
					c[bi*r.StrideC+i*r.LDC+j] = float32(math.NaN())
				}
			}
		}
	}
	c64 := to64(c)
	ref.Gemm(p, to64(a), to64(b), c64)
	Gemm(p, a, b, c)
	if e := relErr(c, c64); !(e <= gemmTol) {
		t.Errorf("%s %+v: rel err %.3g > %g", Path(), p, e, gemmTol)
	}
}

func TestGemmShapes(t *testing.T) {
	shapes := [][3]int{ // M, N, K
		{1, 1, 1}, {1, 7, 13}, {7, 1, 13}, {7, 13, 1}, {7, 13, 31}, {13, 31, 7},
		{31, 97, 13}, {97, 131, 31}, {131, 97, 257}, {6, 16, 8}, {12, 32, 16},
		{14, 64, 4}, {17, 33, 3}, {25, 65, 300}, {200, 70, 130},
	}
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, s := range shapes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					p := kernels.Gemm{TransA: ta, TransB: tb, M: s[0], N: s[1], K: s[2], Alpha: 1}
					checkGemm(t, rng, p, false)
				}
			}
		}
	})
}

// TestGemmBlocks crosses every cache-block boundary of every path: M above
// mc, N above nc, K above kc (twice, so three K slabs accumulate), with
// one and several goroutines, and checks that the thread count does not
// change a single bit of the result.
func TestGemmBlocks(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		cfg := activeGemm
		cases := []kernels.Gemm{
			{M: cfg.mc + 7, N: 29, K: 2*cfg.kc + 13, Alpha: 1},
			{M: 9, N: cfg.nc + 37, K: 11, Alpha: 1, TransB: true},
			{M: 2*cfg.mc + 1, N: 3*cfg.nr + 5, K: cfg.kc + 1, Alpha: 0.5, Beta: 0.5, TransA: true},
			{M: 5, N: cfg.nc + 953, K: 100, Alpha: 1},  // split along N, across an nc panel
			{M: 131, N: 67, K: 97, Alpha: 1, Batch: 3}, // 3 entries on 2 threads: split M
		}
		for _, p := range cases {
			checkGemm(t, rng, p, false) // against ref, with the default threads
			la, lb, lc := p.Resolved().Need()
			a, b, c0 := randSlice(rng, la), randSlice(rng, lb), randSlice(rng, lc)
			var first []float32
			for _, threads := range []int{1, 2, 3} {
				c := append([]float32(nil), c0...)
				withThreads(threads, func() { Gemm(p, a, b, c) })
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if c[i] != first[i] {
						t.Errorf("%+v: %d threads give C[%d]=%v, 1 thread %v", p, threads, i, c[i], first[i])
						break
					}
				}
			}
		}
	})
}

// TestGemmConfigs checks the blocking invariants the driver relies on:
// cache blocks are whole micro-tiles, so every split keeps one tile grid.
func TestGemmConfigs(t *testing.T) {
	for _, p := range supportedPaths() {
		prev := setPath(p)
		c := activeGemm
		setPath(prev)
		if c.mr <= 0 || c.nr <= 0 || c.kc <= 0 || c.mc%c.mr != 0 || c.nc%c.nr != 0 {
			t.Errorf("%s: %s blocking mc=%d nc=%d kc=%d is not in whole %d×%d tiles", p, c.name, c.mc, c.nc, c.kc, c.mr, c.nr)
		}
	}
}

// TestGemmAlphaBetaLD covers the scaling and leading-dimension options on
// every transpose combination, and that beta == 0 never reads C.
func TestGemmAlphaBetaLD(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, ab := range [][2]float64{{1, 0}, {1, 1}, {-0.7, 0.5}, {2.5, 0}, {0, 0.5}} {
					for _, pad := range []int{0, 3} {
						m, n, k := 23, 37, 19
						p := kernels.Gemm{TransA: ta, TransB: tb, M: m, N: n, K: k, Alpha: ab[0], Beta: ab[1]}
						if pad > 0 {
							ac, bc := k, n
							if ta {
								ac = m
							}
							if tb {
								bc = k
							}
							p.LDA, p.LDB, p.LDC = ac+pad, bc+2*pad, n+pad+1
						}
						checkGemm(t, rng, p, false)
						if ab[1] == 0 {
							checkGemm(t, rng, p, true)
						}
					}
				}
			}
		}
	})
}

func TestGemmBatched(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		m, n, k := 29, 41, 23
		cases := []kernels.Gemm{
			{M: m, N: n, K: k, Alpha: 1, Batch: 3},
			{M: m, N: n, K: k, Alpha: 1, Batch: 5, TransB: true,
				StrideA: m*k + 11, StrideB: n*k + 3, StrideC: m*n + 17},
			{M: m, N: n, K: k, Alpha: 0.5, Beta: 1, Batch: 4, SharedB: true, TransA: true},
			{M: m, N: n, K: k, Alpha: 1, Beta: 0.5, Batch: 3, SharedA: true, LDC: n + 5},
			{M: 64, N: 61, K: 64, Alpha: 0.125, Batch: 48, TransB: true}, // attention-like
			{M: 7, N: 5, K: 0, Beta: 0.5, Batch: 2},                      // K == 0: C = beta·C
			{M: 7, N: 5, K: 0, Beta: 0, Batch: 2},
		}
		for _, threads := range []int{1, 2} {
			withThreads(threads, func() {
				for _, p := range cases {
					checkGemm(t, rng, p, false)
				}
			})
		}
	})
}

func TestGemmEmpty(t *testing.T) {
	// No work and no panic for zero sizes, even with nil slices.
	Gemm(kernels.Gemm{M: 0, N: 3, K: 2, Alpha: 1}, nil, make([]float32, 6), nil)
	Gemm(kernels.Gemm{M: 3, N: 0, K: 2, Alpha: 1}, make([]float32, 6), nil, nil)
}

func TestGemmPanicsOnShortSlices(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "cpu.Gemm") {
			t.Fatalf("want a panic naming cpu.Gemm, got %v", r)
		}
	}()
	Gemm(kernels.Gemm{M: 4, N: 4, K: 4, Alpha: 1}, make([]float32, 16), make([]float32, 16), make([]float32, 15))
}

func TestGemmDoesNotAllocate(t *testing.T) {
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	p := kernels.Gemm{M: 64, N: 64, K: 64, Alpha: 1}
	Gemm(p, a, b, c) // fills the buffer pool
	if n := testing.AllocsPerRun(20, func() { Gemm(p, a, b, c) }); n > 1 {
		t.Errorf("single-goroutine Gemm allocates %v times per call", n)
	}
}
