package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// ktTargets returns rows×cols soft targets: softmax rows of random logits
// (teacher-like), scaled by a per-row factor in [0.5, 1.5] when unnormalised
// is set (the reference does not assume Σ t = 1).
func ktTargets(rng *rand.Rand, rows, cols int, unnormalised bool) []float32 {
	t := make([]float32, rows*cols)
	for r := range rows {
		var sum float64
		e := make([]float64, cols)
		for k := range e {
			e[k] = math.Exp(3 * rng.NormFloat64())
			sum += e[k]
		}
		f := 1.0
		if unnormalised {
			f = 0.5 + rng.Float64()
		}
		for k := range e {
			t[r*cols+k] = float32(f * e[k] / sum)
		}
	}
	return t
}

// TestSoftCrossEntropy checks the loss and its gradient against the
// float64 reference. The inputs are float32, so the exponents (s−max)/temp
// carry a rounding error of about |s−max|/temp·6e-8; at temp 0.04 the
// dominant terms (|s−max|/temp ≲ a few) still give ~1e-7 relative errors,
// so the bound stays 1e-6 (observed ≤ 4e-7).
func TestSoftCrossEntropy(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(31, 32))
	shapes := append(ktRowShapes, [2]int{3, 0})
	for _, temp := range []float64{1, 0.1, 0.04, -0.5} {
		for i, sh := range shapes {
			rows, cols := sh[0], sh[1]
			name := fmt.Sprintf("temp %v %dx%d", temp, rows, cols)
			tv := ktTargets(rng, rows, cols, i%2 == 1)
			sv := randSlice(rng, rows*cols)
			for k := range sv {
				sv[k] *= 0.3 // student logits of a DINO head
			}
			gt, gs := mustUpload(t, d, tv), mustUpload(t, d, sv)
			gl := ktAlloc(t, d, rows)
			if err := d.SoftCrossEntropy(gl, gt, gs, rows, cols, temp); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, rows)
			ref.SoftCrossEntropy(want, to64(tv), to64(sv), rows, cols, temp)
			ktRel(t, name+" loss", mustDownload(t, d, gl), want, 1e-6)

			dl, gdl := ktRand(t, d, rng, rows)
			gds := ktAlloc(t, d, rows*cols)
			if err := d.SoftCrossEntropyBackward(gds, gdl, gt, gs, rows, cols, temp); err != nil {
				t.Fatal(err)
			}
			wds := make([]float64, rows*cols)
			ref.SoftCrossEntropyBackward(wds, to64(dl), to64(tv), to64(sv), rows, cols, temp)
			ktRel(t, name+" ds", mustDownload(t, d, gds), wds, 1e-6)
			ktRelease(gt, gs, gl, gdl, gds)
		}
	}
}

// TestSoftCrossEntropyExtremes checks rows whose scores span a huge range
// (most exponentials underflow to zero) and a row with one dominant score.
func TestSoftCrossEntropyExtremes(t *testing.T) {
	d := openTestDevice(t)
	rows, cols := 3, 300
	sv := make([]float32, rows*cols)
	for k := range cols {
		sv[k] = float32(k) // row 0: a ramp of 300 over temp 0.1
		sv[cols+k] = -1e4
		sv[2*cols+k] = float32(k%7) - 50
	}
	sv[cols+17] = 1e4
	rng := rand.New(rand.NewPCG(33, 34))
	tv := ktTargets(rng, rows, cols, false)
	gt, gs, gl := mustUpload(t, d, tv), mustUpload(t, d, sv), ktAlloc(t, d, rows)
	defer ktRelease(gt, gs, gl)
	if err := d.SoftCrossEntropy(gl, gt, gs, rows, cols, 0.1); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, rows)
	ref.SoftCrossEntropy(want, to64(tv), to64(sv), rows, cols, 0.1)
	got := mustDownload(t, d, gl)
	ktRel(t, "extreme loss", got, want, 1e-6)
}

func TestSoftCrossEntropyPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b, l := ktAlloc(t, d, 12), ktAlloc(t, d, 12), ktAlloc(t, d, 3)
	defer ktRelease(a, b, l)
	ktPanics(t, "gpu.SoftCrossEntropy", func() { d.SoftCrossEntropy(l, a, b, 4, 3, 1) })
	ktPanics(t, "gpu.SoftCrossEntropy", func() { d.SoftCrossEntropy(l, a, b, 3, 5, 1) })
	ktPanics(t, "gpu.SoftCrossEntropyBackward", func() { d.SoftCrossEntropyBackward(a, l, a, b, 3, 4, 1) })
}

// BenchmarkSoftCrossEntropy reports the bandwidth of the DINO loss shape
// (128 rows × 16,384 prototypes): the forward reads t and s once, the
// backward reads them twice and writes ds.
func BenchmarkSoftCrossEntropy(b *testing.B) {
	d := openTestDevice(b)
	rows, cols := 128, 16384
	rng := rand.New(rand.NewPCG(35, 36))
	gt := mustUpload(b, d, ktTargets(rng, rows, cols, false))
	gs := mustUpload(b, d, randSlice(rng, rows*cols))
	gl := mustUpload(b, d, randSlice(rng, rows))
	gds, err := d.Alloc(rows * cols)
	if err != nil {
		b.Fatal(err)
	}
	defer ktRelease(gt, gs, gl, gds)
	n := float64(rows * cols)
	b.Run("fwd", func(b *testing.B) {
		ktBenchLoop(b, d, 8*n, func() error { return d.SoftCrossEntropy(gl, gt, gs, rows, cols, 0.1) })
	})
	b.Run("bwd", func(b *testing.B) {
		ktBenchLoop(b, d, 20*n, func() error { return d.SoftCrossEntropyBackward(gds, gl, gt, gs, rows, cols, 0.1) })
	})
}

// ktBenchLoop times b.N calls of op (queued, then one Sync) after a warm-up
// and reports bytes/ns as GB/s.
func ktBenchLoop(b *testing.B, d *Device, bytes float64, op func() error) {
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
	b.ReportMetric(bytes*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GB/s")
}
