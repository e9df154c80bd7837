package cxformer

import (
	"math"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// Stochastic depth on a linear branch (branch(x) = 2x): the residual is
// x + 2x/keep for kept samples and x for dropped ones, so its mean over
// draws is 3x; the subset variant changes exactly k = ⌊B(1−p)⌋ samples.
func TestDropPathVariants(t *testing.T) {
	const b, n = 10, 4
	x := tensor.Normal(tensor.CPU, tensor.NewRNG(1), 1, b, 2, n)
	xd := x.Data()
	for _, rate := range []float64{0.05, 0.5} {
		dp := dropPath{rate: rate, rng: tensor.NewRNG(2)}
		mean := make([]float64, len(xd))
		const draws = 4000
		for d := 0; d < draws; d++ {
			tp := autograd.NewTape()
			y := dp.residual(tp, autograd.Const(x), func(v *autograd.Var) *autograd.Var { return tp.Scale(v, 2) }).Value.Data()
			changed := 0
			for s := 0; s < b; s++ {
				if y[s*2*n] != xd[s*2*n] {
					changed++
				}
			}
			if rate > 0.1 && changed != int(math.Floor(b*(1-rate))) {
				t.Fatalf("rate %g: %d samples changed, want %d", rate, changed, int(math.Floor(b*(1-rate))))
			}
			for i, v := range y {
				mean[i] += float64(v) / draws
			}
			tp.Release()
		}
		for i, v := range mean {
			if want := 3 * float64(xd[i]); math.Abs(v-want) > 0.08*math.Abs(want)+0.02 {
				t.Fatalf("rate %g: mean residual %v at %d, want %v", rate, v, i, want)
			}
		}
	}
}

// Training mode with a positive rate changes the output and still
// back-propagates; evaluation mode (no generator) is the plain block.
func TestViTDropPathTrainingOnly(t *testing.T) {
	cfg := Config{EmbedDim: 24, Depth: 3, Heads: 2, PatchSize: 14, ImgSize: 28, MLPRatio: 2, Registers: 1,
		LayerNormEps: 1e-6, LayerScaleInit: 1, DropPath: 0.4}
	v, err := NewViT(cfg, tensor.CPU, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Normal(tensor.CPU, tensor.NewRNG(3), 1, 6, 3, 28, 28)
	run := func(rng *tensor.RNG) []float32 {
		tp := autograd.NewTape()
		defer tp.Release()
		out, err := v.Forward(tp, autograd.Const(x), Options{DropPath: rng})
		if err != nil {
			t.Fatal(err)
		}
		tp.Backward(tp.Sum(out.ClsNorm))
		return out.ClsNorm.Value.Data()
	}
	eval1, eval2 := run(nil), run(nil)
	train := run(tensor.NewRNG(4))
	same, differ := true, false
	for i := range eval1 {
		same = same && eval1[i] == eval2[i]
		differ = differ || train[i] != eval1[i]
	}
	if !same || !differ {
		t.Fatalf("evaluation deterministic: %v; training differs from evaluation: %v", same, differ)
	}
	if g := v.Params.Map()["blocks.2.mlp.fc2.weight"].Grad; g == nil {
		t.Fatal("no gradient through a drop-path block")
	}
}
