package cpu

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// lnTol bounds the relative norm errors of LayerNorm's outputs. The row
// statistics are float32 sums over at most a few thousand terms in 16–32
// partial sums (~1e-7 relative), rstd is formed in float64, and dγ, dβ add
// float32 runs of 64 rows in float64; the backward's dx subtracts two
// means from g, which can cancel, so it gets 2e-6.
const (
	lnTol   = 1e-6
	lnBwTol = 2e-6
)

func TestLayerNorm(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(30)
		shapes := append(rowShapes, [2]int{300, 7}, [2]int{1, 0})
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			name := shapeName(rows, cols)
			x := randSlice(rng, rows*cols)
			for i := range x {
				x[i] = 3 + 2*x[i] // an offset that the centring must remove
			}
			gamma := randSlice(rng, cols)
			beta := randSlice(rng, cols)
			dy := randSlice(rng, rows*cols)
			const eps = 1e-6

			y := make([]float32, rows*cols)
			mean := make([]float32, rows)
			rstd := make([]float32, rows)
			LayerNorm(y, mean, rstd, x, gamma, beta, rows, cols, eps)
			wy := make([]float64, rows*cols)
			wmean := make([]float64, rows)
			wrstd := make([]float64, rows)
			ref.LayerNorm(wy, wmean, wrstd, to64(x), to64(gamma), to64(beta), rows, cols, eps)
			checkRel(t, "LayerNorm y "+name, y, wy, lnTol)
			checkRel(t, "LayerNorm mean "+name, mean, wmean, lnTol)
			checkRel(t, "LayerNorm rstd "+name, rstd, wrstd, lnTol)

			dx := make([]float32, rows*cols)
			dg := make([]float32, cols)
			db := make([]float32, cols)
			LayerNormBackward(dx, dg, db, dy, x, mean, rstd, gamma, rows, cols)
			wdx := make([]float64, rows*cols)
			wdg := make([]float64, cols)
			wdb := make([]float64, cols)
			ref.LayerNormBackward(wdx, wdg, wdb, to64(dy), to64(x), to64(mean), to64(rstd), to64(gamma), rows, cols)
			// dx = rstd·(g − mean(g) − x̂·mean(g⊙x̂)) cancels (exactly, to 0,
			// on two columns): measure against ||rstd·g||.
			gs := lnGradScale(dy, gamma, rstd, rows, cols)
			checkRelTo(t, "LayerNormBackward dx "+name, dx, wdx, gs, lnBwTol)
			checkRel(t, "LayerNormBackward dgamma "+name, dg, wdg, lnTol)
			checkRel(t, "LayerNormBackward dbeta "+name, db, wdb, lnTol)

			// dx may alias dy.
			LayerNormBackward(dy, dg, db, dy, x, mean, rstd, gamma, rows, cols)
			checkRelTo(t, "LayerNormBackward in place "+name, dy, wdx, gs, lnBwTol)
		}
	})
}

// TestLayerNormManyRows checks the column sums dγ, dβ over many rows, run
// with several thread counts (the order, hence the result, must not change).
func TestLayerNormManyRows(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(31)
		rows, cols := 5000, 131
		x, dy := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
		gamma := randSlice(rng, cols)
		mean, rstd := make([]float32, rows), make([]float32, rows)
		LayerNorm(make([]float32, rows*cols), mean, rstd, x, gamma, gamma, rows, cols, 1e-6)
		var first []float32
		for _, th := range []int{1, 2, 3} {
			dx := make([]float32, rows*cols)
			dg, db := make([]float32, cols), make([]float32, cols)
			withThreads(th, func() { LayerNormBackward(dx, dg, db, dy, x, mean, rstd, gamma, rows, cols) })
			wdx := make([]float64, rows*cols)
			wdg, wdb := make([]float64, cols), make([]float64, cols)
			ref.LayerNormBackward(wdx, wdg, wdb, to64(dy), to64(x), to64(mean), to64(rstd), to64(gamma), rows, cols)
			checkRel(t, "dgamma", dg, wdg, lnTol)
			checkRel(t, "dbeta", db, wdb, lnTol)
			checkRel(t, "dx", dx, wdx, lnBwTol)
			all := append(append(dg, db...), dx...)
			if first == nil {
				first = all
				continue
			}
			for i := range all {
				if all[i] != first[i] {
					t.Fatalf("threads=%d: result %d differs from the 1-thread run", th, i)
				}
			}
		}
	})
}

// lnGradScale returns ||rstd·dy⊙γ||₂, the size of LayerNorm's dx before the
// two projections cancel part of it.
func lnGradScale(dy, gamma, rstd []float32, rows, cols int) float64 {
	var s float64
	for r := range rows {
		for c := range cols {
			v := float64(rstd[r]) * float64(dy[r*cols+c]) * float64(gamma[c])
			s += v * v
		}
	}
	return math.Sqrt(s)
}

func BenchmarkLayerNorm(b *testing.B) {
	rows, cols := benchTokens, benchWidth
	x, y := benchInput(rows*cols), make([]float32, rows*cols)
	gamma, beta := benchInput(cols), benchInput(cols)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			LayerNorm(y, mean, rstd, x, gamma, beta, rows, cols, 1e-6)
		}
		reportGBs(b, 8*rows*cols)
	})
}

// BenchmarkLayerNormBackward counts dy and x read and dx written once
// (12 bytes per element), although dγ, dβ read dy and x a second time.
func BenchmarkLayerNormBackward(b *testing.B) {
	rows, cols := benchTokens, benchWidth
	x, dy, dx := benchInput(rows*cols), benchInput(rows*cols), make([]float32, rows*cols)
	gamma := benchInput(cols)
	dg, db := make([]float32, cols), make([]float32, cols)
	mean, rstd := make([]float32, rows), make([]float32, rows)
	LayerNorm(make([]float32, rows*cols), mean, rstd, x, gamma, gamma, rows, cols, 1e-6)
	benchPaths(b, func(b *testing.B) {
		for b.Loop() {
			LayerNormBackward(dx, dg, db, dy, x, mean, rstd, gamma, rows, cols)
		}
		reportGBs(b, 12*rows*cols)
	})
}
