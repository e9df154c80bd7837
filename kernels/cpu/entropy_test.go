package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// entropyRows returns rows×cols probabilities: softmax rows of logits with
// spread s (peaked or flat distributions), with a few entries set to 0 or
// a negative value (which contribute nothing) and, when rows > 2, row 1
// one-hot (entropy 0).
func entropyRows(rng *rand.Rand, rows, cols int, s float64) []float32 {
	p := make([]float32, rows*cols)
	for r := 0; r < rows; r++ {
		row := p[r*cols : (r+1)*cols]
		var sum float64
		w := make([]float64, cols)
		for k := range w {
			w[k] = math.Exp(s * rng.NormFloat64())
			sum += w[k]
		}
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

// MeanRowEntropy against the float64 reference on awkward sizes (1,
// primes, the DINO prototype count), with maxRows below, at and above the
// row count. The float64 accumulation leaves only the rounding of the
// result: bound 1e-6.
func TestMeanRowEntropyMatchesRef(t *testing.T) {
	rng := newRNG(24)
	for _, sh := range [][2]int{{1, 1}, {1, 13}, {3, 1}, {7, 13}, {31, 97}, {2, 16384}, {256, 257}} {
		rows, cols := sh[0], sh[1]
		for _, spread := range []float64{0.1, 3} {
			p := entropyRows(rng, rows, cols, spread)
			for _, maxRows := range []int{1, (rows + 1) / 2, rows, rows + 5} {
				got, want := make([]float32, 1), make([]float64, 1)
				MeanRowEntropy(got, p, rows, cols, maxRows)
				ref.MeanRowEntropy(want, to64(p), rows, cols, maxRows)
				checkRel(t, fmt.Sprintf("MeanRowEntropy %s spread %v maxRows %d", shapeName(rows, cols), spread, maxRows), got, want, 1e-6)
			}
		}
	}
}

func TestMeanRowEntropyEdges(t *testing.T) {
	got := make([]float32, 1)
	MeanRowEntropy(got, nil, 0, 5, 4)
	if !math.IsNaN(float64(got[0])) {
		t.Errorf("no rows: %v, want NaN", got[0])
	}
	MeanRowEntropy(got, []float32{0.5, float32(math.NaN())}, 1, 2, 1)
	if !math.IsNaN(float64(got[0])) {
		t.Errorf("a NaN probability: %v, want NaN", got[0])
	}
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { MeanRowEntropy(got, make([]float32, 6), 2, 3, 0) }, "cpu.MeanRowEntropy: maxRows=0, want at least 1"},
		{func() { MeanRowEntropy(got, make([]float32, 6), 2, 4, 1) }, "cpu.MeanRowEntropy: len(p)=6 is not rows×cols=2×4"},
		{func() { MeanRowEntropy(make([]float32, 2), make([]float32, 6), 2, 3, 1) }, "cpu.MeanRowEntropy: len(dst)=2, want 1"},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// The collapse monitor's shape: the first 256 rows of DINO targets over
// 16,384 prototypes. Bytes: p read once.
func BenchmarkMeanRowEntropy(b *testing.B) {
	rows, cols := 256, 16384
	p := entropyRows(newRNG(25), rows, cols, 1)
	dst := make([]float32, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		MeanRowEntropy(dst, p, rows, cols, rows)
	}
	reportGBs(b, 4*rows*cols)
}
