package ckpt

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
)

// Parameter counts of the released architectures (spec §1.1: registers 4,
// 37x37 grid, mask_token included).
func TestNativeShapesParamCounts(t *testing.T) {
	for _, c := range []struct {
		name          string
		d, depth, hds int
		want          int
	}{
		{"ViT-S/14", 384, 12, 6, 22_058_112},
		{"ViT-B/14", 768, 12, 12, 86_583_552},
		{"ViT-L/14", 1024, 24, 16, 304_372_736},
	} {
		cfg := Config{EmbedDim: c.d, Depth: c.depth, Heads: c.hds, PatchSize: 14, PosGrid: 37, MLPRatio: 4, Registers: 4}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		shapes := NativeShapes(cfg)
		n := 0
		for _, s := range shapes {
			n += state.NumElements(s)
		}
		if n != c.want {
			t.Errorf("%s: %d parameters, want %d", c.name, n, c.want)
		}
		order := NativeOrder(cfg)
		if len(order) != len(shapes) {
			t.Errorf("%s: NativeOrder has %d names, NativeShapes %d", c.name, len(order), len(shapes))
		}
		for _, k := range order {
			if _, ok := shapes[k]; !ok {
				t.Errorf("%s: %s in NativeOrder but not NativeShapes", c.name, k)
			}
		}
	}
	noReg := NativeShapes(Config{EmbedDim: 8, Depth: 1, Heads: 2, PatchSize: 14, PosGrid: 2, MLPRatio: 4, NoQKVBias: true, NoLayerScale: true})
	for _, k := range []string{"register_tokens", "blocks.0.attn.qkv.bias", "blocks.0.ls1.gamma"} {
		if _, ok := noReg[k]; ok {
			t.Errorf("%s present without registers / qkv bias / LayerScale", k)
		}
	}
}

func TestValidateListsEverything(t *testing.T) {
	cfg := Config{EmbedDim: 4, Depth: 2, Heads: 2, PatchSize: 2, PosGrid: 2, MLPRatio: 4, Registers: 1}
	want := NativeShapes(cfg)
	f := state.NewFile()
	for _, name := range NativeOrder(cfg) {
		f.MustAdd(state.NewF32(name, want[name], make([]float32, state.NumElements(want[name]))))
	}
	if err := Validate(f, want); err != nil {
		t.Fatalf("complete file: %v", err)
	}
	f.Delete("blocks.1.ls2.gamma")
	f.Delete("cls_token")
	f.MustAdd(state.NewF32("blocks.0.attn.qkv.weight", []int{4, 4}, make([]float32, 16)))
	f.MustAdd(state.NewF32("pos_embed", []int{1, 10, 4}, make([]float32, 40)))
	f.MustAdd(state.NewF32("head.weight", []int{3, 4}, make([]float32, 12)))
	f.MustAdd(state.NewF32("blocks.2.norm1.weight", []int{4}, make([]float32, 4)))
	err := Validate(f, want)
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	if !slices.Equal(ve.Missing, []string{"blocks.1.ls2.gamma", "cls_token"}) ||
		!slices.Equal(ve.Unexpected, []string{"blocks.2.norm1.weight", "head.weight"}) ||
		len(ve.Mismatched) != 2 || ve.Mismatched[0].Name != "blocks.0.attn.qkv.weight" || ve.Mismatched[1].Name != "pos_embed" {
		t.Fatalf("got %+v", ve)
	}
	msg := err.Error()
	for _, s := range []string{"2 missing, 2 unexpected, 2 with the wrong shape",
		"missing:     cls_token (1, 1, 4)", "unexpected:  head.weight (3, 4)",
		"wrong shape: blocks.0.attn.qkv.weight is (4, 4), want (12, 4)", "wrong shape: pos_embed is (1, 10, 4), want (1, 5, 4)"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
}

// A synthetic dinov2 teacher checkpoint: {"teacher": ...} flattened, DDP's
// module. prefix, backbone. prefix and chunked blocks (2 chunks of 1 block),
// plus both heads. NormalizeNative + SplitPrefix must give back exactly the
// native backbone.
func TestNormalizeNativeChunkedTeacher(t *testing.T) {
	model := golden.Load(t, "vit/model.safetensors") // depth 2
	ckpt := state.NewFile()
	for _, n := range model.Order {
		key := n
		if rest, ok := strings.CutPrefix(n, "blocks."); ok {
			i, _, _ := strings.Cut(rest, ".")
			key = fmt.Sprintf("blocks.%s.%s", i, rest) // chunk i holds block i
		}
		a := *model.Get(n)
		a.Name = "module.teacher.backbone." + key
		ckpt.MustAdd(&a)
	}
	for _, head := range []string{"dino_head", "ibot_head"} {
		ckpt.MustAdd(state.NewF32("teacher."+head+".mlp.0.weight", []int{96, 48}, make([]float32, 96*48)))
		ckpt.MustAdd(state.NewF32("teacher."+head+".last_layer.weight_g", []int{64, 1}, make([]float32, 64)))
	}
	norm, err := NormalizeNative(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	dino, rest := SplitPrefix(norm, "dino_head.")
	ibot, backbone := SplitPrefix(rest, "ibot_head.")
	if !slices.Equal(dino.Order, []string{"mlp.0.weight", "last_layer.weight_g"}) || ibot.Len() != 2 {
		t.Errorf("heads: %v, %v", dino.Order, ibot.Order)
	}
	if !slices.Equal(backbone.Order, model.Order) {
		t.Fatalf("backbone keys %v\nwant %v", backbone.Order, model.Order)
	}
	for _, n := range model.Order {
		if !slices.Equal(backbone.Get(n).F64, model.Get(n).F64) {
			t.Errorf("%s: data changed", n)
		}
	}
	cfg := Config{EmbedDim: 48, Depth: 2, Heads: 3, PatchSize: 14, PosGrid: 7, MLPRatio: 4, Registers: 4}
	if err := Validate(backbone, NativeShapes(cfg)); err != nil {
		t.Error(err)
	}

	dup := state.NewFile()
	dup.MustAdd(state.NewF32("module.norm.weight", []int{1}, []float32{1}))
	dup.MustAdd(state.NewF32("norm.weight", []int{1}, []float32{1}))
	if _, err := NormalizeNative(dup); err == nil || !strings.Contains(err.Error(), "both normalise to \"norm.weight\"") {
		t.Errorf("collision: err = %v", err)
	}
}

// The same through a real torch.save file (testdata/torch/nested_zip.pth)
// and the golden SSL weights (student. and teacher. side by side).
func TestNormalizeNativeRealFiles(t *testing.T) {
	f, err := state.ReadTorch("../../testdata/torch/nested_zip.pth")
	if err != nil {
		t.Fatal(err)
	}
	teacher, _ := SplitPrefix(f, "teacher.")
	norm, err := NormalizeNative(teacher)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cls_token", "blocks.0.norm1.weight", "dino_head.last_layer.weight_g"}
	if !slices.Equal(norm.Order, want) {
		t.Errorf("keys %v, want %v", norm.Order, want)
	}

	weights := golden.Load(t, "ssl/weights.safetensors")
	cfg := Config{EmbedDim: 48, Depth: 2, Heads: 3, PatchSize: 14, PosGrid: 7, MLPRatio: 4, Registers: 4}
	for _, who := range []string{"student.", "teacher."} {
		part, _ := SplitPrefix(weights, who)
		norm, err := NormalizeNative(part)
		if err != nil {
			t.Fatal(err)
		}
		dino, rest := SplitPrefix(norm, "dino_head.")
		ibot, backbone := SplitPrefix(rest, "ibot_head.")
		if err := Validate(backbone, NativeShapes(cfg)); err != nil {
			t.Errorf("%s backbone: %v", who, err)
		}
		if dino.Len() == 0 || ibot.Len() == 0 {
			t.Errorf("%s: %d dino_head and %d ibot_head arrays", who, dino.Len(), ibot.Len())
		}
	}
}
