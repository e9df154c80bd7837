package eval_test

import (
	"fmt"
	"log"
	"os"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/tensor"
)

// A linear probe on cached features: two labels, each the sign of one
// feature, so the best classifier separates the test set.
func ExampleLinearProbe() {
	set := func(n int, seed uint64) eval.Labeled {
		rng := tensor.NewRNG(seed)
		x := eval.Matrix{Rows: n, Cols: 4, Data: make([]float32, n*4)}
		y := make([][]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < 4; j++ {
				x.Data[i*4+j] = float32(rng.NormFloat64())
			}
			y[i] = []float64{0, 0}
			for c := 0; c < 2; c++ {
				if x.Data[i*4+c] > 0 {
					y[i][c] = 1
				}
			}
		}
		return eval.Labeled{X: x, Y: y}
	}
	res, err := eval.LinearProbe(tensor.CPU, set(200, 1), set(60, 2), set(80, 3),
		eval.ProbeConfig{Epochs: 10, BatchSize: 32, Bootstrap: 100, ClassNames: []string{"A", "B"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("grid points:", len(res.Grid))
	fmt.Println("test macro AUROC ≥ 0.98:", res.Test.MacroAUROC.Value >= 0.98)
	// Output:
	// grid points: 13
	// test macro AUROC ≥ 0.98: true
}

// The frozen-backbone features of spec §9.1: CLS of the last 4 blocks and
// the mean patch token, 5·D values per image.
func ExampleFeatures() {
	cfg := cxformer.Config{EmbedDim: 48, Depth: 4, Heads: 3, PatchSize: 14, ImgSize: 56, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1}
	vit, err := cxformer.NewViT(cfg, tensor.CPU, 1)
	if err != nil {
		panic(err)
	}
	images, err := eval.NewPixels(28, make([]float32, 3*3*28*28), nil) // three blank 28-px images
	if err != nil {
		panic(err)
	}
	f, err := eval.Features(vit, tensor.CPU, images, eval.FeatureOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Rows, f.Cols)
	// Output: 3 240
}

// Dice of class maps (spec §9.5): the lungs counted as one structure are
// perfect even though left and right are swapped.
func ExampleSegmentation() {
	truth := []uint8{1, 1, 2, 2, 3, 0, 0, 0}
	pred := []uint8{2, 2, 1, 1, 3, 3, 0, 0}
	rep := eval.Segmentation(pred, truth, 2, 4, nil, 0, 0)
	fmt.Printf("lung %.2f, left %.2f, heart %.2f\n", rep.Lung.Value, rep.Classes[0].Dice.Value, rep.Heart.Value)
	rep.WriteTable(os.Stdout)
	// Output:
	// lung 1.00, left 0.00, heart 0.67
	// structure               Dice [95% CI]
	// ----------------------------------------------------
	// class 1                 0.0000
	// class 2                 0.0000
	// class 3                 0.6667
	// Lung (left ∪ right)     1.0000
	// Lung (mean of L, R)     0.0000
	// Avg (Lung, Heart)       0.8333
	// dice_avg (classes 1..)  0.2222
}

// The unlabelled image set of a data spec, as pretraining and
// cxformer embed --data read it: here 12 phantoms drawn at 64 px.
func ExampleOpenImages() {
	set, err := eval.OpenImages("phantom:12", 64, 1)
	if err != nil {
		log.Fatal(err)
	}
	img, err := set.Source.Image(0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Name, set.Source.Len(), set.ID(0), img.W, img.H)
	// Output: phantom:12 12 phantom-0 64 64
}
