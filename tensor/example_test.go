package tensor_test

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// Tensors live on a device; operators run there and return new tensors.
func Example() {
	x, err := tensor.FromSlice(tensor.CPU, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		panic(err)
	}
	w := tensor.MustFromSlice(tensor.CPU, []float32{1, 0, 0, 0, 1, 0}, 2, 3) // (out, in)
	y := tensor.Linear(x, w, nil)                                            // x·wᵀ: (2, 2)
	fmt.Println(y.Shape(), y.Data())
	p := tensor.Softmax(tensor.MustFromSlice(tensor.CPU, []float32{0, 0, 0, 0}, 1, 4))
	fmt.Println(p.Data())
	// Output:
	// [2 2] [1 2 4 5]
	// [0.25 0.25 0.25 0.25]
}

// Constructors that take user data return errors instead of panicking.
func ExampleFromSlice() {
	_, err := tensor.FromSlice(tensor.CPU, []float32{1, 2, 3}, 2, 2)
	fmt.Println(err)
	// Output:
	// tensor.FromSlice: shape [2 2] holds 4 elements, data has 3
}
