package gpu

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// The two-output epilogue (GemmEpilogue.Pre): C = GELU(pre) and Pre = pre
// = α·op(A)·op(B) + β·C + bias, against ref.GemmBiasGelu, on unaligned and
// vec4 shapes, with and without bias and β, padded rows, a batch, and a
// long K that is split (the sum kernel then writes both outputs).
func TestGemmPreEpilogue(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(81, 82))
	cases := []struct {
		p    kernels.Gemm
		bias bool
	}{
		{kernels.Gemm{M: 1, N: 1, K: 1, TransB: true, Alpha: 1}, true},
		{kernels.Gemm{M: 7, N: 5, K: 3, TransB: true, Alpha: 1}, true},
		{kernels.Gemm{M: 130, N: 96, K: 64, TransB: true, Alpha: 1}, true},
		{kernels.Gemm{M: 37, N: 44, K: 13, Alpha: 1}, false},
		{kernels.Gemm{M: 33, N: 64, K: 20, TransB: true, Alpha: 0.5, Beta: 1}, true},
		{kernels.Gemm{M: 9, N: 11, K: 5, TransA: true, Alpha: 1, LDC: 13, Batch: 3}, true},
		{kernels.Gemm{M: 20, N: 24, K: 1100, TransB: true, Alpha: 1}, true},
	}
	if tile := d.GemmTileFor(cases[len(cases)-1].p); !strings.Contains(tile, "splitK") {
		t.Fatalf("the long-K case runs as %q, not split", tile)
	}
	for _, c := range cases {
		name := fmt.Sprintf("%+v bias=%v", c.p, c.bias)
		r := c.p.Resolved()
		la, lb, lc := r.Need()
		a, b, pre := randSlice(rng, la), randSlice(rng, lb), randSlice(rng, lc)
		y := randSlice(rng, lc)
		ga, gb, gy, gp := mustUpload(t, d, a), mustUpload(t, d, b), mustUpload(t, d, y), mustUpload(t, d, pre)
		bufs := []*Buffer{ga, gb, gy, gp}
		var bias []float32
		var bias64 []float64
		ep := GemmEpilogue{Gelu: true, Pre: gp}
		if c.bias {
			bias = randSlice(rng, r.N)
			bias64 = to64(bias)
			ep.Bias = mustUpload(t, d, bias)
			bufs = append(bufs, ep.Bias)
		}
		// β·C reads C: the reference's pre starts as C (the kernel reads C
		// and writes both).
		wpre, wy := to64(y), to64(y)
		if r.Beta == 0 {
			wpre = to64(pre) // untouched padding is compared too
		}
		if err := d.GemmFused(c.p, ga, gb, gy, ep); err != nil {
			t.Fatal(err)
		}
		ref.GemmBiasGelu(c.p, to64(a), to64(b), bias64, wpre, wy)
		gotPre, gotY := mustDownload(t, d, gp), mustDownload(t, d, gy)
		// Compare the matrix elements only (the padding of pre differs
		// between the two when β ≠ 0: the reference started from C).
		var pg, yg []float32
		var pw, yw []float64
		for z := 0; z < r.Batch; z++ {
			for i := 0; i < r.M; i++ {
				for j := 0; j < r.N; j++ {
					k := z*r.StrideC + i*r.LDC + j
					pg, pw = append(pg, gotPre[k]), append(pw, wpre[k])
					yg, yw = append(yg, gotY[k]), append(yw, wy[k])
				}
			}
		}
		opCheck(t, name+" pre", pg, pw, 1e-5)
		opCheck(t, name+" y", yg, yw, 1e-5)
		for _, b := range bufs {
			b.Release()
		}
	}
}

func TestGemmPrePanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, c, short := opAlloc(t, d, 6), opAlloc(t, d, 6), opAlloc(t, d, 4), opAlloc(t, d, 3)
	defer func() {
		for _, x := range []*Buffer{a, b, c, short} {
			x.Release()
		}
	}()
	p := kernels.Gemm{M: 2, N: 2, K: 3, Alpha: 1}
	opExpectPanic(t, "len(pre)=3, need 4", func() { d.GemmFused(p, a, b, c, GemmEpilogue{Gelu: true, Pre: short}) })
	opExpectPanic(t, "pre must not alias", func() { d.GemmFused(p, a, b, c, GemmEpilogue{Gelu: true, Pre: c}) })
}

// BenchmarkGemmPre times the fc1 layer of a ViT-S block with its bias and
// GELU: the two-output epilogue against the one-output one (which a
// training step cannot use: the backward needs the pre-activation).
func BenchmarkGemmPre(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(83, 84))
	rows := 261
	if benchBig(d) {
		rows = 64 * 261
	}
	in, out := 384, 1536
	buf := benchBuffers(b, d, rng, rows*in, out*in, out, rows*out, rows*out)
	p := kernels.Gemm{M: rows, N: out, K: in, TransB: true, Alpha: 1}
	flops := 2 * float64(rows*out*in)
	for _, pre := range []bool{true, false} {
		ep := GemmEpilogue{Bias: buf[2], Gelu: true}
		if pre {
			ep.Pre = buf[4]
		}
		b.Run(fmt.Sprintf("pre=%v", pre), func(b *testing.B) {
			runQueued(b, d, flops, "GFLOP/s", func() error { return d.GemmFused(p, buf[0], buf[1], buf[3], ep) })
		})
	}
}
