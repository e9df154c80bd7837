package ref_test

import (
	"fmt"

	"github.com/gocx/gocx/kernels/ref"
)

func ExampleSoftmax() {
	// Two rows of three scores; each row becomes a probability vector.
	x := []float64{1, 2, 3, 5, 5, 5}
	y := make([]float64, 6)
	ref.Softmax(y, x, 2, 3)
	fmt.Printf("%.4f\n%.4f\n", y[:3], y[3:])
	// Output:
	// [0.0900 0.2447 0.6652]
	// [0.3333 0.3333 0.3333]
}

func ExampleLayerNorm() {
	// One row normalised to zero mean and unit variance, then scaled by γ
	// and shifted by β.
	x := []float32{1, 2, 3, 4}
	gamma := []float32{1, 1, 2, 2}
	beta := []float32{0, 0, 0, 10}
	y, mean, rstd := make([]float32, 4), make([]float32, 1), make([]float32, 1)
	ref.LayerNorm(y, mean, rstd, x, gamma, beta, 1, 4, 0)
	fmt.Printf("y=%.4f mean=%v rstd=%.4f\n", y, mean[0], rstd[0])
	// Output:
	// y=[-1.3416 -0.4472 0.8944 12.6833] mean=2.5 rstd=0.8944
}

func ExampleNumericGrad() {
	// The gradient of f(x) = x0·x1 at (3, 4) is (4, 3).
	x := []float64{3, 4}
	g := ref.NumericGrad(func() float64 { return x[0] * x[1] }, x, 1e-6)
	fmt.Printf("%.6f\n", g)
	// Output:
	// [4.000000 3.000000]
}
