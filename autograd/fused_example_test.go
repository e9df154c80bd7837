package autograd_test

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// The residual update of a pre-norm block and the LayerNorm after it, as
// one operator with two outputs: s continues the residual stream, y feeds
// the next branch, and gradients from both reach x, a and γ.
func ExampleTape_AddScaledLayerNorm() {
	x := autograd.Input(tensor.MustFromSlice(tensor.CPU, []float32{1, 2, 3}, 1, 3))
	a := autograd.Input(tensor.MustFromSlice(tensor.CPU, []float32{1, 1, 1}, 1, 3))
	gamma := autograd.Param(tensor.MustFromSlice(tensor.CPU, []float32{0, 1, 2}, 3), "ls.gamma")
	w := autograd.Param(tensor.Full(tensor.CPU, 1, 3), "norm.weight")
	b := autograd.Param(tensor.Zeros(tensor.CPU, 3), "norm.bias")

	tp := autograd.NewTape()
	s, y := tp.AddScaledLayerNorm(x, a, gamma, w, b, 1e-6)
	loss := tp.Add(tp.Sum(s), tp.Sum(y)) // Σy = 0 whatever s is: only Σs reaches x
	tp.Backward(loss)
	fmt.Println("s", s.Value.Data())
	fmt.Printf("dx %.3f\n", x.Grad.Data())
	fmt.Printf("da %.3f\n", a.Grad.Data())
	fmt.Println("dbias", b.Grad.Data())
	tp.Release()
	// Output:
	// s [1 3 5]
	// dx [1.000 1.000 1.000]
	// da [0.000 1.000 2.000]
	// dbias [1 1 1]
}
