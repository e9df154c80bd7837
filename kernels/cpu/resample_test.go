package cpu

import (
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// resampleTol: each output is a float32 sum of at most inH·inW weighted
// terms (weights of magnitude ≤ 1 from rows that sum to 1), a few float32
// roundings each; 1e-6 of the norm.
const resampleTol = 1e-6

func TestResample2D(t *testing.T) {
	rng := newRNG(90)
	type matrices struct {
		name       string
		inH, inW   int
		outH, outW int
		wy, wx     []float64
	}
	cases := []matrices{
		{"mode T 37→7", 37, 37, 7, 7, ref.BicubicMatrix(7, 37, 7.1/37), ref.BicubicMatrix(7, 37, 7.1/37)},
		{"mode E 37→7", 37, 37, 7, 7, ref.AntialiasBicubicMatrix(7, 37), ref.AntialiasBicubicMatrix(7, 37)},
		{"mode E 37→16×13", 37, 37, 16, 13, ref.AntialiasBicubicMatrix(16, 37), ref.AntialiasBicubicMatrix(13, 37)},
		{"random 5×3→2×7", 5, 3, 2, 7, to64(randSlice(rng, 2*5)), to64(randSlice(rng, 7*3))},
		{"1×1", 1, 1, 1, 1, []float64{0.5}, []float64{2}},
	}
	for _, ch := range []int{1, 13, 384} {
		for _, c := range cases {
			wy, wx := toF32(c.wy), toF32(c.wx)
			src := randSlice(rng, c.inH*c.inW*ch)
			got := make([]float32, c.outH*c.outW*ch)
			want := make([]float64, len(got))
			Resample2D(got, src, wy, wx, c.inH, c.inW, c.outH, c.outW, ch)
			ref.Resample2D(want, to64(src), to64(wy), to64(wx), c.inH, c.inW, c.outH, c.outW, ch)
			checkRel(t, "Resample2D "+c.name, got, want, resampleTol)

			ddst := randSlice(rng, len(got))
			dsrc := make([]float32, len(src))
			wdsrc := make([]float64, len(src))
			Resample2DAdjoint(dsrc, ddst, wy, wx, c.inH, c.inW, c.outH, c.outW, ch)
			ref.Resample2DAdjoint(wdsrc, to64(ddst), to64(wy), to64(wx), c.inH, c.inW, c.outH, c.outW, ch)
			checkRel(t, "Resample2DAdjoint "+c.name, dsrc, wdsrc, resampleTol)
		}
	}
}

func toF32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}
