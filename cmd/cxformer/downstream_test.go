package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// tinyModelDir saves a small random ViT (D = 48, 4 blocks) as a Hugging
// Face directory.
func tinyModelDir(t *testing.T) string {
	t.Helper()
	cfg := cxformer.Config{EmbedDim: 48, Depth: 4, Heads: 3, PatchSize: 14, ImgSize: 56, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1, Interp: cxformer.ModeE}
	vit, err := cxformer.NewViT(cfg, tensor.CPU, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := vit.SaveHF(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDownstreamCommandsJSON(t *testing.T) {
	model := tinyModelDir(t)
	common := []string{"--model", model, "--data", "phantom:30", "--size", "28", "--bootstrap", "20", "--quiet", "--json"}
	for _, tc := range []struct {
		name string
		run  func(args []string, stdout, stderr *bytes.Buffer) error
		args []string
		keys []string
	}{
		{"probe", func(a []string, o, e *bytes.Buffer) error { return probeCommand(a, o, e) },
			[]string{"--epochs", "2", "--lrs", "1e-3,1e-2"}, []string{"best_lr", "grid", "test"}},
		{"finetune", func(a []string, o, e *bytes.Buffer) error { return finetuneCommand(a, o, e) },
			[]string{"--epochs", "1", "--batch", "8", "--micro-batch", "4", "--save", filepath.Join(t.TempDir(), "ft")},
			[]string{"best_epoch", "epochs", "test"}},
		{"segment", func(a []string, o, e *bytes.Buffer) error { return segmentCommand(a, o, e) },
			[]string{"--epochs", "1", "--batch", "8"}, []string{"best_epoch", "epochs", "test"}},
	} {
		var out, errOut bytes.Buffer
		if err := tc.run(append(append([]string(nil), common...), tc.args...), &out, &errOut); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, errOut.String())
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s", tc.name, err, out.String())
		}
		if got["command"] != tc.name || got["train_images"] == nil {
			t.Errorf("%s: header %v", tc.name, got)
		}
		res, _ := got["result"].(map[string]any)
		for _, k := range tc.keys {
			if _, ok := res[k]; !ok {
				t.Errorf("%s: result has no %q: %v", tc.name, k, res)
			}
		}
	}
}

func TestProbeTable(t *testing.T) {
	model := tinyModelDir(t)
	var out, errOut bytes.Buffer
	err := probeCommand([]string{"--model", model, "--data", "phantom:30", "--size", "28", "--bootstrap", "10",
		"--epochs", "1", "--lrs", "1e-2", "--quiet"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Cardiomegaly", "macro", "AUROC [95% CI]", "<- best"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDownstreamFlagErrors(t *testing.T) {
	model := tinyModelDir(t)
	for _, args := range [][]string{
		{"--data", "phantom:30"},
		{"--model", model},
		{"--model", model, "--data", "phantom:30", "--size", "30"},
		{"--model", model, "--data", "phantom:30", "--val", "0.6", "--test", "0.5"},
		{"--model", model, "--data", "bogus:1", "--size", "28"},
	} {
		var out, errOut bytes.Buffer
		if err := probeCommand(args, &out, &errOut); err == nil {
			t.Errorf("probe %v: no error", args)
		}
	}
}
