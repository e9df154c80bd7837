package cpu

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// normTol bounds the relative norm error of L2Normalize, WeightNorm and
// their backwards: row norms are float32 runs of 512 products added in
// float64 (~1e-7), then one scale or projection per element. The backward
// outputs are a projection that can cancel, so they are measured against
// the size of the unprojected term.
const normTol = 1e-6

func TestL2Normalize(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(70)
		for _, sh := range append(rowShapes, [2]int{2, 4099}) {
			rows, cols := sh[0], sh[1]
			name := shapeName(rows, cols)
			x, dy := randSlice(rng, rows*cols), randSlice(rng, rows*cols)
			const eps = 1e-12
			y, norm := make([]float32, rows*cols), make([]float32, rows)
			wy, wnorm := make([]float64, rows*cols), make([]float64, rows)
			L2Normalize(y, norm, x, rows, cols, eps)
			ref.L2Normalize(wy, wnorm, to64(x), rows, cols, eps)
			checkRel(t, "L2Normalize y "+name, y, wy, normTol)
			checkRel(t, "L2Normalize norm "+name, norm, wnorm, normTol)

			dx, wdx := make([]float32, rows*cols), make([]float64, rows*cols)
			L2NormalizeBackward(dx, dy, y, norm, rows, cols, eps)
			ref.L2NormalizeBackward(wdx, to64(dy), to64(y), to64(norm), rows, cols, eps)
			checkRelTo(t, "L2NormalizeBackward "+name, dx, wdx, l2Scale(dy, norm, cols), normTol)
		}
	})
}

// TestL2NormalizeClamp: a zero row (n ≤ eps) is divided by eps, forward
// and backward.
func TestL2NormalizeClamp(t *testing.T) {
	x := []float32{0, 0, 0, 3, 4, 0}
	y, norm := make([]float32, 6), make([]float32, 2)
	L2Normalize(y, norm, x, 2, 3, 0.5)
	dy := []float32{1, 2, 3, 1, 1, 1}
	dx := make([]float32, 6)
	L2NormalizeBackward(dx, dy, y, norm, 2, 3, 0.5)
	wy, wn, wdx := make([]float64, 6), make([]float64, 2), make([]float64, 6)
	ref.L2Normalize(wy, wn, to64(x), 2, 3, 0.5)
	ref.L2NormalizeBackward(wdx, to64(dy), wy, wn, 2, 3, 0.5)
	checkRel(t, "y", y, wy, normTol)
	checkRel(t, "dx", dx, wdx, normTol)
}

// l2Scale returns ||dy[r,:]/norm[r]||₂ over all rows.
func l2Scale(dy, norm []float32, cols int) float64 {
	s := make([]float32, len(dy))
	for i := range dy {
		s[i] = dy[i] / norm[i/cols]
	}
	return norm2Prod(s, nil)
}

func TestWeightNorm(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := newRNG(71)
		for _, sh := range append(rowShapes, [2]int{64, 256}) {
			rows, cols := sh[0], sh[1]
			name := shapeName(rows, cols)
			v, g, dw := randSlice(rng, rows*cols), randSlice(rng, rows), randSlice(rng, rows*cols)
			w, norm := make([]float32, rows*cols), make([]float32, rows)
			ww, wnorm := make([]float64, rows*cols), make([]float64, rows)
			WeightNorm(w, norm, g, v, rows, cols)
			ref.WeightNorm(ww, wnorm, to64(g), to64(v), rows, cols)
			checkRel(t, "WeightNorm w "+name, w, ww, normTol)
			checkRel(t, "WeightNorm norm "+name, norm, wnorm, normTol)

			dg, dv := make([]float32, rows), make([]float32, rows*cols)
			wdg, wdv := make([]float64, rows), make([]float64, rows*cols)
			WeightNormBackward(dg, dv, dw, g, v, norm, rows, cols)
			ref.WeightNormBackward(wdg, wdv, to64(dw), to64(g), to64(v), to64(norm), rows, cols)
			// dg is a dot product: its rounding scales with Σ|dw·v̂|.
			checkRelTo(t, "WeightNormBackward dg "+name, dg, wdg, absDotNorm(dw, v, norm, cols), normTol)
			// dv = (g/n)·(dw − proj): measured against ||g/n·dw||.
			gdw := make([]float32, len(dw))
			for i := range dw {
				gdw[i] = dw[i] * g[i/cols] / norm[i/cols]
			}
			checkRelTo(t, "WeightNormBackward dv "+name, dv, wdv, norm2Prod(gdw, nil), normTol)
		}
	})
}

func BenchmarkWeightNormDINO(b *testing.B) {
	rows, cols := 16384, 256
	v, g := make([]float32, rows*cols), make([]float32, rows)
	for i := range v {
		v[i] = 1
	}
	w, norm := make([]float32, rows*cols), make([]float32, rows)
	for b.Loop() {
		WeightNorm(w, norm, g, v, rows, cols)
	}
	reportGBs(b, 8*rows*cols)
}

// absDotNorm returns the norm over rows of Σ_k |dw[r,k]·v[r,k]|/norm[r],
// the scale of the rounding error of the row dot products dw·v̂.
func absDotNorm(dw, v, norm []float32, cols int) float64 {
	var s float64
	for r := range norm {
		var a float64
		for k := range cols {
			a += math.Abs(float64(dw[r*cols+k]) * float64(v[r*cols+k]))
		}
		a /= float64(norm[r])
		s += a * a
	}
	return math.Sqrt(s)
}
