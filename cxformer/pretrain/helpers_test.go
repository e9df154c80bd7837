package pretrain

import (
	"math"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// smallConfig is the Tiny preset shrunk for tests: width 48, 2 blocks,
// 56 px global (4×4 patches) and 28 px local crops (2×2), 4 local crops,
// heads 48→256→256→64→1024, 8 images per step; epochs of 50 iterations.
func smallConfig() Config {
	c := Tiny()
	c.SSL.Backbone.EmbedDim, c.SSL.Backbone.Depth = 48, 2
	c.SSL.Backbone.ImgSize = 56
	c.SSL.DINOHead.In = 48
	c.SSL.IBOTHead = c.SSL.DINOHead
	c.SSL.NLocal = 4
	c.GlobalCropSize, c.LocalCropSize = 56, 28
	return c
}

func newTestTrainer(t testing.TB, c Config) *Trainer {
	t.Helper()
	tr, err := NewTrainer(c, tensor.CPU, NewRandomCrops(c))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func step(t testing.TB, tr *Trainer) Metrics {
	t.Helper()
	m, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// snapshot copies every parameter of a model (by module-qualified name).
func snapshot(m *cxformer.SSLModel) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range m.AllParams() {
		out[p.Name] = p.V.Value.Data()
	}
	return out
}

// sameBits reports whether two float32 slices are bit-identical.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
