package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

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
