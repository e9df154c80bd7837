package cpu

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// softmaxTol bounds ||y − y_ref||/||y_ref|| of the softmax family: each
// element carries exp's ~1e-7 relative error plus the float32 row sum's
// (at most 2048 terms per run, 16 lanes deep: ~1e-7 typical) and a final
// rounding; 1e-6 leaves a margin of several times what is measured while
// one wrong element of a 31-column row already shows as ~1e-1.
const softmaxTol = 1e-6

func TestSoftmax(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(10)
		shapes := append(rowShapes, [2]int{2, 65536})
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			x := uniformSlice(rng, rows*cols, -12, 12)
			x64 := to64(x)
			y := make([]float32, len(x))
			Softmax(y, x, rows, cols)
			want := make([]float64, len(x))
			ref.Softmax(want, x64, rows, cols)
			checkRel(t, "Softmax "+shapeName(rows, cols), y, want, softmaxTol)

			LogSoftmax(y, x, rows, cols)
			ref.LogSoftmax(want, x64, rows, cols)
			checkRel(t, "LogSoftmax "+shapeName(rows, cols), y, want, softmaxTol)

			// In place: y may be x.
			xc := append([]float32(nil), x...)
			LogSoftmax(xc, xc, rows, cols)
			checkRel(t, "LogSoftmax in place "+shapeName(rows, cols), xc, want, softmaxTol)
		}
	})
}

func TestSoftmaxBackward(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(11)
		for _, sh := range append(rowShapes, [2]int{2, 65536}) {
			rows, cols := sh[0], sh[1]
			x := uniformSlice(rng, rows*cols, -6, 6)
			dy := randSlice(rng, rows*cols)
			y := make([]float32, len(x))
			dx := make([]float32, len(x))
			want := make([]float64, len(x))

			Softmax(y, x, rows, cols)
			SoftmaxBackward(dx, y, dy, rows, cols)
			ref.SoftmaxBackward(want, to64(y), to64(dy), rows, cols)
			// dx = y⊙dy − y·(y·dy) cancels: measure against ||y⊙dy||.
			checkRelTo(t, "SoftmaxBackward "+shapeName(rows, cols), dx, want, norm2Prod(y, dy), softmaxTol)

			LogSoftmax(y, x, rows, cols)
			LogSoftmaxBackward(dx, y, dy, rows, cols)
			ref.LogSoftmaxBackward(want, to64(y), to64(dy), rows, cols)
			checkRel(t, "LogSoftmaxBackward "+shapeName(rows, cols), dx, want, softmaxTol)

			// dx may alias dy.
			LogSoftmaxBackward(dy, y, dy, rows, cols)
			checkRel(t, "LogSoftmaxBackward in place "+shapeName(rows, cols), dy, want, softmaxTol)
		}
	})
}

// TestSoftmaxExtremes feeds rows with ±80 logits (e^160 would overflow
// float32 without the max subtraction) and −Inf entries (masked logits),
// checks that −Inf gives exactly 0 (softmax) or −Inf (log-softmax), and
// compares everything else with the reference.
func TestSoftmaxExtremes(t *testing.T) {
	inf := float32(math.Inf(1))
	rows := [][]float32{
		{80, -80, 79.5, 0, -inf, 80, 1, -inf, 3, 77, -79, 80, 12},
		{-80, -80, -80, -80, -80, -80, -80, -80, -80},
		{-inf, -inf, -inf, 5, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
		{80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80},
		{-100, 100, -inf, 0},
	}
	forEachPath(t, func(t *testing.T) {
		for i, x := range rows {
			n := len(x)
			y := make([]float32, n)
			ly := make([]float32, n)
			want := make([]float64, n)
			lwant := make([]float64, n)
			Softmax(y, x, 1, n)
			LogSoftmax(ly, x, 1, n)
			ref.Softmax(want, to64(x), 1, n)
			ref.LogSoftmax(lwant, to64(x), 1, n)
			var sum float64
			for k := range x {
				sum += float64(y[k])
				if x[k] == -inf {
					if y[k] != 0 || ly[k] != -inf {
						t.Errorf("row %d: x=−Inf gives softmax %g, log-softmax %g; want 0, −Inf", i, y[k], ly[k])
					}
					lwant[k], ly[k] = 0, 0 // compare the finite entries below
				}
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("row %d: softmax sums to %.9g", i, sum)
			}
			checkRel(t, "Softmax extremes", y, want, softmaxTol)
			checkRel(t, "LogSoftmax extremes", ly, lwant, softmaxTol)
		}
	})
}

func TestSoftmaxPanicsOnBadSizes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("Softmax with len(y) ≠ rows·cols did not panic")
		}
	}()
	Softmax(make([]float32, 5), make([]float32, 6), 2, 3)
}

func benchmarkSoftmax(b *testing.B, f func(y, x []float32, rows, cols int), rows, cols int) {
	x, y := benchInput(rows*cols), make([]float32, rows*cols)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			f(y, x, rows, cols)
		}
		reportGBs(b, 8*rows*cols)
	})
}

func BenchmarkSoftmaxAttention(b *testing.B) {
	benchmarkSoftmax(b, Softmax, benchAttnRows, benchAttnCols)
}

func BenchmarkSoftmaxDINOHead(b *testing.B) {
	benchmarkSoftmax(b, Softmax, benchHeadRows, benchHeadCols)
}

func BenchmarkLogSoftmaxAttention(b *testing.B) {
	benchmarkSoftmax(b, LogSoftmax, benchAttnRows, benchAttnCols)
}

func BenchmarkLogSoftmaxDINOHead(b *testing.B) {
	benchmarkSoftmax(b, LogSoftmax, benchHeadRows, benchHeadCols)
}

func BenchmarkSoftmaxBackwardAttention(b *testing.B) {
	rows, cols := benchAttnRows, benchAttnCols
	y, dy, dx := benchInput(rows*cols), benchInput(rows*cols), make([]float32, rows*cols)
	for b.Loop() {
		SoftmaxBackward(dx, y, dy, rows, cols)
	}
	reportGBs(b, 12*rows*cols)
}
