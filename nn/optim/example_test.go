package optim_test

import (
	"fmt"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// One DINOv2-style iteration on a toy head: schedules give the step's
// hyper-parameters, the gradients are clipped, AdamW steps the student and
// the teacher follows by EMA.
func Example() {
	const total, warmup, freeze = 100, 10, 5
	lr := optim.CosineSchedule{Base: 1e-3, Final: 1e-6, Total: total, Warmup: warmup}
	lastLR := optim.CosineSchedule{Base: 1e-3, Final: 1e-6, Total: total, Warmup: warmup - freeze, Freeze: freeze}
	temp := optim.Linear(0.04, 0.07, 30)

	var student nn.Params
	w := student.Add("mlp.0.weight", tensor.MustFromSlice(tensor.CPU, []float32{1, -2, 3, -4}, 2, 2))
	b := student.Add("mlp.0.bias", tensor.MustFromSlice(tensor.CPU, []float32{0.5, 0.5}, 2))
	v := student.Add("last_layer.weight_v", tensor.MustFromSlice(tensor.CPU, []float32{1, 1}, 1, 2))
	var teacher nn.Params
	for _, p := range student {
		teacher.Add(p.Name, p.V.Value.Clone())
	}

	groups := optim.DINOv2Groups(student, "dino_head", 0, 1.0, 0.2)
	for _, g := range groups {
		fmt.Printf("%-22s lr×%g wd×%g last=%v\n", g.Key(), g.LRMult, g.WDMult, g.IsLastLayer)
	}
	opt, err := optim.NewAdamW(groups, optim.DINOv2AdamW)
	if err != nil {
		panic(err)
	}

	it := 3
	fmt.Printf("it %d: lr %.3g, last-layer lr %g, teacher temp %.4f\n", it, lr.At(it), lastLR.At(it), temp.At(it))
	w.Grad = tensor.MustFromSlice(tensor.CPU, []float32{3, 0, 0, 4}, 2, 2) // with v.Grad: total norm √27
	b.Grad = tensor.Zeros(tensor.CPU, 2)
	v.Grad = tensor.MustFromSlice(tensor.CPU, []float32{1, -1}, 1, 2)
	fmt.Printf("grad norm before clipping %.4f\n", optim.ClipGradNorm(student, 3.0))
	opt.Step(lr.At(it), 0.04, lastLR.At(it))
	if err := optim.EMA(teacher, student, 0.994); err != nil {
		panic(err)
	}
	fmt.Printf("steps %d, last layer unchanged: %v\n", opt.Steps(), v.Value.Data()[0] == 1)
	// Output:
	// dino_head.mlp.0.weight lr×1 wd×1 last=false
	// dino_head.mlp.0.bias   lr×1 wd×0 last=false
	// dino_head.last_layer.weight_v lr×1 wd×1 last=true
	// it 3: lr 0.000333, last-layer lr 0, teacher temp 0.0431
	// grad norm before clipping 5.1962
	// steps 1, last layer unchanged: true
}
