package cxformer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// A native golden checkpoint wrapped the way DINOv2 training saves a
// teacher (teacher.backbone. prefixes, heads beside it) loads by inference
// of its architecture and matches the golden model exactly.
func TestLoadModelNativeTeacherCheckpoint(t *testing.T) {
	src := golden.Load(t, "vit/model.safetensors")
	f := state.NewFile()
	for _, name := range src.Order {
		a := src.Arrays[name].Clone()
		a.Name = "teacher.backbone." + name
		f.MustAdd(a)
	}
	f.MustAdd(state.NewF32("teacher.dino_head.last_layer.weight_g", []int{4, 1}, make([]float32, 4)))
	path := filepath.Join(t.TempDir(), "teacher_checkpoint.safetensors")
	if err := state.WriteSafetensors(path, f); err != nil {
		t.Fatal(err)
	}
	v, err := LoadModel(path, tensor.CPU, LoadOptions{Heads: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := goldenViT(t, tensor.CPU)
	if v.Cfg != want.Cfg {
		t.Fatalf("inferred %+v, want %+v", v.Cfg, want.Cfg)
	}
	for _, p := range want.Params {
		got := v.Params.Map()[p.Name].Value.Data()
		for i, x := range p.V.Value.Data() {
			if got[i] != x {
				t.Fatalf("%s differs at %d", p.Name, i)
			}
		}
	}
}

// A checkpoint with missing, unexpected and mis-shaped tensors is an error
// listing all of them, and nothing is loaded.
func TestLoadStateListsEveryProblem(t *testing.T) {
	v := goldenViT(t, tensor.CPU)
	before := v.Params.Map()["norm.weight"].Value.Data()
	f := v.State()
	f.Delete("blocks.1.mlp.fc2.bias")
	f.Delete("cls_token")
	f.MustAdd(state.NewF32("blocks.7.attn.qkv.weight", []int{2}, []float32{1, 2}))
	f.Arrays["pos_embed"] = state.NewF32("pos_embed", []int{1, 5, 48}, make([]float32, 240))
	f.Arrays["norm.weight"] = state.NewF32("norm.weight", []int{48}, make([]float32, 48))
	err := v.LoadState(f)
	if err == nil {
		t.Fatal("broken checkpoint loaded")
	}
	for _, s := range []string{"missing (2)", "blocks.1.mlp.fc2.bias", "cls_token", "unexpected (1)", "blocks.7.attn.qkv.weight", "wrong shape (1)", "pos_embed"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
	after := v.Params.Map()["norm.weight"].Value.Data()
	for i := range before {
		if before[i] != after[i] {
			t.Fatal("a failed load changed the model")
		}
	}
}

func TestLoadModelCorruptFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.safetensors")
	if err := state.WriteSafetensors(good, goldenViT(t, tensor.CPU).State()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	bad := filepath.Join(dir, "truncated.safetensors")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	if _, err := LoadModel(bad, tensor.CPU, LoadOptions{Heads: 3}); err == nil {
		t.Fatal("truncated checkpoint loaded")
	}
	if _, err := LoadModel(good, tensor.CPU, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "heads") {
		t.Fatalf("D=48 without heads: err %v", err)
	}
}

func TestImageSizeNotMultipleOfPatch(t *testing.T) {
	v := goldenViT(t, tensor.CPU)
	x := tensor.Zeros(tensor.CPU, 1, 3, 98, 100)
	_, err := v.Forward(autogradTape(), constVar(x), Options{})
	if err == nil || !strings.Contains(err.Error(), "98x100") {
		t.Fatalf("98x100 image: err %v", err)
	}
}

// The golden model is 3 heads of width 16 (D = 48, not a multiple of 64):
// a native file that records its head count loads without LoadOptions.Heads,
// from HeadsMetadata or from a gocx pretraining checkpoint's config; an
// explicit Heads wins; a file that records nothing needs one; a record that
// cannot be read is an error.
func TestLoadModelHeadsFromMetadata(t *testing.T) {
	src := golden.Load(t, "vit/model.safetensors")
	write := func(meta map[string]string) string {
		f := state.NewFile()
		for _, name := range src.Order {
			f.MustAdd(src.Arrays[name].Clone())
		}
		for k, v := range meta {
			f.Metadata[k] = v
		}
		path := filepath.Join(t.TempDir(), "backbone.safetensors")
		if err := state.WriteSafetensors(path, f); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		name  string
		meta  map[string]string
		heads int    // LoadOptions.Heads
		want  int    // heads of the loaded model (0: an error)
		err   string // part of the error
	}{
		{"record", map[string]string{HeadsMetadata: "3"}, 0, 3, ""},
		{"checkpoint config", map[string]string{"config": `{"student":{"embed_dim":48,"num_heads":3}}`}, 0, 3, ""},
		{"explicit wins", map[string]string{HeadsMetadata: "6"}, 3, 3, ""},
		{"nothing recorded", nil, 0, 0, "give the number of heads"},
		{"other config", map[string]string{"config": `{"model_type":"x"}`}, 0, 0, "give the number of heads"},
		{"bad record", map[string]string{HeadsMetadata: "three"}, 0, 0, `num_heads="three"`},
		{"zero in config", map[string]string{"config": `{"student":{"num_heads":0}}`}, 0, 0, "num_heads 0"},
		{"wrong record", map[string]string{HeadsMetadata: "5"}, 0, 0, "heads"},
	} {
		v, err := LoadModel(write(c.meta), tensor.CPU, LoadOptions{Heads: c.heads})
		switch {
		case c.want == 0 && err == nil:
			t.Errorf("%s: loaded with %d heads, want an error", c.name, v.Cfg.Heads)
		case c.want == 0 && !strings.Contains(err.Error(), c.err):
			t.Errorf("%s: error %q lacks %q", c.name, err, c.err)
		case c.want != 0 && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != 0 && v.Cfg.Heads != c.want:
			t.Errorf("%s: %d heads, want %d", c.name, v.Cfg.Heads, c.want)
		}
	}
}
