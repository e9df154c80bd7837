package ckpt

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/fuzzseed"
	"github.com/gocx/gocx/nn/state"
)

// The fuzz targets below feed malformed config.json files and checkpoints to the
// loaders a user reaches with a file: they must never panic or allocate absurdly, what
// they accept must be self-consistent, and what they reject must come with an error
// naming the file. Their seeds run with every `go test`; to fuzz one, e.g.
//
//	go test ./cxformer/ckpt -run '^$' -fuzz '^FuzzLoadHF$' -fuzztime 45s -fuzzminimizetime 100x -parallel 1
//
// (-fuzzminimizetime keeps the engine from spending the whole budget minimizing the
// first inputs that reach new code; the default, 60 s, did exactly that here).

// fuzzArch is the tiny architecture of the fuzz seeds: every kind of tensor, a few
// hundred bytes of weights.
var fuzzArch = Config{EmbedDim: 4, Depth: 2, Heads: 2, PatchSize: 2, PosGrid: 2, MLPRatio: 2, Registers: 1, InChans: 3}

// fuzzNative returns a native state dict of cfg with distinct values.
func fuzzNative(tb testing.TB, cfg Config) *state.File {
	tb.Helper()
	shapes := NativeShapes(cfg)
	f := state.NewFile()
	for i, name := range NativeOrder(cfg) {
		data := make([]float32, state.NumElements(shapes[name]))
		for j := range data {
			data[j] = float32(i) + float32(j)/64
		}
		f.MustAdd(state.NewF32(name, shapes[name], data))
	}
	return f
}

// encode returns f as safetensors bytes.
func encode(tb testing.TB, f *state.File) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := state.EncodeSafetensors(&b, f); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// fuzzHFConfigs are the configs FuzzLoadHF pairs with its model bytes: fuzzArch as
// Dinov2WithRegistersModel, and without registers as a Dinov2Model saved with
// use_mask_token = false.
func fuzzHFConfigs(tb testing.TB) []HFConfig {
	tb.Helper()
	regs, err := NewHFConfig(fuzzArch)
	if err != nil {
		tb.Fatal(err)
	}
	plain := fuzzArch
	plain.Registers = 0
	noMask, err := NewHFConfig(plain)
	if err != nil {
		tb.Fatal(err)
	}
	noMask.UseMaskToken = false
	return []HFConfig{regs, noMask}
}

// fuzzHFModel returns the safetensors bytes of a Hugging Face model of cfg.
func fuzzHFModel(tb testing.TB, cfg HFConfig) []byte {
	tb.Helper()
	ncfg, err := cfg.Native()
	if err != nil {
		tb.Fatal(err)
	}
	hf, err := ToHF(fuzzNative(tb, ncfg), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return encode(tb, hf)
}

// expectNamed fails unless err names what.
func expectNamed(t *testing.T, err error, what string) {
	t.Helper()
	if !strings.Contains(err.Error(), what) {
		t.Fatalf("error %q does not name %q", err, what)
	}
}

// checkNativeFile reports a native state dict that is not exactly the well-formed
// parameters of cfg in NativeOrder.
func checkNativeFile(f *state.File, cfg Config) error {
	if err := f.Check(); err != nil {
		return err
	}
	if err := Validate(f, NativeShapes(cfg)); err != nil {
		return err
	}
	if !slices.Equal(f.Order, NativeOrder(cfg)) {
		return errors.New("ckpt: arrays not in NativeOrder: " + strings.Join(f.Order, ", "))
	}
	return nil
}

// sameConfig reports whether two configs agree in every field and in the keys (not
// the formatting) of their Extra fields.
func sameConfig(a, b HFConfig) bool {
	ka, kb := slices.Sorted(maps.Keys(a.Extra)), slices.Sorted(maps.Keys(b.Extra))
	a.Extra, b.Extra = nil, nil
	return reflect.DeepEqual(a, b) && slices.Equal(ka, kb)
}

// FuzzReadHFConfig reads arbitrary config.json files: an error naming the file, or a
// config that passes Check, maps to a valid native architecture, and survives
// MarshalJSON and a second read unchanged.
func FuzzReadHFConfig(f *testing.F) {
	for _, cfg := range fuzzHFConfigs(f) {
		b, err := cfg.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		fuzzseed.AddBroken(b, func(b []byte) { f.Add(b) })
		f.Add(bytes.Replace(b, []byte(`"hidden_size": 4`), []byte(`"hidden_size": 4.5`), 1))
		f.Add(bytes.Replace(b, []byte(`"num_hidden_layers": 2`), []byte(`"num_hidden_layers": 1000000000`), 1))
		f.Add(bytes.Replace(b, []byte(`"mlp_ratio": 2`), []byte(`"mlp_ratio": 1e300`), 1))
		f.Add(bytes.Replace(b, []byte(`"image_size": 4`), []byte(`"image_size": 9007199254740993`), 1))
	}
	f.Add([]byte(`{"model_type": "dinov2_with_registers", "use_mask_token": false, "hidden_size": 4, "num_hidden_layers": 1,
		"num_attention_heads": 1, "image_size": 4, "patch_size": 2, "num_register_tokens": 2}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"model_type": null}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := fuzzseed.WriteFile(t, dir, "config.json", data)
		cfg, err := ReadHFConfig(dir)
		if err != nil {
			expectNamed(t, err, path)
			return
		}
		if err := cfg.Check(); err != nil {
			t.Fatalf("accepted a config that fails Check: %v", err)
		}
		ncfg, err := cfg.Native()
		if err != nil {
			t.Fatal(err)
		}
		if err := ncfg.Check(); err != nil {
			t.Fatalf("native config of an accepted config: %v", err)
		}
		for name, shape := range NativeShapes(ncfg) {
			for _, d := range shape {
				if d <= 0 {
					t.Fatalf("%s has shape %v", name, shape)
				}
			}
		}
		out, err := cfg.MarshalJSON()
		if err != nil {
			t.Fatalf("cannot write an accepted config: %v", err)
		}
		again, err := ReadHFConfig(fuzzseed.WriteFile(t, dir, "config.json", out))
		if err != nil {
			t.Fatalf("cannot read back what MarshalJSON wrote: %v\n%s", err, out)
		}
		if !sameConfig(cfg, again) {
			t.Fatalf("MarshalJSON round trip changed the config:\n%+v\n%+v", cfg, again)
		}
	})
}

// fuzzModelFiles are the weight files LoadHF looks for.
var fuzzModelFiles = []string{"model.safetensors", "pytorch_model.bin"}

// FuzzLoadHF loads a Hugging Face directory whose weight file (model.safetensors or
// pytorch_model.bin) is arbitrary, with one of two valid configs: an error naming the
// directory or file, or exactly the native parameters of the config.
func FuzzLoadHF(f *testing.F) {
	configs := fuzzHFConfigs(f)
	for i, cfg := range configs {
		good := fuzzHFModel(f, cfg)
		f.Add(uint8(i), good)
		fuzzseed.AddBroken(good, func(b []byte) { f.Add(uint8(i), b) })
		hf, err := state.ParseSafetensors(good)
		if err != nil {
			f.Fatal(err)
		}
		// A task model (base model under dinov2_with_registers., plus a classifier), a
		// layer index spelled "01", a missing key projection, and a wrongly typed query.
		f.Add(uint8(i), encode(f, taskModel(hf, 2, 4)))
		dup := state.NewFile()
		for _, name := range hf.Order {
			a := *hf.Get(name)
			dup.MustAdd(&a)
			if name == "encoder.layer.1.attention.attention.query.weight" {
				b := a
				b.Name = "encoder.layer.01.attention.attention.query.weight"
				dup.MustAdd(&b)
			}
		}
		f.Add(uint8(i), encode(f, dup))
		missing := state.NewFile()
		for _, name := range hf.Order {
			switch a := *hf.Get(name); name {
			case "encoder.layer.0.attention.attention.key.weight":
			case "encoder.layer.0.attention.attention.query.weight":
				a.DType, a.F64, a.F32 = state.F64, make([]float64, len(a.F32)), nil
				missing.MustAdd(&a)
			default:
				missing.MustAdd(&a)
			}
		}
		f.Add(uint8(i), encode(f, missing))
	}
	for _, rel := range []string{"state_dict_zip.pth", "state_dict_legacy.pth", "nested_zip.pth"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "torch", rel)); err == nil {
			f.Add(uint8(2), b)
			f.Add(uint8(2), b[:len(b)/2])
		}
	}
	dirs := make([]string, len(configs))
	for i, cfg := range configs {
		dirs[i] = f.TempDir()
		b, err := cfg.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		fuzzseed.WriteFile(f, dirs[i], "config.json", b)
	}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		i := int(sel) % len(configs)
		dir, file := dirs[i], fuzzModelFiles[int(sel)/len(configs)%len(fuzzModelFiles)]
		for _, name := range fuzzModelFiles {
			os.Remove(filepath.Join(dir, name))
		}
		fuzzseed.WriteFile(t, dir, file, data)
		native, cfg, err := LoadHF(dir)
		if err != nil {
			expectNamed(t, err, dir)
			return
		}
		ncfg, err := cfg.Native()
		if err != nil {
			t.Fatal(err)
		}
		if err := checkNativeFile(native, ncfg); err != nil {
			t.Fatalf("accepted a malformed checkpoint: %v", err)
		}
	})
}

// FuzzNormalizeNative parses arbitrary safetensors bytes as a native or training
// checkpoint, the path of a .pth/.safetensors backbone: NormalizeNative keeps every
// array under a name free of wrapper prefixes (or reports two names that collide), and
// the heads split off and Validate account for every array.
func FuzzNormalizeNative(f *testing.F) {
	native := fuzzNative(f, fuzzArch)
	f.Add(encode(f, native))
	train := state.NewFile()
	for _, name := range native.Order {
		a := *native.Get(name)
		a.Name = "module.teacher.backbone." + strings.Replace(name, "blocks.", "blocks.0.", 1)
		train.MustAdd(&a)
	}
	train.MustAdd(state.NewF32("teacher.dino_head.last_layer.weight_g", []int{8, 1}, make([]float32, 8)))
	train.MustAdd(state.NewF32("teacher.ibot_head.mlp.0.bias", []int{3}, make([]float32, 3)))
	good := encode(f, train)
	f.Add(good)
	fuzzseed.AddBroken(good, func(b []byte) { f.Add(b) })
	clash := state.NewFile()
	clash.MustAdd(state.NewF32("module.cls_token", []int{1}, []float32{1}))
	clash.MustAdd(state.NewF32("backbone.module.cls_token", []int{1}, []float32{2}))
	clash.MustAdd(state.NewF32("blocks.3.0.norm1.weight", []int{1}, []float32{3}))
	clash.MustAdd(state.NewF32("blocks.0.norm1.weight", []int{1}, []float32{4}))
	f.Add(encode(f, clash))
	shapes := NativeShapes(fuzzArch)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := state.ParseSafetensors(data)
		if err != nil {
			return // the safetensors reader is fuzzed in nn/state
		}
		out, err := NormalizeNative(file)
		if err != nil {
			expectNamed(t, err, "normalise")
			return
		}
		if out.Len() != file.Len() || len(out.Order) != file.Len() {
			t.Fatalf("%d arrays became %d", file.Len(), out.Len())
		}
		for _, name := range out.Order {
			for _, p := range wrapperPrefixes {
				if strings.HasPrefix(name, p) {
					t.Fatalf("%q keeps the prefix %q", name, p)
				}
			}
		}
		head, rest := SplitPrefix(out, "dino_head.")
		if head.Len()+rest.Len() != out.Len() {
			t.Fatalf("SplitPrefix lost arrays: %d + %d != %d", head.Len(), rest.Len(), out.Len())
		}
		err = Validate(rest, shapes)
		var ve *ValidationError
		switch {
		case err == nil:
			if rest.Len() != len(shapes) {
				t.Fatalf("validated %d arrays for %d parameters", rest.Len(), len(shapes))
			}
		case !errors.As(err, &ve):
			t.Fatalf("Validate returned %T: %v", err, err)
		case len(ve.Missing)+len(ve.Unexpected)+len(ve.Mismatched) == 0 || ve.Error() == "":
			t.Fatalf("empty validation error %+v", ve)
		}
	})
}

// TestFuzzChecksCatchBadData makes sure the checks the fuzz targets rely on can fail.
func TestFuzzChecksCatchBadData(t *testing.T) {
	good := fuzzNative(t, fuzzArch)
	if err := checkNativeFile(good, fuzzArch); err != nil {
		t.Fatalf("good file: %v", err)
	}
	reordered := state.NewFile()
	for _, name := range slices.Backward(good.Order) {
		reordered.MustAdd(good.Get(name))
	}
	if checkNativeFile(reordered, fuzzArch) == nil {
		t.Error("order check passed a reversed file")
	}
	good.Delete("cls_token")
	if checkNativeFile(good, fuzzArch) == nil {
		t.Error("check passed a file without cls_token")
	}
	cfgs := fuzzHFConfigs(t)
	if !sameConfig(cfgs[0], cfgs[0]) || sameConfig(cfgs[0], cfgs[1]) {
		t.Error("sameConfig does not tell the two fuzz configs apart")
	}
}

// TestReadHFConfigRejectsAbsurdSizes: a config.json whose sizes pass the sign checks
// but describe no plausible model is refused, naming the field, before anything is
// sized by it (a billion layers used to reach FromHF, which builds a name table of
// twelve entries per layer).
func TestReadHFConfigRejectsAbsurdSizes(t *testing.T) {
	b, err := fuzzHFConfigs(t)[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		field   string
		replace []string // pairs: old, new
	}{
		{"depth", []string{`"num_hidden_layers": 2`, `"num_hidden_layers": 1000000000`}},
		{"embed dim", []string{`"hidden_size": 4`, `"hidden_size": 1048576`, `"intermediate_size": 8`, `"intermediate_size": 2097152`}},
		{"MLP ratio", []string{`"mlp_ratio": 2`, `"mlp_ratio": 1e300`, `"intermediate_size": 8,`, ``}},
		{"position grid", []string{`"image_size": 4`, `"image_size": 4000000`}},
		{"patch size", []string{`"image_size": 4`, `"image_size": 4000000`, `"patch_size": 2`, `"patch_size": 2000000`}},
		{"register tokens", []string{`"num_register_tokens": 1`, `"num_register_tokens": 1000000`}},
		{"input channels", []string{`"num_channels": 3`, `"num_channels": 1000000`}},
	} {
		bad := b
		for i := 0; i < len(c.replace); i += 2 {
			if !bytes.Contains(bad, []byte(c.replace[i])) {
				t.Fatalf("config.json has no %s:\n%s", c.replace[i], b)
			}
			bad = bytes.Replace(bad, []byte(c.replace[i]), []byte(c.replace[i+1]), 1)
		}
		path := fuzzseed.WriteFile(t, dir, "config.json", bad)
		_, err := ReadHFConfig(path)
		if err == nil || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want an error naming %s and the file", c.replace[1], err, c.field)
		}
	}
}

// TestFromHFRejectsNonCanonicalLayerIndex: "encoder.layer.01.…" is not layer 1's
// tensor under another spelling (it used to replace it silently) but an unexpected key.
func TestFromHFRejectsNonCanonicalLayerIndex(t *testing.T) {
	cfg := fuzzHFConfigs(t)[0]
	hf, err := state.ParseSafetensors(fuzzHFModel(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	q := *hf.Get("encoder.layer.1.attention.attention.query.weight")
	q.Name = "encoder.layer.01.attention.attention.query.weight"
	hf.MustAdd(&q)
	if _, err := FromHF(hf, cfg); err == nil || !strings.Contains(err.Error(), "unexpected:  encoder.layer.01.") {
		t.Fatalf("got %v, want encoder.layer.01 listed as unexpected", err)
	}
}

// TestUseMaskTokenKeptForRegisterModels: use_mask_token is a Dinov2Model field; in a
// Dinov2WithRegistersModel config.json it is kept as read (it used to be parsed into
// UseMaskToken, which MarshalJSON writes for Dinov2Model only, and so was lost).
func TestUseMaskTokenKeptForRegisterModels(t *testing.T) {
	dir := t.TempDir()
	path := fuzzseed.WriteFile(t, dir, "config.json", []byte(`{"model_type": "dinov2_with_registers", "use_mask_token": false,
		"hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "image_size": 4, "patch_size": 2}`))
	cfg, err := ReadHFConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"use_mask_token": false`)) {
		t.Errorf("use_mask_token lost on writing:\n%s", out)
	}
}
