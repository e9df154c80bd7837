package ckpt

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
)

var hfModels = []struct {
	dir       string
	modelType string
	registers int
	posGrid   int
}{
	{"dinov2_reg_tiny_518", ModelTypeDinov2WithRegs, 4, 37},
	{"dinov2_reg_tiny_56", ModelTypeDinov2WithRegs, 4, 4},
	{"dinov2_tiny_518", ModelTypeDinov2, 0, 37},
}

func TestReadHFConfig(t *testing.T) {
	for _, m := range hfModels {
		cfg, err := ReadHFConfig(golden.Path(t, "hf/"+m.dir))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ModelType != m.modelType || cfg.NumRegisterTokens != m.registers || cfg.HiddenSize != 48 ||
			cfg.NumHiddenLayers != 3 || cfg.NumAttentionHeads != 3 || cfg.PatchSize != 14 || cfg.MLPRatio != 4 ||
			cfg.LayerNormEps != 1e-6 || cfg.LayerscaleValue != 1 || !cfg.QKVBias || cfg.UseSwigluFFN {
			t.Errorf("%s: parsed %+v", m.dir, cfg)
		}
		ncfg, err := cfg.Native()
		if err != nil {
			t.Fatal(err)
		}
		want := Config{EmbedDim: 48, Depth: 3, Heads: 3, PatchSize: 14, PosGrid: m.posGrid, MLPRatio: 4, Registers: m.registers, InChans: 3}
		if ncfg != want {
			t.Errorf("%s: native config %+v, want %+v", m.dir, ncfg, want)
		}
	}
}

func TestHFGoldenRoundTrip(t *testing.T) {
	for _, m := range hfModels {
		dir := golden.Path(t, "hf/"+m.dir)
		cfg, err := ReadHFConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		hf := golden.Load(t, "hf/"+m.dir+"/model.safetensors")
		native, err := FromHF(hf, cfg)
		if err != nil {
			t.Fatalf("%s: %v", m.dir, err)
		}
		ncfg, _ := cfg.Native()
		if err := Validate(native, NativeShapes(ncfg)); err != nil {
			t.Fatalf("%s: %v", m.dir, err)
		}
		if !slices.Equal(native.Order, NativeOrder(ncfg)) {
			t.Errorf("%s: native order %v", m.dir, native.Order)
		}
		if native.Has("register_tokens") != (m.registers > 0) {
			t.Errorf("%s: register_tokens present = %v", m.dir, native.Has("register_tokens"))
		}
		// qkv rows are Q, K, V.
		for j, part := range []string{"query", "key", "value"} {
			qkv := native.Get("blocks.2.attn.qkv.weight").F32[j*48*48 : (j+1)*48*48]
			if !slices.Equal(qkv, hf.Get("encoder.layer.2.attention.attention."+part+".weight").F32) {
				t.Errorf("%s: qkv rows %d..%d are not %s", m.dir, j*48, (j+1)*48, part)
			}
			b := native.Get("blocks.0.attn.qkv.bias").F32[j*48 : (j+1)*48]
			if !slices.Equal(b, hf.Get("encoder.layer.0.attention.attention."+part+".bias").F32) {
				t.Errorf("%s: qkv bias block %d is not %s", m.dir, j, part)
			}
		}
		if !slices.Equal(native.Get("blocks.1.ls2.gamma").F32, hf.Get("encoder.layer.1.layer_scale2.lambda1").F32) {
			t.Errorf("%s: ls2.gamma is not layer_scale2.lambda1", m.dir)
		}

		back, err := ToHF(native, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(back.SortedNames(), hf.SortedNames()) {
			t.Fatalf("%s: ToHF keys differ:\n%v\n%v", m.dir, back.SortedNames(), hf.SortedNames())
		}
		for _, n := range hf.Order {
			if !slices.Equal(back.Get(n).F32, hf.Get(n).F32) || !slices.Equal(back.Get(n).Shape, hf.Get(n).Shape) {
				t.Errorf("%s: %s changed in the round trip", m.dir, n)
			}
		}

		// WriteHF reproduces the model file byte for byte and a config
		// that reads back the same.
		out := filepath.Join(t.TempDir(), m.dir)
		if err := WriteHF(out, native, cfg); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(out, "model.safetensors"))
		want, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: written model.safetensors differs from transformers' file (%d vs %d bytes)", m.dir, len(got), len(want))
		}
		sameJSON(t, filepath.Join(out, "config.json"), filepath.Join(dir, "config.json"))
		reread, err := ReadHFConfig(out)
		if err != nil || !reflect.DeepEqual(reread, cfg) {
			t.Errorf("%s: config read back %+v, %v; want %+v", m.dir, reread, err, cfg)
		}
		loaded, lcfg, err := LoadHF(out)
		if err != nil || loaded.Len() != native.Len() || lcfg.ModelType != m.modelType {
			t.Errorf("%s: LoadHF: %v", m.dir, err)
		}

		// A config made from the native architecture alone matches
		// transformers' config in every field it sets.
		fresh, err := NewHFConfig(ncfg)
		if err != nil {
			t.Fatal(err)
		}
		fresh.Extra = cfg.Extra // transformers_version, dtype
		fb, _ := fresh.MarshalJSON()
		if err := os.WriteFile(filepath.Join(out, "fresh.json"), fb, 0o644); err != nil {
			t.Fatal(err)
		}
		sameJSON(t, filepath.Join(out, "fresh.json"), filepath.Join(dir, "config.json"))
	}
}

// sameJSON compares two JSON files as values (numbers as float64).
func sameJSON(t *testing.T, gotPath, wantPath string) {
	t.Helper()
	var got, want map[string]any
	for p, dst := range map[string]*map[string]any{gotPath: &got, wantPath: &want} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s: %s = %v, want %v", gotPath, k, got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: extra field %s = %v", gotPath, k, got[k])
			}
		}
	}
}

func TestFromHFErrors(t *testing.T) {
	cfg, err := ReadHFConfig(golden.Path(t, "hf/dinov2_reg_tiny_56"))
	if err != nil {
		t.Fatal(err)
	}
	hf := golden.Load(t, "hf/dinov2_reg_tiny_56/model.safetensors")

	// A task model: the base model under dinov2_with_registers. plus a
	// classifier, which is not part of the backbone.
	if native, err := FromHF(taskModel(hf, 2, 96), cfg); err != nil || native.Len() != len(NativeOrder(mustNative(t, cfg))) {
		t.Errorf("task model: %v", err)
	}

	broken := state.NewFile()
	for _, n := range hf.Order {
		switch n {
		case "encoder.layer.1.attention.attention.value.weight", "layernorm.bias":
			continue // missing
		case "embeddings.position_embeddings":
			broken.MustAdd(state.NewF32(n, []int{1, 50, 48}, make([]float32, 50*48))) // wrong grid
			continue
		}
		broken.MustAdd(hf.Get(n))
	}
	broken.MustAdd(state.NewF32("encoder.layer.3.norm1.weight", []int{48}, make([]float32, 48))) // beyond depth
	broken.MustAdd(state.NewF32("pooler.dense.weight", []int{48, 48}, make([]float32, 48*48)))
	_, err = FromHF(broken, cfg)
	if err == nil {
		t.Fatal("FromHF accepted a broken state dict")
	}
	for _, want := range []string{"missing:     encoder.layer.1.attention.attention.value.weight",
		"unexpected:  encoder.layer.3.norm1.weight (48)", "unexpected:  pooler.dense.weight (48, 48)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nshould contain %q", err, want)
		}
	}
	// With the key-level problems fixed, the shape problems are all listed.
	fixed := state.NewFile()
	for _, n := range broken.Order {
		if !strings.HasPrefix(n, "pooler") && !strings.HasPrefix(n, "encoder.layer.3") {
			fixed.MustAdd(broken.Get(n))
		}
	}
	fixed.MustAdd(hf.Get("encoder.layer.1.attention.attention.value.weight"))
	_, err = FromHF(fixed, cfg)
	var ve *ValidationError
	if !asValidation(err, &ve) || !slices.Equal(ve.Missing, []string{"norm.bias"}) ||
		len(ve.Mismatched) != 1 || ve.Mismatched[0].Name != "pos_embed" || len(ve.Unexpected) != 0 {
		t.Errorf("err = %v", err)
	}
}

func mustNative(t *testing.T, h HFConfig) Config {
	c, err := h.Native()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

func TestReadHFConfigErrors(t *testing.T) {
	base, err := os.ReadFile(golden.Path(t, "hf/dinov2_reg_tiny_56/config.json"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(base, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"swiglu", edit(func(m map[string]any) { m["use_swiglu_ffn"] = true }), "use_swiglu_ffn"},
		{"no hidden size", edit(func(m map[string]any) { delete(m, "hidden_size") }), `"hidden_size" is missing`},
		{"model type", edit(func(m map[string]any) { m["model_type"] = "vit" }), `model_type "vit"`},
		{"heads", edit(func(m map[string]any) { m["num_attention_heads"] = 5 }), "5 heads must divide embed dim 48"},
		{"act", edit(func(m map[string]any) { m["hidden_act"] = "gelu_new" }), "hidden_act"},
		{"type", edit(func(m map[string]any) { m["hidden_size"] = "48" }), `field "hidden_size"`},
		{"intermediate", edit(func(m map[string]any) { m["intermediate_size"] = 100 }), "intermediate_size 100"},
		{"registers in dinov2", edit(func(m map[string]any) { m["model_type"] = "dinov2" }), "cannot have 4 register tokens"},
		{"bad json", []byte(`{"hidden_size": 48,`), "bad JSON"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		os.WriteFile(p, c.data, 0o644)
		_, err := ReadHFConfig(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file and containing %q", c.name, err, c.want)
		}
	}
	// Absent num_register_tokens means none.
	noRegs := edit(func(m map[string]any) { delete(m, "num_register_tokens"); m["model_type"] = "dinov2" })
	p := filepath.Join(dir, "noregs.json")
	os.WriteFile(p, noRegs, 0o644)
	if cfg, err := ReadHFConfig(p); err != nil || cfg.NumRegisterTokens != 0 {
		t.Errorf("config without num_register_tokens: %+v, %v", cfg, err)
	}
}

// The native golden ViT (float64, 4 registers, 7x7 grid) converts to HF
// keys and back unchanged.
func TestNativeGoldenToHFAndBack(t *testing.T) {
	model := golden.Load(t, "vit/model.safetensors")
	ncfg := Config{EmbedDim: 48, Depth: 2, Heads: 3, PatchSize: 14, PosGrid: 7, MLPRatio: 4, Registers: 4}
	if err := Validate(model, NativeShapes(ncfg)); err != nil {
		t.Fatal(err)
	}
	cfg, err := NewHFConfig(ncfg)
	if err != nil {
		t.Fatal(err)
	}
	hf, err := ToHF(model, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if hf.Get("encoder.layer.1.attention.attention.key.weight").DType != state.F64 {
		t.Error("ToHF changed the dtype")
	}
	back, err := FromHF(hf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range model.Order {
		if !slices.Equal(back.Get(n).F64, model.Get(n).F64) {
			t.Errorf("%s changed in the round trip", n)
		}
	}
}

// taskModel wraps a Hugging Face backbone as a task model does: every
// array under dinov2_with_registers., plus a classes×in classifier weight,
// which is not part of the backbone.
func taskModel(hf *state.File, classes, in int) *state.File {
	task := state.NewFile()
	for _, n := range hf.Order {
		a := *hf.Get(n)
		a.Name = "dinov2_with_registers." + n
		task.MustAdd(&a)
	}
	task.MustAdd(state.NewF32("classifier.weight", []int{classes, in}, make([]float32, classes*in)))
	return task
}
