package ref

import (
	"testing"

	"github.com/gocx/gocx/kernels"
)

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

func to64[T Float](x []T) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// TestFloat32Accuracy checks that the float32 instantiation accumulates in
// float64: on inputs that are exactly float32, its outputs are the float64
// outputs rounded once (relative error ≈ 2⁻²⁴, far below what a float32
// accumulator over hundreds of terms would give).
func TestFloat32Accuracy(t *testing.T) {
	rng := newRNG(t)
	const tol = 2e-7
	round := func(x []float64) []float64 { return to64(to32(x)) }

	const rows, cols = 5, 509
	x, gamma, beta := round(randn(rng, rows*cols)), round(randn(rng, cols)), round(randn(rng, cols))
	y64, m64, r64 := make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
	y32, m32, r32 := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
	LayerNorm(y64, m64, r64, x, gamma, beta, rows, cols, 1e-6)
	LayerNorm(y32, m32, r32, to32(x), to32(gamma), to32(beta), rows, cols, 1e-6)
	if e := relErr(to64(y32), y64); e > tol {
		t.Errorf("LayerNorm float32: relative error %g", e)
	}
	Softmax(y64, x, rows, cols)
	Softmax(y32, to32(x), rows, cols)
	if e := relErr(to64(y32), y64); e > tol {
		t.Errorf("Softmax float32: relative error %g", e)
	}

	p := kernels.Attention{BH: 2, SQ: 13, SK: 257, HD: 64, Scale: 0.125}
	q, k, v := round(randn(rng, 2*13*64)), round(randn(rng, 2*257*64)), round(randn(rng, 2*257*64))
	o64, p64 := make([]float64, len(q)), make([]float64, 2*13*257)
	o32, p32 := make([]float32, len(q)), make([]float32, 2*13*257)
	Attention(p, o64, p64, q, k, v)
	Attention(p, o32, p32, to32(q), to32(k), to32(v))
	if e := relErr(to64(o32), o64); e > tol {
		t.Errorf("Attention float32: relative error %g", e)
	}

	w := AntialiasBicubicMatrix(7, 37)
	src := round(randn(rng, 37*37*3))
	d64, d32 := make([]float64, 7*7*3), make([]float32, 7*7*3)
	Resample2D(d64, src, round(w), round(w), 37, 37, 7, 7, 3)
	Resample2D(d32, to32(src), to32(w), to32(w), 37, 37, 7, 7, 3)
	if e := relErr(to64(d32), d64); e > tol {
		t.Errorf("Resample2D float32: relative error %g", e)
	}
}
