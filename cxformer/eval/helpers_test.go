package eval

import (
	"math"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// tinyConfig is a golden-sized ViT (D = 48, 3 heads, 4 registers) with
// four blocks, so that the CXformer feature (last 4 CLS + pooled patches)
// exists.
func tinyConfig() cxformer.Config {
	return cxformer.Config{EmbedDim: 48, Depth: 4, Heads: 3, PatchSize: 14, ImgSize: 56, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1, Interp: cxformer.ModeT, InterpOffset: 0.1}
}

func tinyViT(t testing.TB, seed uint64) *cxformer.ViT {
	t.Helper()
	v, err := cxformer.NewViT(tinyConfig(), tensor.CPU, seed)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// randomPixels returns n random normalised images of side s.
func randomPixels(t testing.TB, n, s int, seed uint64) *Pixels {
	t.Helper()
	rng := tensor.NewRNG(seed)
	px := make([]float32, n*3*s*s)
	for i := range px {
		px[i] = float32(rng.NormFloat64())
	}
	p, err := NewPixels(s, px, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// relErr is ‖a−b‖/‖b‖.
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
