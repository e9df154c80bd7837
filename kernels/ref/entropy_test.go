package ref

import (
	"math"
	"testing"
)

// MeanRowEntropy on rows whose entropy is known in closed form: uniform
// over m of K entries (ln m, the rest zeros or negatives, which contribute
// nothing), one-hot (0) and a two-point row (−a ln a − b ln b); only the
// first maxRows rows count.
func TestMeanRowEntropyKnown(t *testing.T) {
	const cols = 7
	rows := [][]float64{
		{1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7, 1.0 / 7},
		{0, 0.25, 0, 0.25, 0.25, -0.5, 0.25},
		{0, 0, 1, 0, 0, 0, 0},
		{0.3, 0, 0, 0, 0.7, 0, 0},
		{0.5, 0.5, 0, 0, 0, 0, 0}, // beyond maxRows = 4
	}
	h := []float64{math.Log(7), math.Log(4), 0, -0.3*math.Log(0.3) - 0.7*math.Log(0.7), math.Log(2)}
	var p []float64
	for _, r := range rows {
		p = append(p, r...)
	}
	for _, tc := range []struct{ maxRows, n int }{{1, 1}, {4, 4}, {5, 5}, {100, 5}} {
		var want float64
		for _, v := range h[:tc.n] {
			want += v
		}
		want /= float64(tc.n)
		got := make([]float64, 1)
		MeanRowEntropy(got, p, len(rows), cols, tc.maxRows)
		if math.Abs(got[0]-want) > 1e-15 {
			t.Errorf("maxRows %d: %v, want %v", tc.maxRows, got[0], want)
		}
	}
	got := make([]float64, 1)
	MeanRowEntropy(got, nil, 0, cols, 3)
	if !math.IsNaN(got[0]) {
		t.Errorf("no rows: %v, want NaN", got[0])
	}
	expectPanic(t, "ref.MeanRowEntropy: maxRows=0, want at least 1", func() { MeanRowEntropy(got, p, len(rows), cols, 0) })
	expectPanic(t, "ref.MeanRowEntropy: len(p)=35 is not rows×cols=5×6", func() { MeanRowEntropy(got, p, len(rows), 6, 2) })
}
