package cxformer

import "fmt"

// Config is a ViT architecture.
type Config struct {
	EmbedDim  int     // D
	Depth     int     // number of blocks
	Heads     int     // attention heads; D must divide evenly
	PatchSize int     // 14
	ImgSize   int     // the size the position grid was made for (518 → 37×37)
	MLPRatio  float64 // hidden = D·MLPRatio
	Registers int     // register tokens (0 or 4)
	// LayerNormEps is 1e-6 in DINOv2.
	LayerNormEps float64
	// LayerScaleInit is the initial LayerScale value (1e-5 for training
	// from scratch, 1.0 for hub models); 0 disables LayerScale.
	LayerScaleInit float64
	// Interp selects the position-embedding interpolation: ModeT (DINOv2
	// training: bicubic A=-0.75 with scale (n+offset)/M) or ModeE (Hugging
	// Face and the released models: antialiased bicubic to an explicit size).
	Interp       InterpMode
	InterpOffset float64 // mode T offset, 0.1 in DINOv2
	DropPath     float64 // stochastic depth rate (0 in CXformer)
	// DropPathUniform gives every block the rate DropPath (DINOv2's
	// drop_path_uniform); otherwise the rate grows linearly from 0 at the
	// first block to DropPath at the last.
	DropPathUniform bool
}

// InterpMode selects a position-embedding interpolation.
type InterpMode int

const (
	// ModeT is DINOv2's training interpolation (interpolate_antialias =
	// false, interpolate_offset = 0.1).
	ModeT InterpMode = iota
	// ModeE is Hugging Face's Dinov2WithRegistersModel interpolation and
	// that of the released reg4 models: antialiased bicubic (a=-0.5) to an
	// explicit size.
	ModeE
	// ModeSize is Hugging Face's Dinov2Model (no registers) interpolation:
	// plain bicubic (A=-0.75) to an explicit size, no antialias.
	ModeSize
)

// String names the mode.
func (m InterpMode) String() string {
	switch m {
	case ModeE:
		return "E (antialiased bicubic, explicit size)"
	case ModeSize:
		return "size (bicubic, explicit size)"
	}
	return "T (bicubic, scale offset)"
}

// ViTS14 is ViT-S/14 with 4 registers at 518 px, as CXformer(S).
func ViTS14() Config { return base(384, 12, 6) }

// ViTB14 is ViT-B/14 with 4 registers at 518 px, as CXformer(B).
func ViTB14() Config { return base(768, 12, 12) }

// ViTL14 is ViT-L/14 with 4 registers at 518 px.
func ViTL14() Config { return base(1024, 24, 16) }

func base(d, depth, heads int) Config {
	return Config{EmbedDim: d, Depth: depth, Heads: heads, PatchSize: 14, ImgSize: 518, MLPRatio: 4,
		Registers: 4, LayerNormEps: 1e-6, LayerScaleInit: 1e-5, Interp: ModeT, InterpOffset: 0.1}
}

// Grid returns the side of the square position grid (ImgSize/PatchSize).
func (c Config) Grid() int { return c.ImgSize / c.PatchSize }

// Hidden returns the MLP hidden width.
func (c Config) Hidden() int { return int(float64(c.EmbedDim) * c.MLPRatio) }

// HeadDim returns D/Heads.
func (c Config) HeadDim() int { return c.EmbedDim / max(c.Heads, 1) }

// Validate reports the first inconsistent field by name.
func (c Config) Validate() error {
	switch {
	case c.EmbedDim <= 0:
		return fmt.Errorf("cxformer config: embed_dim %d must be positive", c.EmbedDim)
	case c.Depth <= 0:
		return fmt.Errorf("cxformer config: depth %d must be positive", c.Depth)
	case c.Heads <= 0 || c.EmbedDim%c.Heads != 0:
		return fmt.Errorf("cxformer config: num_heads %d must divide embed_dim %d", c.Heads, c.EmbedDim)
	case c.PatchSize <= 0:
		return fmt.Errorf("cxformer config: patch_size %d must be positive", c.PatchSize)
	case c.ImgSize <= 0 || c.ImgSize%c.PatchSize != 0:
		return fmt.Errorf("cxformer config: img_size %d must be a positive multiple of patch_size %d", c.ImgSize, c.PatchSize)
	case c.MLPRatio <= 0 || c.Hidden() <= 0:
		return fmt.Errorf("cxformer config: mlp_ratio %g gives no hidden units", c.MLPRatio)
	case c.Registers < 0:
		return fmt.Errorf("cxformer config: num_register_tokens %d must be >= 0", c.Registers)
	case c.LayerNormEps <= 0:
		return fmt.Errorf("cxformer config: layernorm_eps %g must be positive", c.LayerNormEps)
	case c.DropPath < 0 || c.DropPath >= 1:
		return fmt.Errorf("cxformer config: drop_path_rate %g must be in [0, 1)", c.DropPath)
	}
	return nil
}
