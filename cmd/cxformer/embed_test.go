package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer/phantom"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
)

// cxformer embed on a Hugging Face model directory and its golden pixels
// writes transformers' own outputs.
func TestEmbedCommandMatchesTransformers(t *testing.T) {
	dir := filepath.Dir(golden.Path(t, "hf/dinov2_reg_tiny_518/config.json"))
	in := golden.Path(t, "hf/dinov2_reg_tiny_518/io_2x56x56.safetensors")
	out := filepath.Join(t.TempDir(), "emb.safetensors")
	if err := run([]string{"embed", "--model", dir, "--input", in, "--out", out, "--batch", "1"}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := state.ReadSafetensors(out)
	if err != nil {
		t.Fatal(err)
	}
	want := golden.Load(t, "hf/dinov2_reg_tiny_518/io_2x56x56.safetensors")
	keys := []string{"last_hidden_state", "pooler_output"}
	for i := 0; i <= 3; i++ {
		keys = append(keys, fmt.Sprintf("hidden_state_%d", i))
	}
	for _, k := range keys {
		if e := golden.RelErr(golden.F64(t, got, k), golden.F64(t, want, k)); e > 1e-4 {
			t.Errorf("%s: rel err %.3g", k, e)
		}
	}
}

func TestEmbedBadInput(t *testing.T) {
	dir := filepath.Dir(golden.Path(t, "hf/dinov2_reg_tiny_518/config.json"))
	out := filepath.Join(t.TempDir(), "emb.safetensors")
	err := run([]string{"embed", "--model", dir, "--size", "500", "--out", out, "x.png"}, nil)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("size 500: err %v", err)
	}
	err = run([]string{"embed", "--model", filepath.Join(dir, "missing"), "--input", "x", "--out", out}, nil)
	if err == nil {
		t.Fatal("missing model accepted")
	}
}

// embed --data on a folder gives, per image, the pooler_output that
// embedding the same files one by one gives, the mean patch token beside
// it, the images' names in row order, and leaves out an unreadable file.
func TestEmbedDataMatchesImageFiles(t *testing.T) {
	model := tinyModelDir(t)
	root := t.TempDir()
	var files []string
	for i := range 5 {
		s, err := phantom.Generate(2, i, 80, phantom.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, fmt.Sprintf("%d.png", i))
		if err := phantom.WritePNG(p, s); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	os.WriteFile(filepath.Join(root, "9-broken.png"), []byte("not a PNG"), 0o644)
	dir := t.TempDir()
	byData, byFiles := filepath.Join(dir, "data.safetensors"), filepath.Join(dir, "files.safetensors")
	if err := run([]string{"embed", "--model", model, "--size", "56", "--batch", "2", "--data", "images:" + root, "--out", byData}, nil); err != nil {
		t.Fatal(err)
	}
	if err := run(append([]string{"embed", "--model", model, "--size", "56", "--out", byFiles}, files...), nil); err != nil {
		t.Fatal(err)
	}
	got, err := state.ReadSafetensors(byData)
	if err != nil {
		t.Fatal(err)
	}
	want, err := state.ReadSafetensors(byFiles)
	if err != nil {
		t.Fatal(err)
	}
	if e := golden.RelErr(golden.F64(t, got, "pooler_output"), golden.F64(t, want, "pooler_output")); e > 1e-5 {
		t.Errorf("pooler_output: rel err %.3g against the image-file path", e)
	}
	// patch_mean is the mean of last_hidden_state's patch rows (after CLS
	// and the 4 registers).
	last := want.Arrays["last_hidden_state"]
	n, seq, d := last.Shape[0], last.Shape[1], last.Shape[2]
	lh := golden.F64(t, want, "last_hidden_state")
	mean := make([]float64, n*d)
	for i := range n {
		for tok := 5; tok < seq; tok++ {
			for c := range d {
				mean[i*d+c] += lh[(i*seq+tok)*d+c] / float64(seq-5)
			}
		}
	}
	if e := golden.RelErr(golden.F64(t, got, "patch_mean"), mean); e > 1e-5 {
		t.Errorf("patch_mean: rel err %.3g", e)
	}
	if ids := got.Metadata["ids"]; ids != `["0.png","1.png","2.png","3.png","4.png"]` {
		t.Errorf("ids %s", ids)
	}
	if err := run([]string{"embed", "--model", model, "--data", "images:" + root, "--input", "x", "--out", byData}, nil); err == nil {
		t.Error("--data with --input accepted")
	}
}
