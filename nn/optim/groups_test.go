package optim

import (
	"math"
	"testing"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// namedParams registers one-element parameters under the given names.
func namedParams(names ...string) nn.Params {
	var ps nn.Params
	for _, n := range names {
		ps.Add(n, tensor.Zeros(tensor.CPU, 1))
	}
	return ps
}

type groupWant struct {
	lr, wd float64
	last   bool
}

func checkGroups(t *testing.T, groups []ParamGroup, module string, want map[string]groupWant) {
	t.Helper()
	if len(groups) != len(want) {
		t.Errorf("%d groups, want %d", len(groups), len(want))
	}
	for _, g := range groups {
		w, ok := want[g.Name]
		if !ok {
			t.Errorf("unexpected group %q", g.Name)
			continue
		}
		if g.Module != module || g.Key() != module+"."+g.Name {
			t.Errorf("%q: module %q key %q", g.Name, g.Module, g.Key())
		}
		if math.Abs(g.LRMult-w.lr) > 1e-15*w.lr || g.WDMult != w.wd || g.IsLastLayer != w.last {
			t.Errorf("%q: lr×%.17g wd×%g last %v, want lr×%.17g wd×%g last %v",
				g.Name, g.LRMult, g.WDMult, g.IsLastLayer, w.lr, w.wd, w.last)
		}
	}
}

func TestDINOv2GroupsBackbone(t *testing.T) {
	// ViT-S/14 with 4 registers (12 blocks), ρ = 0.9, patch_embed × 0.2.
	ps := namedParams(
		"cls_token", "pos_embed", "register_tokens", "mask_token",
		"patch_embed.proj.weight", "patch_embed.proj.bias",
		"blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
		"blocks.0.ls1.gamma", "blocks.5.mlp.fc1.weight", "blocks.11.mlp.fc2.bias", "blocks.11.ls2.gamma",
		"norm.weight", "norm.bias",
		"frozen.weight",
	)
	ps[len(ps)-1].V.SetRequiresGrad(false)
	p := func(e int) float64 { return math.Pow(0.9, float64(e)) }
	want := map[string]groupWant{
		"cls_token":                {p(13), 1, false},
		"pos_embed":                {p(13), 1, false},
		"register_tokens":          {p(13), 1, false},
		"mask_token":               {p(13), 1, false},
		"patch_embed.proj.weight":  {0.2 * p(13), 1, false},
		"patch_embed.proj.bias":    {0.2 * p(13), 0, false},
		"blocks.0.norm1.weight":    {p(12), 0, false},
		"blocks.0.norm1.bias":      {p(12), 0, false},
		"blocks.0.attn.qkv.weight": {p(12), 1, false},
		"blocks.0.attn.qkv.bias":   {p(12), 0, false},
		"blocks.0.ls1.gamma":       {p(12), 0, false},
		"blocks.5.mlp.fc1.weight":  {p(7), 1, false},
		"blocks.11.mlp.fc2.bias":   {p(1), 0, false},
		"blocks.11.ls2.gamma":      {p(1), 0, false},
		"norm.weight":              {1, 0, false},
		"norm.bias":                {1, 0, false},
	}
	checkGroups(t, DINOv2Groups(ps, "backbone", 12, 0.9, 0.2), "backbone", want)

	// CXformer: ρ = 1, so only patch_embed differs from 1.
	for _, g := range DINOv2Groups(ps, "backbone", 12, 1.0, 0.2) {
		w := 1.0
		if g.Name == "patch_embed.proj.weight" || g.Name == "patch_embed.proj.bias" {
			w = 0.2
		}
		if g.LRMult != w {
			t.Errorf("ρ=1: %q lr×%g, want %g", g.Name, g.LRMult, w)
		}
	}
}

func TestDINOv2GroupsChunkedBlocks(t *testing.T) {
	// block_chunks = 4 over 12 blocks: blocks.c.i.* with i the global index.
	ps := namedParams("blocks.0.1.attn.qkv.weight", "blocks.2.7.norm2.weight", "blocks.3.11.mlp.fc1.bias")
	want := map[string]groupWant{
		"blocks.0.1.attn.qkv.weight": {math.Pow(0.5, 11), 1, false},
		"blocks.2.7.norm2.weight":    {math.Pow(0.5, 5), 0, false},
		"blocks.3.11.mlp.fc1.bias":   {0.5, 0, false},
	}
	checkGroups(t, DINOv2Groups(ps, "backbone", 12, 0.5, 0.2), "backbone", want)
}

func TestDINOv2GroupsHead(t *testing.T) {
	ps := namedParams("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.4.bias",
		"last_layer.weight_g", "last_layer.weight_v")
	want := map[string]groupWant{
		"mlp.0.weight":        {1, 1, false},
		"mlp.0.bias":          {1, 0, false},
		"mlp.2.weight":        {1, 1, false},
		"mlp.4.bias":          {1, 0, false},
		"last_layer.weight_g": {1, 1, true},
		"last_layer.weight_v": {1, 1, true},
	}
	checkGroups(t, DINOv2Groups(ps, "dino_head", 0, 0.9, 0.2), "dino_head", want)
}

func TestDINOv2GroupsBadBlockIndex(t *testing.T) {
	for _, name := range []string{"blocks.12.attn.qkv.weight", "blocks.x.norm1.weight"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q with depth 12 did not panic", name)
				}
			}()
			DINOv2Groups(namedParams(name), "backbone", 12, 0.9, 0.2)
		}()
	}
}
