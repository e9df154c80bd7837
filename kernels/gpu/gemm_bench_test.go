package gpu

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// GEMM and row-kernel benchmarks. On a CPU adapter (lavapipe) they use
// small sizes unless -gpu.big or GOCX_GPU_BIG=1 asks for the real ones
// (1024-4096 squares and the ViT-S Linear layers at 64×261 tokens):
//
//	go test -run '^$' -bench 'Gemm|Rows|Dispatch' ./kernels/gpu/ -args -gpu.big
//
// Timing is host clocks around Sync (WebGPU here has no timestamp
// queries): each b.N iteration queues one op, and the whole loop is one
// batch, submitted every Options.MaxQueued dispatches.

var gpuBig = flag.Bool("gpu.big", false, "run the GPU benchmarks at full size even on a CPU adapter")

// benchBig reports whether full-size benchmarks should run on d.
func benchBig(d *Device) bool {
	return *gpuBig || os.Getenv("GOCX_GPU_BIG") != "" || d.Info().DeviceType != "CPU"
}

// vitLinear are the Linear layers of a ViT-S/14 block (dim 384, MLP 1536)
// as GEMMs with B = the weight (out×in), i.e. TransB.
var vitLinear = []struct {
	name string
	n, k int
}{
	{"qkv", 1152, 384},
	{"proj", 384, 384},
	{"fc1", 1536, 384},
	{"fc2", 384, 1536},
}

// runQueued times b.N queued calls of op after a warm-up call, and
// reports rate units per second (scaled by 1e-9) as metric.
func runQueued(b *testing.B, d *Device, unitsPerOp float64, metric string, op func() error) {
	b.Helper()
	if err := op(); err != nil {
		b.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(unitsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, metric)
}

func benchBuffers(b *testing.B, d *Device, rng *rand.Rand, lens ...int) []*Buffer {
	b.Helper()
	out := make([]*Buffer, len(lens))
	for i, n := range lens {
		out[i] = mustUpload(b, d, randSlice(rng, n))
	}
	b.Cleanup(func() {
		for _, x := range out {
			x.Release()
		}
	})
	return out
}

func BenchmarkGemm(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(41, 42))
	squares := []int{1024, 2048, 4096}
	tokens := []int{8 * 261, 64 * 261}
	if !benchBig(d) {
		squares, tokens = []int{128, 256}, []int{261}
	}
	for _, n := range squares {
		b.Run(fmt.Sprintf("square%d", n), func(b *testing.B) {
			buf := benchBuffers(b, d, rng, n*n, n*n, n*n)
			p := kernels.Gemm{M: n, N: n, K: n, Alpha: 1}
			runQueued(b, d, 2*float64(n)*float64(n)*float64(n), "GFLOP/s", func() error { return d.Gemm(p, buf[0], buf[1], buf[2]) })
		})
	}
	for _, t := range tokens {
		for _, l := range vitLinear {
			b.Run(fmt.Sprintf("vit_T%d_%s_N%dK%d", t, l.name, l.n, l.k), func(b *testing.B) {
				buf := benchBuffers(b, d, rng, t*l.k, l.n*l.k, t*l.n)
				p := kernels.Gemm{M: t, N: l.n, K: l.k, TransB: true, Alpha: 1}
				runQueued(b, d, 2*float64(t)*float64(l.n)*float64(l.k), "GFLOP/s", func() error { return d.Gemm(p, buf[0], buf[1], buf[2]) })
			})
		}
	}
}

func BenchmarkRows(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(43, 44))
	// Attention probabilities of ViT-S (64 images × 6 heads × 261 queries,
	// rows of 261 keys), and token activations (64×261 tokens × 384, or
	// × 1536 in the MLP).
	attnRows, tok := 64*6*261, 64*261
	if !benchBig(d) {
		attnRows, tok = 6*261, 261
	}
	const f = 4.0 // bytes per float
	b.Run("Softmax_261", func(b *testing.B) {
		buf := benchBuffers(b, d, rng, attnRows*261, attnRows*261)
		runQueued(b, d, 2*f*float64(attnRows*261), "GB/s", func() error { return d.Softmax(buf[1], buf[0], attnRows, 261) })
	})
	b.Run("SoftmaxBackward_261", func(b *testing.B) {
		buf := benchBuffers(b, d, rng, attnRows*261, attnRows*261, attnRows*261)
		runQueued(b, d, 3*f*float64(attnRows*261), "GB/s", func() error { return d.SoftmaxBackward(buf[2], buf[0], buf[1], attnRows, 261) })
	})
	b.Run("LayerNorm_384", func(b *testing.B) {
		buf := benchBuffers(b, d, rng, tok*384, 384, 384, tok*384, tok, tok)
		runQueued(b, d, 2*f*float64(tok*384), "GB/s", func() error {
			return d.LayerNorm(buf[3], buf[4], buf[5], buf[0], buf[1], buf[2], tok, 384, 1e-6)
		})
	})
	b.Run("LayerNormBackward_384", func(b *testing.B) {
		buf := benchBuffers(b, d, rng, tok*384, tok*384, tok, tok, 384, tok*384, 384, 384)
		runQueued(b, d, 3*f*float64(tok*384), "GB/s", func() error {
			return d.LayerNormBackward(buf[5], buf[6], buf[7], buf[0], buf[1], buf[2], buf[3], buf[4], tok, 384)
		})
	})
	b.Run("Gelu_1536", func(b *testing.B) {
		buf := benchBuffers(b, d, rng, tok*1536, tok*1536)
		runQueued(b, d, 2*f*float64(tok*1536), "GB/s", func() error { return d.Gelu(buf[1], buf[0]) })
	})
	b.Run("Copy", func(b *testing.B) {
		n := tok * 1536
		buf := benchBuffers(b, d, rng, n, n)
		runQueued(b, d, 2*f*float64(n), "GB/s", func() error { return d.Copy(buf[1], 0, buf[0], 0, n) })
	})
}

// BenchmarkDispatch measures the cost of one small dispatch (a 4-float
// fill) when each is submitted and waited for, against 100 recorded into one
// compute pass and submitted together (one b.N iteration = 100 dispatches
// and one Sync).
func BenchmarkDispatch(b *testing.B) {
	d := openTestDevice(b)
	buf, err := d.Alloc(4)
	if err != nil {
		b.Fatal(err)
	}
	defer buf.Release()
	b.Run("submit_wait_each", func(b *testing.B) {
		for range b.N {
			if err := d.Fill(buf, 1); err != nil {
				b.Fatal(err)
			}
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "us/dispatch")
	})
	b.Run("100_per_pass", func(b *testing.B) {
		for range b.N {
			for i := range 100 {
				if err := d.Fill(buf, float32(i)); err != nil {
					b.Fatal(err)
				}
			}
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(100*b.N), "us/dispatch")
	})
}
