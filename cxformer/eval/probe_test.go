package eval

import (
	"math"
	"slices"
	"testing"

	"github.com/gocx/gocx/tensor"
)

// separable draws n feature rows of width f and c labels y_j = [x·u_j > 0]
// for fixed random directions u_j; a fraction of labels is missing (NaN).
func separable(n, f, c int, seed uint64, dirs [][]float64) Labeled {
	rng := tensor.NewRNG(seed)
	x := Matrix{Rows: n, Cols: f, Data: make([]float32, n*f)}
	y := make([][]float64, n)
	for i := 0; i < n; i++ {
		y[i] = make([]float64, c)
		for k := 0; k < f; k++ {
			x.Data[i*f+k] = float32(rng.NormFloat64())
		}
		for j := 0; j < c; j++ {
			dot := 0.0
			for k := 0; k < f; k++ {
				dot += float64(x.Data[i*f+k]) * dirs[j][k]
			}
			switch {
			case rng.Float64() < 0.1:
				y[i][j] = math.NaN()
			case dot > 0:
				y[i][j] = 1
			}
		}
	}
	return Labeled{X: x, Y: y}
}

func directions(f, c int, seed uint64) [][]float64 {
	rng := tensor.NewRNG(seed)
	dirs := make([][]float64, c)
	for j := range dirs {
		dirs[j] = make([]float64, f)
		for k := range dirs[j] {
			dirs[j][k] = rng.NormFloat64()
		}
	}
	return dirs
}

func probeSets() (train, val, test Labeled) {
	const f, c = 16, 3
	dirs := directions(f, c, 7)
	return separable(320, f, c, 1, dirs), separable(120, f, c, 2, dirs), separable(150, f, c, 3, dirs)
}

func TestLinearProbeSeparable(t *testing.T) {
	train, val, test := probeSets()
	res, err := LinearProbe(tensor.CPU, train, val, test, ProbeConfig{Epochs: 15, BatchSize: 32, Seed: 3, Bootstrap: 100,
		ClassNames: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Grid) != len(DefaultLRs) {
		t.Fatalf("%d grid points, want %d", len(res.Grid), len(DefaultLRs))
	}
	if res.Test == nil || res.Test.MacroAUROC.Value < 0.98 {
		t.Fatalf("test macro AUROC %+v on linearly separable features, want ≥ 0.98", res.Test)
	}
	// 150 iterations at lr 1e-5 barely move N(0, 0.01²) weights: the
	// smallest rates cannot separate the classes and must not be chosen.
	if res.BestLR < 1e-3 {
		t.Errorf("best lr %g: the grid's small rates should lose (grid %+v)", res.BestLR, res.Grid)
	}
	if res.Grid[0].ValMacroAUROC >= res.Grid[slices.Index(DefaultLRs, res.BestLR)].ValMacroAUROC {
		t.Errorf("lr 1e-5 is as good as the best: %+v", res.Grid)
	}
	if res.TrainLoss[len(res.TrainLoss)-1] >= res.TrainLoss[0] {
		t.Errorf("training loss did not fall: %v", res.TrainLoss)
	}
	for _, cr := range res.Test.Classes {
		if !(cr.AUROC.Lo <= cr.AUROC.Value+1e-12 && cr.AUROC.Value <= cr.AUROC.Hi+0.02) {
			t.Errorf("%s: AUROC %.4f outside its interval [%.4f, %.4f]", cr.Name, cr.AUROC.Value, cr.AUROC.Lo, cr.AUROC.Hi)
		}
	}
	if len(res.W) != 3*16 || len(res.B) != 3 {
		t.Errorf("best classifier has %d weights and %d biases", len(res.W), len(res.B))
	}
}

func TestLinearProbeDeterministic(t *testing.T) {
	train, val, test := probeSets()
	cfg := ProbeConfig{LRs: []float64{1e-3, 1e-2}, Epochs: 2, BatchSize: 50, Seed: 9, Bootstrap: 20}
	a, err := LinearProbe(tensor.CPU, train, val, test, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LinearProbe(tensor.CPU, train, val, test, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.W, b.W) || !slices.Equal(a.TrainLoss, b.TrainLoss) || a.Test.MacroAUROC != b.Test.MacroAUROC {
		t.Error("two runs with the same seed differ")
	}
	cfg.Seed = 10
	c, err := LinearProbe(tensor.CPU, train, val, test, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.W, c.W) {
		t.Error("a different seed gave the same classifier")
	}
}

func TestLinearProbeErrors(t *testing.T) {
	train, val, test := probeSets()
	bad := Labeled{X: val.X, Y: val.Y[:10]}
	if _, err := LinearProbe(tensor.CPU, train, bad, test, ProbeConfig{Epochs: 1}); err == nil {
		t.Error("mismatched label rows: no error")
	}
	wrong := Labeled{X: val.X, Y: make([][]float64, val.X.Rows)}
	for i := range wrong.Y {
		wrong.Y[i] = []float64{2, 0, 1}
	}
	if _, err := LinearProbe(tensor.CPU, train, wrong, test, ProbeConfig{Epochs: 1}); err == nil {
		t.Error("label 2: no error")
	}
	if _, err := LinearProbe(tensor.CPU, train, val, test, ProbeConfig{Epochs: 1, LRs: []float64{-1}}); err == nil {
		t.Error("negative learning rate: no error")
	}
}
