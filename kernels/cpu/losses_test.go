package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// ceTol bounds the relative norm error of SoftCrossEntropy and its
// backward. The exponents are formed as (s − max s)/temp in float32, the
// exp-sums are float32 runs added in float64, and Σt, Σt·s are float64,
// so every output is within a few float32 roundings of the reference even
// with |s/temp| in the hundreds (as here); measured < 1e-7.
const ceTol = 1e-6

func TestSoftCrossEntropy(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(60)
		for _, sh := range append(rowShapes, [2]int{2, 65536}, [2]int{3, 1030}) {
			rows, cols := sh[0], sh[1]
			name := shapeName(rows, cols)
			s := randSlice(rng, rows*cols)
			for i := range s {
				s[i] *= 6 // logits/temp up to about ±60 at temp 0.1
			}
			// Teacher targets: a softmax of random logits (rows sum to 1),
			// scaled by 0.8 on odd rows (the kernels must not assume Σt = 1).
			tt := make([]float32, rows*cols)
			Softmax(tt, randSlice(rng, rows*cols), rows, cols)
			for r := 1; r < rows; r += 2 {
				Scale(tt[r*cols:(r+1)*cols], tt[r*cols:(r+1)*cols], 0.8)
			}
			dloss := randSlice(rng, rows)
			const temp = 0.1

			loss := make([]float32, rows)
			want := make([]float64, rows)
			SoftCrossEntropy(loss, tt, s, rows, cols, temp)
			ref.SoftCrossEntropy(want, to64(tt), to64(s), rows, cols, temp)
			checkRel(t, "SoftCrossEntropy "+name, loss, want, ceTol)

			ds := make([]float32, rows*cols)
			wds := make([]float64, rows*cols)
			SoftCrossEntropyBackward(ds, dloss, tt, s, rows, cols, temp)
			ref.SoftCrossEntropyBackward(wds, to64(dloss), to64(tt), to64(s), rows, cols, temp)
			checkRel(t, "SoftCrossEntropyBackward "+name, ds, wds, ceTol)
		}
	})
}

// TestSoftCrossEntropyOnlineMax puts the row maximum in a late run, so the
// online rescaling of the running exp-sum is exercised, and a huge logit
// (±80/temp) that would overflow without the max subtraction.
func TestSoftCrossEntropyOnlineMax(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		cols := 3*sumRun + 17
		s := uniformSlice(newRNG(61), 2*cols, -1, 1)
		s[cols-3] = 8        // row 0: max in the last run
		s[cols+5] = -8       // row 1: min in the first run...
		s[cols+2*sumRun] = 8 // ...max in the third
		tt := make([]float32, 2*cols)
		for i := range tt {
			tt[i] = 1 / float32(cols)
		}
		loss := make([]float32, 2)
		want := make([]float64, 2)
		SoftCrossEntropy(loss, tt, s, 2, cols, 0.1)
		ref.SoftCrossEntropy(want, to64(tt), to64(s), 2, cols, 0.1)
		checkRel(t, "SoftCrossEntropy", loss, want, ceTol)
	})
}

func BenchmarkSoftCrossEntropyDINO(b *testing.B) {
	rows, cols := 128, 16384
	s, tt, loss := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows)
	b.ResetTimer()
	for b.Loop() {
		SoftCrossEntropy(loss, tt, s, rows, cols, 0.1)
	}
	reportGBs(b, 8*rows*cols)
}
