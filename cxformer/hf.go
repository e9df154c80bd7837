package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/cxformer/ckpt"
	"github.com/gocx/gocx/tensor"
)

// LoadHF reads a Hugging Face Dinov2Model or Dinov2WithRegistersModel
// directory (config.json + model.safetensors, e.g. facebook/dinov2-small
// or m42-health/CXformer-small) into a ViT on dev. The model interpolates
// position embeddings as transformers does: mode E for
// Dinov2WithRegistersModel, ModeSize for Dinov2Model.
func LoadHF(dir string, dev tensor.Device) (*ViT, error) {
	native, hf, err := ckpt.LoadHF(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigFromHF(hf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	v, err := NewViT(cfg, dev, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := v.LoadState(native); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return v, nil
}

// ConfigFromHF maps a Hugging Face config to a ViT config (mode E).
func ConfigFromHF(hf ckpt.HFConfig) (Config, error) {
	n, err := hf.Native()
	if err != nil {
		return Config{}, err
	}
	if n.InChans != 0 && n.InChans != 3 {
		return Config{}, fmt.Errorf("num_channels %d: only 3-channel models are supported", n.InChans)
	}
	if n.NoQKVBias {
		return Config{}, fmt.Errorf("qkv_bias false is not supported")
	}
	cfg := Config{EmbedDim: n.EmbedDim, Depth: n.Depth, Heads: n.Heads, PatchSize: n.PatchSize,
		ImgSize: hf.ImageSize, MLPRatio: n.MLPRatio, Registers: n.Registers, LayerNormEps: hf.LayerNormEps,
		LayerScaleInit: hf.LayerscaleValue, Interp: ModeE, InterpOffset: 0, DropPath: hf.DropPathRate}
	if cfg.LayerScaleInit == 0 {
		cfg.LayerScaleInit = 1
	}
	if hf.ModelType == ckpt.ModelTypeDinov2 {
		cfg.Interp = ModeSize // transformers' Dinov2Model resizes without antialias
	}
	return cfg, cfg.Validate()
}

// SaveHF writes the backbone as a Hugging Face model directory that
// transformers' AutoModel loads (Dinov2WithRegistersModel when the model
// has registers, Dinov2Model otherwise).
func (v *ViT) SaveHF(dir string) error {
	c := v.Cfg
	if c.LayerScaleInit == 0 {
		return fmt.Errorf("cxformer: a model without LayerScale has no Hugging Face equivalent")
	}
	hf, err := ckpt.NewHFConfig(ckpt.Config{EmbedDim: c.EmbedDim, Depth: c.Depth, Heads: c.Heads, PatchSize: c.PatchSize,
		PosGrid: c.Grid(), MLPRatio: c.MLPRatio, Registers: c.Registers})
	if err != nil {
		return err
	}
	hf.LayerNormEps = c.LayerNormEps
	return ckpt.WriteHF(dir, v.State(), hf)
}
