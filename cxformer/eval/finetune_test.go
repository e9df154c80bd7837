package eval

import (
	"io"
	"math"
	"testing"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// halves draws n 28-px images shifted by ±1 as a whole and whose top half
// is shifted by ±1 more (independently), labelled by the signs; noise
// N(0, 0.1²).
func halves(t testing.TB, n int, seed uint64) ClassSet {
	t.Helper()
	const s = 28
	rng := tensor.NewRNG(seed)
	px := make([]float32, n*3*s*s)
	labels := make([][]float64, n)
	for i := 0; i < n; i++ {
		all, top := float64(i%2), float64((i/2)%2) // balanced labels
		labels[i] = []float64{all, top}
		for c := 0; c < 3; c++ {
			for y := 0; y < s; y++ {
				for x := 0; x < s; x++ {
					v := 0.1 * rng.NormFloat64()
					v += 2*all - 1
					if y < s/2 {
						v += 2*top - 1
					}
					px[((i*3+c)*s+y)*s+x] = float32(v)
				}
			}
		}
	}
	p, err := NewPixels(s, px, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ClassSet{Images: p, Labels: labels}
}

func maxAbsDiff(a, b map[string][]float32) float64 {
	m := 0.0
	for k, av := range a {
		for i, v := range av {
			m = math.Max(m, math.Abs(float64(v-b[k][i])))
		}
	}
	return m
}

// Fine-tuning lowers the training loss and moves the backbone by about
// lr_backbone per step and the head by about lr_head per step (Adam's
// normalised steps), so the backbone moves far less.
func TestFineTuneLearnsAndRespectsLRs(t *testing.T) {
	vit := tinyViT(t, 4)
	before := vit.Params.Values()
	train, val, test := halves(t, 32, 1), halves(t, 8, 2), halves(t, 16, 3)
	cfg := FineTuneConfig{BackboneLR: 1e-4, HeadLR: 1e-2, Epochs: 8, BatchSize: 8, MicroBatch: 3, EvalBatch: 5,
		Seed: 11, Bootstrap: 50, Progress: io.Discard}
	res, err := FineTune(vit, tensor.CPU, train, val, test, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 8 || res.BestEpoch < 1 || res.BestEpoch > 8 {
		t.Fatalf("epochs %+v, best %d", res.Epochs, res.BestEpoch)
	}
	if first, last := res.Epochs[0].TrainLoss, res.Epochs[7].TrainLoss; !(last < first) {
		t.Errorf("training loss did not fall: %+v", res.Epochs)
	}
	if res.Test == nil || res.Test.MacroAUROC.Value < 0.9 {
		t.Errorf("test report %+v: want macro AUROC ≥ 0.9 on half-image shifts", res.Test)
	}
	// The head's initial weights: the first draw of the seed's generator.
	var init nn.Params
	init.Add("head.weight", tensor.Normal(tensor.CPU, tensor.NewRNG(cfg.Seed), 0.01, 2, FeatureDim(vit, 4, true)))
	headMove := maxAbsDiff(map[string][]float32{"w": res.Head.W.Value.Data()}, map[string][]float32{"w": init[0].V.Value.Data()})
	backMove := maxAbsDiff(vit.Params.Values(), before)
	steps := float64(res.BestEpoch * 4)
	if !(backMove > 0) || backMove > 10*cfg.BackboneLR*steps {
		t.Errorf("backbone moved by at most %.3g in %g steps at lr %g", backMove, steps, cfg.BackboneLR)
	}
	if !(headMove > 10*backMove) {
		t.Errorf("head moved by %.3g, backbone by %.3g: the 100× learning-rate ratio should show", headMove, backMove)
	}
}

// Micro-batches add up to the whole batch's gradient.
func TestFineTuneMicroBatchesAccumulate(t *testing.T) {
	set := halves(t, 6, 5)
	cfg := FineTuneConfig{NBlocks: 4}.withDefaults()
	grads := func(micro int) map[string][]float32 {
		vit := tinyViT(t, 6)
		head := &nn.Linear{
			W: (&nn.Params{}).Add("w", tensor.Normal(tensor.CPU, tensor.NewRNG(1), 0.01, 2, FeatureDim(vit, 4, true))),
			B: (&nn.Params{}).Add("b", tensor.Zeros(tensor.CPU, 2)),
		}
		idx := []int{0, 1, 2, 3, 4, 5}
		px := make([]float32, 6*3*28*28)
		if err := loadImages(set.Images, idx, 0, px); err != nil {
			t.Fatal(err)
		}
		_, _, valid := bceTargets(set.Labels, idx, 1)
		per := 3 * 28 * 28
		for lo := 0; lo < 6; lo += micro {
			hi := min(lo+micro, 6)
			if _, err := fineTuneMicro(vit, tensor.CPU, head, px[lo*per:hi*per], set.Labels, idx[lo:hi], 28, valid, cfg); err != nil {
				t.Fatal(err)
			}
		}
		out := map[string][]float32{"head": head.W.Grad.Data()}
		for _, p := range vit.Params {
			if p.V.Grad != nil {
				out[p.Name] = p.V.Grad.Data()
			}
		}
		return out
	}
	whole, parts := grads(6), grads(4)
	if len(whole) != len(parts) {
		t.Fatalf("%d vs %d gradients", len(whole), len(parts))
	}
	for name, g := range whole {
		if e := relErr(f64(parts[name]), f64(g)); e > 1e-4 {
			t.Errorf("%s: micro-batched gradient differs by %.3g", name, e)
		}
	}
}
