package cpu

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Gelu computes the exact (erf) GELU elementwise, as PyTorch's
// nn.GELU(approximate='none') and DINOv2's MLP:
//
//	y = x·Φ(x) = ½·x·(1 + erf(x/√2)).
//
// Backward: GeluBackward, dx = dy·(Φ(x) + x·φ(x)).
//
// Φ is evaluated without an erf call (see phi32): for |x| ≤ √2 as
// 0.5 + x·A(x²), elsewhere as q = Φ(−|x|) = e^{−x²/2}·B(1/(1 + |x|/(2√2)))
// and Φ = q or 1 − q by the sign of x; A and B are minimax polynomial fits
// (degree 6 and 7) derived for this package. The absolute error of Φ is
// below 1e-7 (that of the implied erf below 2e-7). dst may be x.
func Gelu(dst, x []float32) {
	kernels.CheckLen("cpu.Gelu", "x", len(x), len(dst))
	parallelFor(len(dst), elemChunk, func(lo, hi int) {
		geluRow(dst[lo:hi], x[lo:hi])
	})
}

// GeluBackward computes the gradient of Gelu from its input x and dy:
//
//	dx = dy·(Φ(x) + x·φ(x)),  φ(x) = e^{−x²/2}/√(2π).
//
// The exponential is shared with Φ's tail form, so it costs one exp per
// element like the forward. dx may be x or dy.
func GeluBackward(dx, x, dy []float32) {
	kernels.CheckLen("cpu.GeluBackward", "x", len(x), len(dx))
	kernels.CheckLen("cpu.GeluBackward", "dy", len(dy), len(dx))
	parallelFor(len(dx), elemChunk, func(lo, hi int) {
		geluBackwardRow(dx[lo:hi], x[lo:hi], dy[lo:hi])
	})
}

// Coefficients of Φ, the same bits as vecmath_amd64.h. They were fitted
// (Lawson's iteratively reweighted least squares, float64) for relative
// error below 2e-9 (A, on erf(z)/z for z ∈ [0,1]) and 5e-8 (B, on
// ½·erfc(z)·e^{z²} for z ∈ [1,9]), then rescaled from z = x/√2 to x.
var (
	phiA = [...]float32{3.9894227992e-01, -6.6490356952e-02, 9.9733744885e-03, -1.1867820665e-03,
		1.1464695574e-04, -8.8501082905e-06, 4.3387032785e-07}
	phiB = [...]float32{-1.6632317958e-05, 1.4144811239e-01, 1.3696179515e-01, 1.4634869742e-01,
		1.1291213376e-02, 1.9619387916e-01, -1.7226995084e-01, 3.9851695314e-02}
)

const (
	phiSplit   = float32(math.Sqrt2)         // series below, erfc form above
	phiTScale  = float32(0.5 / math.Sqrt2)   // t = 1/(1 + |x|·phiTScale)
	invSqrt2Pi = float32(0.3989422804014327) // 1/√(2π) = phiA[0]
)

// phi32 returns Φ(x), the standard normal CDF, and e^{−x²/2}, with the
// algorithm of the PHI8 assembly macro.
func phi32(x float32) (cdf, e float32) {
	a := &phiA
	x2 := x * x
	e = exp32(-0.5 * x2)
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if ax <= phiSplit {
		p := a[6]*x2 + a[5]
		p = p*x2 + a[4]
		p = p*x2 + a[3]
		p = p*x2 + a[2]
		p = p*x2 + a[1]
		p = p*x2 + a[0]
		return 0.5 + x*p, e
	}
	b := &phiB
	t := 1 / (1 + ax*phiTScale)
	p := b[7]*t + b[6]
	p = p*t + b[5]
	p = p*t + b[4]
	p = p*t + b[3]
	p = p*t + b[2]
	p = p*t + b[1]
	p = p*t + b[0]
	q := e * p
	if math.Float32bits(x)>>31 != 0 {
		return q, e
	}
	return 1 - q, e
}

// geluGeneric sets dst[i] = x[i]·Φ(x[i]).
func geluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		c, _ := phi32(v)
		dst[i] = v * c
	}
}

// geluBackwardGeneric sets dx[i] = dy[i]·(Φ(x[i]) + x[i]·φ(x[i])).
func geluBackwardGeneric(dx, x, dy []float32) {
	x, dy = x[:len(dx)], dy[:len(dx)]
	for i, v := range x {
		c, e := phi32(v)
		dx[i] = dy[i] * (c + v*(e*invSqrt2Pi))
	}
}
