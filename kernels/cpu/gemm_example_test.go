package cpu_test

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// A Linear layer's forward pass, y = x·Wᵀ + y: the weights are stored
// out×in, so B is transposed, and Beta = 1 adds the product to y (here
// pre-filled with the bias).
func ExampleGemm() {
	x := []float32{ // 2 tokens × 3 inputs
		1, 2, 3,
		4, 5, 6,
	}
	w := []float32{ // 2 outputs × 3 inputs
		1, 0, -1,
		0.5, 0.5, 0.5,
	}
	y := []float32{ // 2 tokens × 2 outputs, holding the bias
		10, 20,
		10, 20,
	}
	cpu.Gemm(kernels.Gemm{M: 2, N: 2, K: 3, TransB: true, Alpha: 1, Beta: 1}, x, w, y)
	fmt.Println(y)
	// Output: [8 23 8 27.5]
}
