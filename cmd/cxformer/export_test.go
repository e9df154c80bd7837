package main

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// A native backbone (mode T, 3 heads of 16, recorded in the file) exported
// to a Hugging Face directory loads back with the same weights and, at its
// training resolution, the same outputs.
func TestExportCommandRoundTrip(t *testing.T) {
	cfg := cxformer.Config{EmbedDim: 48, Depth: 2, Heads: 3, PatchSize: 14, ImgSize: 56, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1, Interp: cxformer.ModeT, InterpOffset: 0.1}
	vit, err := cxformer.NewViT(cfg, tensor.CPU, 7)
	if err != nil {
		t.Fatal(err)
	}
	f := vit.State()
	f.Metadata[cxformer.HeadsMetadata] = strconv.Itoa(cfg.Heads)
	native := filepath.Join(t.TempDir(), "teacher_backbone.safetensors")
	if err := state.WriteSafetensors(native, f); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "hf")
	var out bytes.Buffer
	if err := exportCommand([]string{"--model", native, "--out", dir}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "heads=3") {
		t.Errorf("output %q", out.String())
	}
	back, err := cxformer.LoadHF(dir, tensor.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if c := back.Cfg; c.EmbedDim != 48 || c.Depth != 2 || c.Heads != 3 || c.Registers != 4 || c.ImgSize != 56 {
		t.Fatalf("exported config %+v", c)
	}
	for _, p := range vit.Params {
		want, got := p.V.Value.Data(), back.Params.Map()[p.Name].Value.Data()
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s differs at %d", p.Name, i)
			}
		}
	}
	x := tensor.Normal(tensor.CPU, tensor.NewRNG(3), 1, 2, 3, 56, 56)
	forward := func(v *cxformer.ViT) []float64 {
		tp := autograd.NewTape()
		defer tp.Release()
		var o cxformer.Output
		tp.NoGrad(func() { o, err = v.Forward(tp, autograd.Const(x), cxformer.Options{}) })
		if err != nil {
			t.Fatal(err)
		}
		d := o.Normed.Value.Data()
		r := make([]float64, len(d))
		for i, v := range d {
			r[i] = float64(v)
		}
		return r
	}
	if e := golden.RelErr(forward(back), forward(vit)); e > 1e-6 {
		t.Errorf("exported model's outputs differ: rel err %.3g", e)
	}
}

func TestExportCommandBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hf")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--model is required"},
		{[]string{"--model", "m"}, "--out is required"},
		{[]string{"--model", "m", "--out", out, "--interp", "Q"}, `--interp "Q"`},
		{[]string{"--model", filepath.Join(t.TempDir(), "missing.safetensors"), "--out", out}, "missing.safetensors"},
		{[]string{"--model", "m", "--out", out, "extra"}, "unexpected arguments"},
	} {
		err := exportCommand(c.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want one containing %q", c.args, err, c.want)
		}
	}
}
