package ref

import (
	"math"

	"github.com/gocx/gocx/kernels"
)

// Add computes dst = a + b elementwise.
//
// Backward: da = dy and db = dy.
func Add[T Float](dst, a, b []T) {
	kernels.CheckLen("ref.Add", "a", len(a), len(dst))
	kernels.CheckLen("ref.Add", "b", len(b), len(dst))
	for i := range dst {
		dst[i] = T(float64(a[i]) + float64(b[i]))
	}
}

// Mul computes dst = a ⊙ b elementwise.
//
// Backward: da = dy ⊙ b and db = dy ⊙ a (two more Mul calls).
func Mul[T Float](dst, a, b []T) {
	kernels.CheckLen("ref.Mul", "a", len(a), len(dst))
	kernels.CheckLen("ref.Mul", "b", len(b), len(dst))
	for i := range dst {
		dst[i] = T(float64(a[i]) * float64(b[i]))
	}
}

// Scale computes dst = s·x elementwise. dst may be x.
//
// Backward: dx = s·dy (another Scale call).
func Scale[T Float](dst, x []T, s float64) {
	kernels.CheckLen("ref.Scale", "x", len(x), len(dst))
	for i := range dst {
		dst[i] = T(s * float64(x[i]))
	}
}

// Axpy computes y ← y + α·x in place (BLAS axpy). It is the one operator
// that accumulates into its destination; it is how gradients of a tensor
// used twice are summed.
func Axpy[T Float](y []T, alpha float64, x []T) {
	kernels.CheckLen("ref.Axpy", "x", len(x), len(y))
	for i := range y {
		y[i] = T(float64(y[i]) + alpha*float64(x[i]))
	}
}

// Exp computes dst = eˣ elementwise.
//
// Backward: dx = dy ⊙ y, with y = eˣ the forward output (a Mul call).
func Exp[T Float](dst, x []T) {
	kernels.CheckLen("ref.Exp", "x", len(x), len(dst))
	for i := range dst {
		dst[i] = T(math.Exp(float64(x[i])))
	}
}

// Gelu computes the exact (erf) GELU elementwise:
//
//	y = x·Φ(x) = ½·x·(1 + erf(x/√2)),
//
// where Φ is the standard normal CDF (PyTorch nn.GELU(approximate='none')).
// The backward is GeluBackward.
func Gelu[T Float](dst, x []T) {
	kernels.CheckLen("ref.Gelu", "x", len(x), len(dst))
	for i := range dst {
		v := float64(x[i])
		dst[i] = T(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
	}
}

// GeluBackward computes the gradient of Gelu from its input x and the
// output gradient dy:
//
//	dx = dy·(Φ(x) + x·φ(x)),  φ(x) = e^{−x²/2}/√(2π).
func GeluBackward[T Float](dx, x, dy []T) {
	kernels.CheckLen("ref.GeluBackward", "x", len(x), len(dx))
	kernels.CheckLen("ref.GeluBackward", "dy", len(dy), len(dx))
	invSqrt2Pi := 1 / math.Sqrt(2*math.Pi)
	for i := range dx {
		v := float64(x[i])
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		pdf := invSqrt2Pi * math.Exp(-0.5*v*v)
		dx[i] = T(float64(dy[i]) * (cdf + v*pdf))
	}
}
