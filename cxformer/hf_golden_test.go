package cxformer

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/tensor"
)

var hfGoldens = []string{"dinov2_reg_tiny_518", "dinov2_reg_tiny_56", "dinov2_tiny_518"}

// Hugging Face models loaded from their own files, run in mode E, against
// transformers' outputs: last_hidden_state, pooler_output and every
// hidden_state.
func runHFGolden(t *testing.T, dev tensor.Device) {
	for _, name := range hfGoldens {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Dir(golden.Path(t, "hf/"+name+"/config.json"))
			v, err := LoadHF(dir, dev)
			if err != nil {
				t.Fatal(err)
			}
			io := golden.Load(t, "hf/"+name+"/io_2x56x56.safetensors")
			tp := autograd.NewTape()
			defer tp.Release()
			out, err := v.Forward(tp, autograd.Const(input(t, dev, io, "pixel_values")), Options{Hidden: true})
			if err != nil {
				t.Fatal(err)
			}
			want := func(k string) []float64 { return golden.F64(t, io, k) }
			expect(t, "last_hidden_state", out.Normed, want("last_hidden_state"), outTol)
			expect(t, "pooler_output", out.ClsNorm, want("pooler_output"), outTol)
			if len(out.Hidden) != v.Cfg.Depth+1 {
				t.Fatalf("%d hidden states, want %d", len(out.Hidden), v.Cfg.Depth+1)
			}
			for i, h := range out.Hidden {
				expect(t, fmt.Sprintf("hidden_state_%d", i), h, want(fmt.Sprintf("hidden_state_%d", i)), outTol)
			}
		})
	}
}

func TestHFGoldenCPU(t *testing.T) { runHFGolden(t, tensor.CPU) }

// A model written in Hugging Face format and read back gives identical
// outputs (bit for bit: the weights round-trip exactly in float32).
func TestHFRoundTrip(t *testing.T) {
	v := goldenViT(t, tensor.CPU)
	v.Cfg.Interp = ModeE // what a Hugging Face model uses
	dir := t.TempDir()
	if err := v.SaveHF(dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadHF(dir, tensor.CPU)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Normal(tensor.CPU, tensor.NewRNG(3), 1, 2, 3, 56, 70)
	run := func(m *ViT) []float32 {
		tp := autograd.NewTape()
		defer tp.Release()
		out, err := m.Forward(tp, autograd.Const(x), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return out.Normed.Value.Data()
	}
	a, b := run(v), run(back)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("output %d differs after the round trip: %v vs %v", i, a[i], b[i])
		}
	}
}
