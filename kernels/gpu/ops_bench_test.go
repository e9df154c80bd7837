package gpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// Benchmarks of the memory-bound operators, reporting GB/s of compulsory
// traffic (each input read once, each output written once). Sizes are
// modest by default (lavapipe streams well under 1 GB/s); GOCX_GPU_BIG=1
// selects the ViT-S training sizes: activations of batch 64 × 261 tokens,
// the 1536-wide MLP, and 22M parameters for AdamW.
//
//	GOCX_GPU_BIG=1 go test -run '^$' -bench 'Add|SumRows|Permute|AdamW' ./kernels/gpu/

// opBench times b.N calls of op (queued back to back, then one Sync) after
// a warm-up call that compiles the kernel.
func opBench(b *testing.B, d *Device, bytesPerOp float64, op func() error) {
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
	b.ReportMetric(bytesPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// opBenchBuf allocates a buffer of n random values (freed with the bench).
func opBenchBuf(b *testing.B, d *Device, rng *rand.Rand, n int) *Buffer {
	b.Helper()
	buf := mustUpload(b, d, randSlice(rng, n))
	b.Cleanup(buf.Release)
	return buf
}

// opBenchRows is the rows×cols of the bias benchmarks.
func opBenchRows() (rows, cols int) {
	if opBig() {
		return 64 * 261, 1536
	}
	return 1024, 256
}

func BenchmarkAdd(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(1, 1))
	n := 1 << 18
	if opBig() {
		n = 64 * 261 * 384
	}
	x, y, z := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n)
	opBench(b, d, 12*float64(n), func() error { return d.Add(z, x, y) })
}

func BenchmarkAddBias(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(2, 2))
	rows, cols := opBenchRows()
	x, bias, z := opBenchBuf(b, d, rng, rows*cols), opBenchBuf(b, d, rng, cols), opBenchBuf(b, d, rng, rows*cols)
	opBench(b, d, 8*float64(rows*cols)+4*float64(cols), func() error { return d.AddBias(z, x, bias, rows, cols) })
}

func BenchmarkSumRows(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(3, 3))
	rows, cols := opBenchRows()
	x, z := opBenchBuf(b, d, rng, rows*cols), opBenchBuf(b, d, rng, cols)
	opBench(b, d, 4*float64(rows*cols)+4*float64(cols), func() error { return d.SumRows(z, x, rows, cols) })
}

func BenchmarkPermute(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(4, 4))
	batch := 4
	if opBig() {
		batch = 64
	}
	rows, cols := opBenchRows()
	for _, c := range []struct {
		name        string
		shape, perm []int
	}{
		// (B, N, 3, H, D) → (3, B, H, N, D): the qkv split; runs of D stay contiguous.
		{"qkv", []int{batch, 261, 3, 6, 64}, []int{2, 0, 3, 1, 4}},
		// A full 2-D transpose: the tiled kernel.
		{"transpose", []int{rows, cols}, []int{1, 0}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 1
			for _, s := range c.shape {
				n *= s
			}
			src, dst := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n)
			opBench(b, d, 8*float64(n), func() error { return d.Permute(dst, src, c.shape, c.perm) })
		})
	}
}

func BenchmarkAdamW(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(5, 5))
	n := 1 << 18
	if opBig() {
		n = 22_000_000 // ViT-S/14 with registers has about 22M parameters
	}
	p, g, m, v := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n)
	if err := d.Mul(v, v, v); err != nil { // v ≥ 0
		b.Fatal(err)
	}
	h := kernels.AdamWHyper{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 10}
	bytes := 28 * float64(n) // reads p, g, m, v; writes p, m, v
	b.Run("single", func(b *testing.B) {
		opBench(b, d, bytes, func() error { return d.AdamW(p, g, m, v, h) })
	})
	// The same arena as ~150 tensors (ViT-S has 150 parameter tensors)
	// updated by one AdamWMulti dispatch.
	b.Run("multi150", func(b *testing.B) {
		var list []AdamWParam
		const parts = 150
		for i := range parts {
			lo, hi := i*n/parts, (i+1)*n/parts
			list = append(list, AdamWParam{P: p, G: g, M: m, V: v, Off: lo, N: hi - lo, Hyper: h})
		}
		opBench(b, d, bytes, func() error { return d.AdamWMulti(list) })
	})
}

// BenchmarkRowPaths times the row kernels at the ViT-S shapes on each path
// (the loop path, and the register path with and without subgroup
// reductions), so one run compares them on a device:
//
//	go test -run '^$' -bench RowPaths ./kernels/gpu/                 # small sizes
//	GOCX_GPU_BIG=1 go test -run '^$' -bench RowPaths ./kernels/gpu/  # B=64: 100,224 attention rows
func BenchmarkRowPaths(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(6, 6))
	// Attention rows of ViT-S (images × 6 heads × 261 queries, 261 keys),
	// the 518 px attention rows (1374 keys), token rows of 384 features.
	attn, tok := 6*261, 261
	if opBig() {
		attn, tok = 64*6*261, 64*261
	}
	type job struct {
		name  string
		bytes float64 // compulsory traffic: inputs read and outputs written once
		lens  []int
		op    func(buf []*Buffer) error
	}
	jobs := []job{
		{"Softmax_261", 8 * float64(attn*261), []int{attn * 261, attn * 261},
			func(buf []*Buffer) error { return d.Softmax(buf[1], buf[0], attn, 261) }},
		{"SoftmaxBackward_261", 12 * float64(attn*261), []int{attn * 261, attn * 261, attn * 261},
			func(buf []*Buffer) error { return d.SoftmaxBackward(buf[2], buf[0], buf[1], attn, 261) }},
		{"LogSoftmax_1374", 8 * float64(attn/4*1374), []int{attn / 4 * 1374, attn / 4 * 1374},
			func(buf []*Buffer) error { return d.LogSoftmax(buf[1], buf[0], attn/4, 1374) }},
		{"LayerNorm_384", 8 * float64(tok*384), []int{tok * 384, 384, 384, tok * 384, tok, tok},
			func(buf []*Buffer) error {
				return d.LayerNorm(buf[3], buf[4], buf[5], buf[0], buf[1], buf[2], tok, 384, 1e-6)
			}},
		// Residual add fused with LayerNorm: reads x, a; writes sum, y.
		{"AddLayerNorm_384", 16 * float64(tok*384), []int{tok * 384, tok * 384, 384, 384, tok * 384, tok * 384, tok, tok},
			func(buf []*Buffer) error {
				return d.AddScaledLayerNorm(buf[4], buf[5], buf[6], buf[7], buf[0], buf[1], nil, buf[2], buf[3], tok, 384, 1e-6)
			}},
		{"AddScaledLayerNorm_384", 16 * float64(tok*384), []int{tok * 384, tok * 384, 384, 384, tok * 384, tok * 384, tok, tok, 384},
			func(buf []*Buffer) error {
				return d.AddScaledLayerNorm(buf[4], buf[5], buf[6], buf[7], buf[0], buf[1], buf[8], buf[2], buf[3], tok, 384, 1e-6)
			}},
		{"LayerNormBackward_384", 12 * float64(tok*384), []int{tok * 384, tok * 384, tok, tok, 384, tok * 384, 384, 384},
			func(buf []*Buffer) error {
				return d.LayerNormBackward(buf[5], buf[6], buf[7], buf[0], buf[1], buf[2], buf[3], buf[4], tok, 384)
			}},
	}
	sgOK, _ := d.Subgroups()
	for _, j := range jobs {
		b.Run(j.name, func(b *testing.B) {
			buf := make([]*Buffer, len(j.lens))
			for i, n := range j.lens {
				buf[i] = opBenchBuf(b, d, rng, n)
			}
			for _, path := range []struct {
				name    string
				p       RowPath
				sg      bool
				storage int // storage buffers a kernel may bind (0: the device's limit)
			}{{"loop", RowLoop, true, 0}, {"reg+sg", RowRegisters, true, 0}, {"reg", RowRegisters, false, 0},
				{"reg+sg,8buffers", RowRegisters, true, 8}} {
				if path.sg && !sgOK && path.p == RowRegisters || path.storage > 0 && j.name != "AddScaledLayerNorm_384" {
					continue // the 8-buffer limit only changes LayerScale's kernel count
				}
				b.Run(path.name, func(b *testing.B) {
					defer d.SetSubgroups(true)
					d.SetSubgroups(path.sg)
					d.storageCap = path.storage
					defer func() { d.storageCap = 0 }()
					withRowTuning(RowTuning{Path: path.p}, func() {
						opBench(b, d, j.bytes, func() error { return j.op(buf) })
					})
				})
			}
		})
	}
}

// BenchmarkStreamShapes times the copy kernel (Copy, and CopyShaped with
// every StreamShape of streamShapes) and Gelu / GeluBackward under each
// shape: n = tokens × 1,536 floats (the ViT-S MLP activations), 64·261
// tokens with GOCX_GPU_BIG=1, else 261 (BenchmarkRows' size).
func BenchmarkStreamShapes(b *testing.B) {
	d := openTestDevice(b)
	rng := rand.New(rand.NewPCG(7, 7))
	n := 261 * 1536
	if opBig() {
		n = 64 * 261 * 1536
	}
	x, y, z := opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n), opBenchBuf(b, d, rng, n)
	b.Run("Copy", func(b *testing.B) {
		opBench(b, d, 8*float64(n), func() error { return d.Copy(y, 0, x, 0, n) })
	})
	for _, s := range streamShapes {
		name := fmt.Sprintf("x%d", max(s.PerInvocation, 1))
		if s.PerInvocation == 0 {
			name = "x4default"
		}
		if s.WorkgroupsPerUnit > 0 {
			name += fmt.Sprintf("_stride%d", s.WorkgroupsPerUnit)
		}
		b.Run("CopyShaped_"+name, func(b *testing.B) {
			opBench(b, d, 8*float64(n), func() error { return d.CopyShaped(y, 0, x, 0, n, s) })
		})
		withRowTuning(RowTuning{Stream: s}, func() {
			b.Run("Gelu_"+name, func(b *testing.B) {
				opBench(b, d, 8*float64(n), func() error { return d.Gelu(y, x) })
			})
			b.Run("GeluBackward_"+name, func(b *testing.B) {
				opBench(b, d, 12*float64(n), func() error { return d.GeluBackward(z, x, y) })
			})
		})
	}
}
