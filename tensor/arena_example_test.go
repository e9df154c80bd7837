package tensor_test

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

// An optimiser keeps a layer's parameters, gradients and AdamW moments in
// four arenas of one layout. The views are ordinary tensors (here the
// weight and bias of a Linear layer, and their gradients); the step —
// gradient norm, clip coefficient, skip flag and AdamW — runs over whole
// arenas, one dispatch each on a GPU, with nothing read back.
func ExampleArena() {
	shapes := [][]int{{2, 3}, {2}} // weight (out, in) and bias
	params, err := tensor.NewArena(tensor.CPU, shapes)
	if err != nil {
		panic(err)
	}
	grads, _ := tensor.NewArena(tensor.CPU, shapes)
	m, _ := tensor.NewArena(tensor.CPU, shapes)
	v, _ := tensor.NewArena(tensor.CPU, shapes)
	for _, a := range []*tensor.Arena{params, grads, m, v} {
		defer a.Release()
	}
	p, g := params.Views(), grads.Views()
	p[0].Load([]float32{1, 0, 0, 0, 1, 0})
	p[1].Load([]float32{0.5, -0.5})
	x := tensor.MustFromSlice(tensor.CPU, []float32{1, 2, 3}, 1, 3)
	y := tensor.Linear(x, p[0], p[1]) // the views are the layer's tensors
	fmt.Println("y:", y.Data())

	// Gradients of L = Σ y (written straight into the gradient views).
	g[0].Load([]float32{1, 2, 3, 1, 2, 3})
	g[1].Load([]float32{1, 1})

	// Clip the whole layer to norm 1 and guard against a non-finite loss.
	sumsq := tensor.SumSquaresRanges(grads, [][2]int{{0, 2}}) // views 0 and 1
	ctrl := tensor.ClipControl(sumsq, y, 1)
	c := ctrl.Data()
	fmt.Printf("sum of squares %.0f, skip %.0f, clip coefficient %.4f\n", sumsq.Data()[0], c[0], c[1])

	h := kernels.AdamWHyper{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
	tensor.AdamWArena(params, grads, m, v, []tensor.ArenaSpan{{View: 0, Hyper: h, Scale: 1}, {View: 1, Hyper: h, Scale: 1}}, ctrl)
	// The first AdamW step moves every parameter by lr against its gradient's sign.
	w := p[0].Data()
	fmt.Printf("w[0] %.2f, w[1] %.2f\n", w[0], w[1])

	// A NaN loss sets the skip flag: the next step changes nothing.
	loss := tensor.MustFromSlice(tensor.CPU, []float32{float32(math.NaN())}, 1)
	defer loss.Release()
	bad := tensor.ClipControl(sumsq, loss, 1)
	h.Step = 2
	tensor.AdamWArena(params, grads, m, v, []tensor.ArenaSpan{{View: 0, Hyper: h, Scale: 1}}, bad)
	fmt.Printf("skip %.0f, w[0] still %.2f\n", bad.Data()[0], p[0].Data()[0])
	for _, t := range []*tensor.Tensor{p[0], p[1], g[0], g[1], x, y, sumsq, ctrl, bad} {
		t.Release()
	}
	// Output:
	// y: [1.5 1.5]
	// sum of squares 30, skip 0, clip coefficient 0.1826
	// w[0] 0.90, w[1] -0.10
	// skip 1, w[0] still 0.90
}
