package tensor_test

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// A residual update with LayerScale and the LayerNorm after it, in one
// pass: s = x + γ⊙a, y = LayerNorm(s).
func ExampleAddScaledLayerNorm() {
	x := tensor.MustFromSlice(tensor.CPU, []float32{1, 2, 3}, 1, 3)
	a := tensor.MustFromSlice(tensor.CPU, []float32{1, 1, 1}, 1, 3)
	gamma := tensor.MustFromSlice(tensor.CPU, []float32{0, 1, 2}, 3)
	w, b := tensor.Full(tensor.CPU, 1, 3), tensor.Zeros(tensor.CPU, 3)
	s, y, mean, _ := tensor.AddScaledLayerNorm(x, a, gamma, w, b, 1e-6)
	fmt.Println(s.Data(), mean.Data())
	fmt.Printf("%.4f\n", y.Data())
	// Output:
	// [1 3 5] [3]
	// [-1.2247 0.0000 1.2247]
}

// A Linear layer followed by GELU, as one GEMM: h = x·wᵀ + b is kept for
// the backward, y = GELU(h).
func ExampleLinearGelu() {
	x := tensor.MustFromSlice(tensor.CPU, []float32{1, 2}, 1, 2)
	w := tensor.MustFromSlice(tensor.CPU, []float32{1, 0, 0, -1}, 2, 2) // (out, in)
	b := tensor.MustFromSlice(tensor.CPU, []float32{0, 1}, 2)
	h, y := tensor.LinearGelu(x, w, b)
	fmt.Println(h.Data())
	fmt.Printf("%.4f\n", y.Data())
	// Output:
	// [1 -1]
	// [0.8413 -0.1587]
}

// The same layer for a forward that no backward follows (inference, a
// teacher): only y is stored.
func ExampleLinearGeluOutput() {
	x := tensor.MustFromSlice(tensor.CPU, []float32{1, 2}, 1, 2)
	w := tensor.MustFromSlice(tensor.CPU, []float32{1, 0, 0, -1}, 2, 2)
	b := tensor.MustFromSlice(tensor.CPU, []float32{0, 1}, 2)
	fmt.Printf("%.4f\n", tensor.LinearGeluOutput(x, w, b).Data())
	// Output:
	// [0.8413 -0.1587]
}
