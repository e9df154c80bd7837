package ckpt

import (
	"fmt"
	"strconv"
)

// Config is the part of a DINOv2 ViT architecture that determines its
// parameter names and shapes.
type Config struct {
	EmbedDim  int     // D
	Depth     int     // number of blocks
	Heads     int     // attention heads; must divide D (does not change shapes)
	PatchSize int     // 14 for DINOv2
	PosGrid   int     // M: pos_embed holds 1+M*M rows (37 for img_size 518)
	MLPRatio  float64 // MLP hidden width = int(D*MLPRatio), as Python's int()
	Registers int     // register tokens (0 or 4)
	InChans   int     // input channels; 0 means 3
	// NoQKVBias drops blocks.{i}.attn.qkv.bias (DINOv2 always has it).
	NoQKVBias bool
	// NoLayerScale drops blocks.{i}.ls{1,2}.gamma (models built with
	// init_values None; every released DINOv2 and CXformer model has them).
	NoLayerScale bool
}

// Hidden is the MLP hidden width.
func (c Config) Hidden() int { return int(float64(c.EmbedDim) * c.MLPRatio) }

func (c Config) inChans() int {
	if c.InChans == 0 {
		return 3
	}
	return c.InChans
}

// Upper bounds that Check puts on a config, far above any DINOv2 model (ViT-g/14: D
// 1536, depth 40, MLP width 6144, 37×37 grid): a corrupt config.json that exceeds them
// is an error rather than a request for absurd tables or parameters, and shape
// products cannot overflow.
const (
	maxEmbedDim = 1 << 16 // EmbedDim
	maxDepth    = 1 << 10 // Depth
	maxHidden   = 1 << 20 // MLP hidden width
	maxSide     = 1 << 10 // PatchSize, PosGrid
	maxCount    = 1 << 10 // Registers, InChans
)

// Check reports the first invalid field by name.
func (c Config) Check() error {
	switch {
	case c.EmbedDim <= 0 || c.EmbedDim > maxEmbedDim:
		return fmt.Errorf("ckpt: config: embed dim %d must be in 1..%d", c.EmbedDim, maxEmbedDim)
	case c.Depth <= 0 || c.Depth > maxDepth:
		return fmt.Errorf("ckpt: config: depth %d must be in 1..%d", c.Depth, maxDepth)
	case c.Heads <= 0 || c.EmbedDim%c.Heads != 0:
		return fmt.Errorf("ckpt: config: %d heads must divide embed dim %d", c.Heads, c.EmbedDim)
	case c.PatchSize <= 0 || c.PatchSize > maxSide:
		return fmt.Errorf("ckpt: config: patch size %d must be in 1..%d", c.PatchSize, maxSide)
	case c.PosGrid <= 0 || c.PosGrid > maxSide:
		return fmt.Errorf("ckpt: config: position grid %d must be in 1..%d", c.PosGrid, maxSide)
	// Compared in float64 first: int() of an out-of-range float is not defined.
	case !(c.MLPRatio > 0 && float64(c.EmbedDim)*c.MLPRatio < maxHidden+1) || c.Hidden() <= 0:
		return fmt.Errorf("ckpt: config: MLP ratio %g with embed dim %d must give a hidden width in 1..%d", c.MLPRatio, c.EmbedDim, maxHidden)
	case c.Registers < 0 || c.Registers > maxCount:
		return fmt.Errorf("ckpt: config: %d register tokens (want 0..%d)", c.Registers, maxCount)
	case c.InChans < 0 || c.InChans > maxCount:
		return fmt.Errorf("ckpt: config: %d input channels (want 0..%d)", c.InChans, maxCount)
	}
	return nil
}

// NativeOrder lists the native parameter names of cfg in the order of
// DinoVisionTransformer.state_dict() (spec §10.1).
func NativeOrder(cfg Config) []string {
	names := []string{"cls_token", "pos_embed"}
	if cfg.Registers > 0 {
		names = append(names, "register_tokens")
	}
	names = append(names, "mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias")
	for i := range cfg.Depth {
		b := "blocks." + strconv.Itoa(i) + "."
		names = append(names, b+"norm1.weight", b+"norm1.bias", b+"attn.qkv.weight")
		if !cfg.NoQKVBias {
			names = append(names, b+"attn.qkv.bias")
		}
		names = append(names, b+"attn.proj.weight", b+"attn.proj.bias")
		if !cfg.NoLayerScale {
			names = append(names, b+"ls1.gamma")
		}
		names = append(names, b+"norm2.weight", b+"norm2.bias",
			b+"mlp.fc1.weight", b+"mlp.fc1.bias", b+"mlp.fc2.weight", b+"mlp.fc2.bias")
		if !cfg.NoLayerScale {
			names = append(names, b+"ls2.gamma")
		}
	}
	return append(names, "norm.weight", "norm.bias")
}

// NativeShapes returns the shape of every native parameter of cfg
// (spec §10.1). Linear weights are (out, in).
func NativeShapes(cfg Config) map[string][]int {
	d, h, m, p := cfg.EmbedDim, cfg.Hidden(), cfg.PosGrid, cfg.PatchSize
	s := map[string][]int{
		"cls_token":               {1, 1, d},
		"pos_embed":               {1, 1 + m*m, d},
		"mask_token":              {1, d},
		"patch_embed.proj.weight": {d, cfg.inChans(), p, p},
		"patch_embed.proj.bias":   {d},
		"norm.weight":             {d},
		"norm.bias":               {d},
	}
	if cfg.Registers > 0 {
		s["register_tokens"] = []int{1, cfg.Registers, d}
	}
	for i := range cfg.Depth {
		b := "blocks." + strconv.Itoa(i) + "."
		for _, n := range []string{"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "attn.proj.bias", "mlp.fc2.bias"} {
			s[b+n] = []int{d}
		}
		s[b+"attn.qkv.weight"] = []int{3 * d, d}
		if !cfg.NoQKVBias {
			s[b+"attn.qkv.bias"] = []int{3 * d}
		}
		s[b+"attn.proj.weight"] = []int{d, d}
		s[b+"mlp.fc1.weight"] = []int{h, d}
		s[b+"mlp.fc1.bias"] = []int{h}
		s[b+"mlp.fc2.weight"] = []int{d, h}
		if !cfg.NoLayerScale {
			s[b+"ls1.gamma"] = []int{d}
			s[b+"ls2.gamma"] = []int{d}
		}
	}
	return s
}
