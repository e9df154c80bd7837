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

// gemmCase runs one GEMM on the device and on ref.Gemm (float64) and
// returns the relative error of C.
func gemmCase(t *testing.T, d *Device, rng *rand.Rand, p kernels.Gemm, ep GemmEpilogue, bias []float32) float64 {
	t.Helper()
	r := p.Resolved()
	la, lb, lc := r.Need()
	a, b, c := randSlice(rng, la), randSlice(rng, lb), randSlice(rng, lc)
	if r.Beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // β = 0 must not read C
		}
	}
	ga, gb, gc := mustUpload(t, d, a), mustUpload(t, d, b), mustUpload(t, d, c)
	defer ga.Release()
	defer gb.Release()
	defer gc.Release()
	if bias != nil {
		ep.Bias = mustUpload(t, d, bias)
		defer ep.Bias.Release()
	}
	if err := d.GemmFused(p, ga, gb, gc, ep); err != nil {
		t.Fatal(err)
	}
	got := mustDownload(t, d, gc)

	want := to64(c)
	ref.Gemm(p, to64(a), to64(b), want)
	// Only the elements of the C matrices are compared (padding between
	// rows is left untouched by both).
	var gotC []float32
	var wantC []float64
	for z := 0; z < r.Batch; z++ {
		for i := 0; i < r.M; i++ {
			for j := 0; j < r.N; j++ {
				k := z*r.StrideC + i*r.LDC + j
				w := want[k]
				if bias != nil {
					w += float64(bias[j])
				}
				if ep.Gelu {
					w = w * 0.5 * (1 + math.Erf(w/math.Sqrt2))
				}
				gotC = append(gotC, got[k])
				wantC = append(wantC, w)
			}
		}
	}
	return relErr(gotC, wantC)
}

func TestGemmShapes(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(5, 6))
	// Sizes 1, primes and non-multiples of every tile and of 4 (scalar
	// loads and stores), and multiples of 4 (vec4 paths).
	sizes := [][3]int{{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 5, 0}, {17, 13, 11}, {31, 33, 29},
		{64, 64, 64}, {67, 129, 45}, {128, 128, 16}, {131, 37, 200}, {200, 256, 96}, {256, 252, 256}}
	for _, s := range sizes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			p := kernels.Gemm{M: s[0], N: s[1], K: s[2], TransA: tr[0], TransB: tr[1], Alpha: 1}
			name := fmt.Sprintf("M%dN%dK%d_tA%v_tB%v", s[0], s[1], s[2], tr[0], tr[1])
			if e := gemmCase(t, d, rng, p, GemmEpilogue{}, nil); e > 1e-5 || math.IsNaN(e) {
				t.Errorf("%s: relative error %.3g", name, e)
			}
		}
	}
}

// TestGemmTiles runs every tile variant (and the grouped tile order) on a
// real GPU. On a CPU adapter (lavapipe), where compiling one variant costs
// 3-130 s of CPU, it runs the small 8×8-per-invocation test tiles only when
// GOCX_GPU_LONG is set; the default 32×32 tile is covered by the other tests.
func TestGemmTiles(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetGemmTile("", 0)
	rng := rand.New(rand.NewPCG(7, 8))
	tiles := append(GemmTiles[:len(GemmTiles):len(GemmTiles)], testGemmTiles...)
	groups := []int{0, 4}
	if d.Info().DeviceType == "CPU" {
		if os.Getenv("GOCX_GPU_LONG") == "" {
			t.Skip("compiling the large GEMM variants takes minutes on a CPU adapter; set GOCX_GPU_LONG=1 to run them")
		}
		tiles, groups = testGemmTiles, []int{0}
	}
	for _, tile := range tiles {
		for _, group := range groups {
			if err := d.SetGemmTile(tile.Name, group); err != nil {
				t.Fatal(err)
			}
			for _, s := range [][3]int{{1, 1, 1}, {37, 61, 19}, {129, 132, 40}} {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					p := kernels.Gemm{M: s[0], N: s[1], K: s[2], TransA: tr[0], TransB: tr[1], Alpha: 1}
					if e := gemmCase(t, d, rng, p, GemmEpilogue{}, nil); e > 1e-5 || math.IsNaN(e) {
						t.Errorf("tile %s group %d %v trans %v: relative error %.3g", tile.Name, group, s, tr, e)
					}
				}
			}
		}
	}
}

// TestGemmVariants runs the template paths a CPU adapter does not take by
// default, on the cheap 32×32k8 tile: the unrolled k-step loop (what GPUs
// run), the single-buffered variant (for devices with little workgroup
// memory) and the grouped tile order.
func TestGemmVariants(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(13, 14))
	unroll := d.gemmUnroll
	defer func() {
		d.SetGemmTile("", 0)
		d.mu.Lock()
		d.gemmUnroll, d.gemmOneStage = unroll, false
		d.mu.Unlock()
	}()
	for _, c := range []struct {
		name             string
		unroll, oneStage bool
		group            int
	}{{"unrolled", true, false, 0}, {"one-stage", false, true, 0}, {"grouped", false, false, 3}} {
		d.mu.Lock()
		d.gemmUnroll, d.gemmOneStage = c.unroll, c.oneStage
		d.mu.Unlock()
		if err := d.SetGemmTile("32x32k8", c.group); err != nil {
			t.Fatal(err)
		}
		for _, tb := range []bool{false, true} {
			p := kernels.Gemm{M: 150, N: 68, K: 44, TransB: tb, Alpha: 1}
			if e := gemmCase(t, d, rng, p, GemmEpilogue{}, nil); e > 1e-5 || math.IsNaN(e) {
				t.Errorf("%s transB=%v: relative error %.3g", c.name, tb, e)
			}
		}
	}
}

// TestGemmSplitK checks products that split K (few output tiles, long K),
// with a last slice shorter than the others, transposes, padded leading
// dimensions, α, β and the epilogue, against the same product unsplit.
func TestGemmSplitK(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(15, 16))
	cases := []struct {
		p    kernels.Gemm
		bias bool
		gelu bool
	}{
		{kernels.Gemm{M: 20, N: 12, K: 1100, TransA: true, Alpha: 1}, false, false}, // dW = dYᵀ·X
		{kernels.Gemm{M: 9, N: 16, K: 1037, TransB: true, Alpha: 0.5, Beta: 2, LDC: 19}, true, true},
		{kernels.Gemm{M: 16, N: 8, K: 1536, Alpha: 1, LDA: 1540, LDB: 12}, false, true},
	}
	for _, c := range cases {
		if s := d.splitK(c.p.Resolved()); s < 2 {
			t.Fatalf("%+v: splitK=%d, the test wants a split", c.p, s)
		}
		var bias []float32
		if c.bias {
			bias = randSlice(rng, c.p.N)
		}
		if e := gemmCase(t, d, rng, c.p, GemmEpilogue{Gelu: c.gelu}, bias); e > 1e-5 || math.IsNaN(e) {
			t.Errorf("%+v: relative error %.3g", c.p, e)
		}
	}
}

func TestGemmAlphaBetaLDBatch(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(9, 10))
	cases := []kernels.Gemm{
		{M: 13, N: 9, K: 7, Alpha: 0.5, Beta: 2},
		{M: 20, N: 24, K: 16, Alpha: -1, Beta: 1, LDA: 19, LDB: 27, LDC: 25},
		{M: 8, N: 12, K: 8, Alpha: 1, LDA: 12, LDB: 16, LDC: 16}, // vec4-aligned padded rows
		{M: 11, N: 6, K: 5, TransA: true, TransB: true, Alpha: 2, LDA: 13, LDB: 9, LDC: 7},
		{M: 9, N: 7, K: 10, Batch: 3, Alpha: 1},
		{M: 16, N: 8, K: 12, Batch: 4, Alpha: 1, Beta: 0.5, TransB: true},
		{M: 9, N: 7, K: 10, Batch: 3, Alpha: 1, SharedA: true},
		{M: 12, N: 16, K: 8, Batch: 5, Alpha: 1, SharedB: true, TransB: true},
		{M: 5, N: 6, K: 7, Batch: 2, Alpha: 1, StrideA: 40, StrideB: 50, StrideC: 33},
	}
	for _, p := range cases {
		if e := gemmCase(t, d, rng, p, GemmEpilogue{}, nil); e > 1e-5 || math.IsNaN(e) {
			t.Errorf("%+v: relative error %.3g", p, e)
		}
	}
}

func TestGemmEpilogue(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(11, 12))
	// B transposed as in a Linear layer; one unaligned and one vec4 shape.
	for _, s := range [][3]int{{7, 5, 3}, {130, 96, 64}} {
		for _, gelu := range []bool{false, true} {
			p := kernels.Gemm{M: s[0], N: s[1], K: s[2], TransB: true, Alpha: 1}
			bias := randSlice(rng, s[1])
			if e := gemmCase(t, d, rng, p, GemmEpilogue{Gelu: gelu}, bias); e > 1e-5 || math.IsNaN(e) {
				t.Errorf("%v gelu=%v: relative error %.3g", s, gelu, e)
			}
		}
	}
	p := kernels.Gemm{M: 33, N: 64, K: 20, TransB: true, Alpha: 0.5, Beta: 1}
	if e := gemmCase(t, d, rng, p, GemmEpilogue{Gelu: true}, nil); e > 1e-5 || math.IsNaN(e) {
		t.Errorf("gelu with beta: relative error %.3g", e)
	}
}

func TestGemmPanics(t *testing.T) {
	d := openTestDevice(t)
	a, _ := d.Alloc(6)
	b, _ := d.Alloc(6)
	c, _ := d.Alloc(3)
	defer a.Release()
	defer b.Release()
	defer c.Release()
	mustPanic(t, "short C", func() { d.Gemm(kernels.Gemm{M: 2, N: 2, K: 3, Alpha: 1}, a, b, c) })
	mustPanic(t, "alias", func() { d.Gemm(kernels.Gemm{M: 1, N: 1, K: 3, Alpha: 1}, a, b, a) })
	mustPanic(t, "bias length", func() {
		d.GemmFused(kernels.Gemm{M: 1, N: 2, K: 3, Alpha: 1}, a, b, c, GemmEpilogue{Bias: c})
	})
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
