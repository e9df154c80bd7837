package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// elemSizes are the lengths of the elementwise tests: tiny, primes, and
// one above elemChunk·2 so that the parallel split is exercised.
var elemSizes = []int{1, 7, 13, 31, 97, 131, 1000, 3*elemChunk + 5}

// Tolerances: Add, Mul and AddBias round the exact result of two float32
// operands once (≤ 2^-24 relative per element), so 1e-7 bounds the norm;
// Scale and Axpy also round the float64 scalar to float32 (another 2^-24),
// and Axpy's sum can cancel, so its error is measured against
// ||y|| + |α|·||x||.
const (
	exactOpTol  = 1e-7
	scaledOpTol = 2e-7
)

func TestElementwise(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(40)
		for _, n := range elemSizes {
			a, b := randSlice(rng, n), randSlice(rng, n)
			a64, b64 := to64(a), to64(b)
			got := make([]float32, n)
			want := make([]float64, n)

			Add(got, a, b)
			ref.Add(want, a64, b64)
			checkRel(t, "Add", got, want, exactOpTol)

			Mul(got, a, b)
			ref.Mul(want, a64, b64)
			checkRel(t, "Mul", got, want, exactOpTol)

			Scale(got, a, -0.3)
			ref.Scale(want, a64, -0.3)
			checkRel(t, "Scale", got, want, scaledOpTol)

			copy(got, a)
			copy(want, a64)
			Axpy(got, 0.7, b)
			ref.Axpy(want, 0.7, b64)
			checkRelTo(t, "Axpy", got, want, norm2Prod(a, nil)+0.7*norm2Prod(b, nil), scaledOpTol)

			// In place: dst may be an operand.
			c := append([]float32(nil), a...)
			Add(c, c, b)
			ref.Add(want, a64, b64)
			checkRel(t, "Add in place", c, want, exactOpTol)
		}
	})
}

func TestAddBias(t *testing.T) {
	rng := newRNG(41)
	for _, sh := range append(rowShapes, [2]int{3000, 13}) {
		rows, cols := sh[0], sh[1]
		x, bias := randSlice(rng, rows*cols), randSlice(rng, cols)
		got := make([]float32, rows*cols)
		want := make([]float64, rows*cols)
		AddBias(got, x, bias, rows, cols)
		ref.AddBias(want, to64(x), to64(bias), rows, cols)
		checkRel(t, "AddBias "+shapeName(rows, cols), got, want, exactOpTol)
	}
}

func BenchmarkAdd(b *testing.B) {
	n := 2088 * 1536
	x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
	for b.Loop() {
		Add(d, x, y)
	}
	reportGBs(b, 12*n)
}
