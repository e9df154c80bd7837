package autograd_test

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// A linear layer's gradients, the way a training step computes them.
func Example() {
	x := autograd.Const(tensor.MustFromSlice(tensor.CPU, []float32{1, 2, 3, 4}, 2, 2))
	w := autograd.Param(tensor.MustFromSlice(tensor.CPU, []float32{1, 0, 0, 1, 1, 1}, 3, 2), "w")
	b := autograd.Param(tensor.Zeros(tensor.CPU, 3), "b")

	tp := autograd.NewTape()
	y := tp.Linear(x, w, b) // (2, 3)
	loss := tp.Sum(y)
	tp.Backward(loss)
	fmt.Println("loss", loss.Value.Item())
	fmt.Println("dW", w.Grad.Data())
	fmt.Println("db", b.Grad.Data())
	tp.Release()
	// Output:
	// loss 20
	// dW [4 6 4 6 4 6]
	// db [2 2 2]
}
