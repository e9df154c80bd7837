package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Exp computes dst = eˣ elementwise, in parallel over blocks.
//
// Backward: dx = dy ⊙ y with y = eˣ the forward output (a Mul call).
//
// The float32 result has a relative error of about 1e-7 (the polynomial of
// exp32). Results below about 2^-125 (x < −86.99) flush to 0, x > 88.72
// gives +Inf, and NaN stays NaN. dst may be x.
func Exp(dst, x []float32) {
	kernels.CheckLen("cpu.Exp", "x", len(x), len(dst))
	parallelFor(len(dst), elemChunk, func(lo, hi int) {
		expRow(dst[lo:hi], x[lo:hi])
	})
}

// elemChunk is the minimum number of elements per goroutine of the
// elementwise kernels: below it a goroutine costs more than it saves.
const elemChunk = 16384

// The constants of exp32, the same bits as vecmath_amd64.h, so that the
// assembly and the pure-Go paths round alike.
const (
	expLo   = -87.5 // n = −126 there: the 2^(n−1) pattern is 0 (flush)
	expHi   = 89.0  // > ln(MaxFloat32) = 88.72: overflows to +Inf
	log2E32 = float32(math.Log2E)
	ln2Hi   = float32(0.693359375)            // 9 significant bits: n·ln2Hi is exact
	ln2Lo   = float32(math.Ln2 - 0.693359375) // the rest of ln 2
	expC7   = float32(1.0 / 5040)             // Taylor coefficients of e^r,
	expC6   = float32(1.0 / 720)              // |r| ≤ ln2/2: the first omitted
	expC5   = float32(1.0 / 120)              // term r⁸/8! is below 5.2e-9
	expC4   = float32(1.0 / 24)
	expC3   = float32(1.0 / 6)
)

// exp32 computes eˣ in float32 with the algorithm of the EXP8 assembly
// macro: clamp x to [−87.5, 89], n = round(x·log₂e), r = x − n·ln2 in two
// parts (Cody–Waite), e^r by its degree-7 Taylor polynomial p, and
// eˣ = (2p)·2^(n−1) with 2^(n−1) written straight into the exponent bits.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	if x < expLo {
		x = expLo
	} else if x > expHi {
		x = expHi
	}
	// Adding and subtracting 1.5·2²³ rounds to the nearest integer (ties to
	// even) in float32: cheaper than math.RoundToEven on every GOARCH.
	const round = 1.5 * (1 << 23)
	n := (x*log2E32 + round) - round
	r := x - n*ln2Hi
	r -= n * ln2Lo
	p := expC7
	p = p*r + expC6
	p = p*r + expC5
	p = p*r + expC4
	p = p*r + expC3
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	scale := math.Float32frombits(uint32(int32(n)+126) << 23) // 2^(n−1)
	return (p + p) * scale
}

// expGeneric is the pure-Go exp row: dst[i] = exp32(x[i]).
func expGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}
