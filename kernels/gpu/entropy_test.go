package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// ktEntropyShapes are the rows×cols shapes of the MeanRowEntropy test: 1,
// primes, vec4 and scalar rows, and the collapse monitor's own 256 rows of
// 16,384 prototypes.
var ktEntropyShapes = [][2]int{{1, 1}, {1, 13}, {3, 1}, {2, 4}, {7, 13}, {31, 97}, {5, 257}, {3, 16387}, {256, 16384}}

// ktProbs returns rows×cols probabilities: softmax rows of logits with
// spread s (flat for small s, peaked for large), with one entry of each
// row set to 0 and one to a negative value (both contribute nothing) when
// cols > 2, and row 1 one-hot (entropy 0) when rows > 2.
func ktProbs(rng *rand.Rand, rows, cols int, s float64) []float32 {
	p := make([]float32, rows*cols)
	w := make([]float64, cols)
	for r := range rows {
		var sum float64
		for k := range w {
			w[k] = math.Exp(s * rng.NormFloat64())
			sum += w[k]
		}
		row := p[r*cols : (r+1)*cols]
		for k := range row {
			row[k] = float32(w[k] / sum)
		}
		if cols > 2 {
			row[rng.IntN(cols)] = 0
			row[rng.IntN(cols)] = -1e-3
		}
	}
	if rows > 2 {
		row := p[cols : 2*cols]
		clear(row)
		row[rng.IntN(cols)] = 1
	}
	return p
}

// TestMeanRowEntropy compares with the float64 reference for maxRows
// below, at and above the row count, and checks that a second run agrees
// bit for bit (the sums have a fixed order). The float32 row sums (strided
// partials, then a tree) and the device's log bound the error: 1e-5.
func TestMeanRowEntropy(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(53, 54))
	dst := ktAlloc(t, d, 1)
	defer ktRelease(dst)
	for _, sh := range ktEntropyShapes {
		rows, cols := sh[0], sh[1]
		for _, spread := range []float64{0.1, 3} {
			p := ktProbs(rng, rows, cols, spread)
			gp := mustUpload(t, d, p)
			for _, maxRows := range []int{1, (rows + 1) / 2, rows, rows + 5} {
				name := fmt.Sprintf("MeanRowEntropy %dx%d spread %v maxRows %d", rows, cols, spread, maxRows)
				if err := d.MeanRowEntropy(dst, gp, rows, cols, maxRows); err != nil {
					t.Fatal(err)
				}
				got := mustDownload(t, d, dst)
				want := make([]float64, 1)
				ref.MeanRowEntropy(want, to64(p), rows, cols, maxRows)
				ktRel(t, name, got, want, 1e-5)
				if err := d.MeanRowEntropy(dst, gp, rows, cols, maxRows); err != nil {
					t.Fatal(err)
				}
				if again := mustDownload(t, d, dst); again[0] != got[0] {
					t.Errorf("%s: run 2 gave %v, run 1 %v", name, again[0], got[0])
				}
			}
			ktRelease(gp)
		}
	}
}

// TestMeanRowEntropyWide runs the comparison with 128 invocations per
// workgroup (lavapipe otherwise gets only 64; see TestRowKernelsWide).
func TestMeanRowEntropyWide(t *testing.T) {
	saved := ktEntropyShapes
	rkForceWG = 128
	ktEntropyShapes = [][2]int{{3, 1031}, {300, 12}}
	defer func() { rkForceWG, ktEntropyShapes = 0, saved }()
	TestMeanRowEntropy(t)
}

// No rows is a mean of nothing (NaN); no columns, rows of entropy 0.
func TestMeanRowEntropyEmpty(t *testing.T) {
	d := openTestDevice(t)
	dst, empty := ktAlloc(t, d, 1), ktAlloc(t, d, 0)
	defer ktRelease(dst, empty)
	if err := d.MeanRowEntropy(dst, empty, 0, 7, 3); err != nil {
		t.Fatal(err)
	}
	if v := mustDownload(t, d, dst)[0]; !math.IsNaN(float64(v)) {
		t.Errorf("0 rows: %v, want NaN", v)
	}
	if err := d.MeanRowEntropy(dst, empty, 4, 0, 3); err != nil {
		t.Fatal(err)
	}
	if v := mustDownload(t, d, dst)[0]; v != 0 {
		t.Errorf("0 columns: %v, want 0", v)
	}
}

func TestMeanRowEntropyPanics(t *testing.T) {
	d := openTestDevice(t)
	a, b := ktAlloc(t, d, 12), ktAlloc(t, d, 1)
	defer ktRelease(a, b)
	ktPanics(t, "gpu.MeanRowEntropy: maxRows=0", func() { d.MeanRowEntropy(b, a, 3, 4, 0) })
	ktPanics(t, "gpu.MeanRowEntropy: len(p)=12 is not rows×cols=3×5", func() { d.MeanRowEntropy(b, a, 3, 5, 3) })
	ktPanics(t, "gpu.MeanRowEntropy: len(dst)=12, want 1", func() { d.MeanRowEntropy(a, a, 3, 4, 3) })
	ktPanics(t, "gpu.MeanRowEntropy: dst and p are the same buffer", func() { d.MeanRowEntropy(b, b, 1, 1, 1) })
}

// BenchmarkMeanRowEntropy reports the bandwidth of the collapse monitor
// on its trainer shape, 256 rows of 16,384 prototypes (256×65,536 with
// GOCX_GPU_BIG=1). Bytes: p read once (the per-row terms are negligible).
func BenchmarkMeanRowEntropy(b *testing.B) {
	d := openTestDevice(b)
	rows, cols := 256, 16384
	if os.Getenv("GOCX_GPU_BIG") == "1" {
		cols = 65536
	}
	gp := mustUpload(b, d, ktProbs(rand.New(rand.NewPCG(55, 56)), rows, cols, 1))
	dst, err := d.Alloc(1)
	if err != nil {
		b.Fatal(err)
	}
	defer ktRelease(gp, dst)
	ktBenchLoop(b, d, 4*float64(rows*cols), func() error { return d.MeanRowEntropy(dst, gp, rows, cols, rows) })
}
