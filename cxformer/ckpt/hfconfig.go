package ckpt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Hugging Face model types and their base-model classes.
const (
	ModelTypeDinov2         = "dinov2"
	ModelTypeDinov2WithRegs = "dinov2_with_registers"
	archDinov2              = "Dinov2Model"
	archDinov2WithRegs      = "Dinov2WithRegistersModel"
)

// HFConfig is a Hugging Face Dinov2Config / Dinov2WithRegistersConfig
// (config.json). Fields absent from a file take the transformers defaults;
// NumRegisterTokens is 0 when absent.
type HFConfig struct {
	ModelType                 string   // "dinov2" or "dinov2_with_registers"
	Architectures             []string // e.g. ["Dinov2WithRegistersModel"]
	HiddenSize                int
	NumHiddenLayers           int
	NumAttentionHeads         int
	MLPRatio                  float64
	HiddenAct                 string // only "gelu" (exact) is supported
	HiddenDropoutProb         float64
	AttentionProbsDropoutProb float64
	InitializerRange          float64
	LayerNormEps              float64
	ImageSize                 int
	PatchSize                 int
	NumChannels               int
	QKVBias                   bool
	LayerscaleValue           float64
	DropPathRate              float64
	UseSwigluFFN              bool // not supported: an error in Check
	NumRegisterTokens         int
	UseMaskToken              bool // Dinov2Model only; true when absent
	OutFeatures               []string
	OutIndices                []int
	StageNames                []string
	ApplyLayernorm            bool
	ReshapeHiddenStates       bool
	// Extra holds every other field of config.json (transformers_version,
	// dtype, id2label, ...) so that writing a read config loses nothing.
	Extra map[string]json.RawMessage
}

// NewHFConfig returns the Hugging Face config of a native architecture:
// Dinov2WithRegistersModel when it has registers, Dinov2Model otherwise,
// with transformers' defaults for everything the architecture does not fix
// (LayerScale 1.0, LayerNorm eps 1e-6, exact GELU, no dropout).
func NewHFConfig(cfg Config) (HFConfig, error) {
	if err := cfg.Check(); err != nil {
		return HFConfig{}, err
	}
	h := HFConfig{
		ModelType: ModelTypeDinov2, Architectures: []string{archDinov2},
		HiddenSize: cfg.EmbedDim, NumHiddenLayers: cfg.Depth, NumAttentionHeads: cfg.Heads,
		MLPRatio: cfg.MLPRatio, HiddenAct: "gelu", InitializerRange: 0.02, LayerNormEps: 1e-6,
		ImageSize: cfg.PosGrid * cfg.PatchSize, PatchSize: cfg.PatchSize, NumChannels: cfg.inChans(),
		QKVBias: !cfg.NoQKVBias, LayerscaleValue: 1, NumRegisterTokens: cfg.Registers, UseMaskToken: true,
		ApplyLayernorm: true, ReshapeHiddenStates: true,
	}
	if cfg.Registers > 0 {
		h.ModelType, h.Architectures = ModelTypeDinov2WithRegs, []string{archDinov2WithRegs}
	}
	if cfg.NoLayerScale {
		return HFConfig{}, fmt.Errorf("ckpt: Hugging Face DINOv2 models always have LayerScale; a model without it cannot be exported")
	}
	h.StageNames = []string{"stem"}
	for i := 1; i <= cfg.Depth; i++ {
		h.StageNames = append(h.StageNames, "stage"+strconv.Itoa(i))
	}
	h.OutFeatures = []string{"stage" + strconv.Itoa(cfg.Depth)}
	h.OutIndices = []int{cfg.Depth}
	return h, nil
}

// Native returns the native architecture of the config (position grid
// image_size/patch_size, as Hugging Face computes it).
func (h HFConfig) Native() (Config, error) {
	if err := h.Check(); err != nil {
		return Config{}, err
	}
	return Config{
		EmbedDim: h.HiddenSize, Depth: h.NumHiddenLayers, Heads: h.NumAttentionHeads,
		PatchSize: h.PatchSize, PosGrid: h.ImageSize / h.PatchSize, MLPRatio: h.MLPRatio,
		Registers: h.NumRegisterTokens, InChans: h.NumChannels, NoQKVBias: !h.QKVBias,
	}, nil
}

// Check reports a config this package (and gocx's ViT) cannot represent.
func (h HFConfig) Check() error {
	switch {
	case h.ModelType != ModelTypeDinov2 && h.ModelType != ModelTypeDinov2WithRegs:
		return fmt.Errorf("ckpt: model_type %q is not %q or %q", h.ModelType, ModelTypeDinov2, ModelTypeDinov2WithRegs)
	case h.UseSwigluFFN:
		return fmt.Errorf("ckpt: use_swiglu_ffn = true (ViT-g) is not supported yet")
	case h.HiddenAct != "gelu":
		return fmt.Errorf("ckpt: hidden_act %q is not supported (only exact \"gelu\")", h.HiddenAct)
	case h.ModelType == ModelTypeDinov2 && h.NumRegisterTokens != 0:
		return fmt.Errorf("ckpt: model_type %q cannot have %d register tokens", h.ModelType, h.NumRegisterTokens)
	case h.NumChannels <= 0:
		return fmt.Errorf("ckpt: num_channels %d must be positive", h.NumChannels)
	case h.PatchSize <= 0 || h.ImageSize < h.PatchSize:
		return fmt.Errorf("ckpt: image_size %d and patch_size %d give no patches", h.ImageSize, h.PatchSize)
	}
	cfg := Config{EmbedDim: h.HiddenSize, Depth: h.NumHiddenLayers, Heads: h.NumAttentionHeads,
		PatchSize: h.PatchSize, PosGrid: h.ImageSize / h.PatchSize, MLPRatio: h.MLPRatio, Registers: h.NumRegisterTokens,
		InChans: h.NumChannels}
	return cfg.Check()
}

// ReadHFConfig reads config.json from a model directory (or the file itself
// when path names a file). Required: model_type, hidden_size,
// num_hidden_layers, num_attention_heads, image_size, patch_size. The
// config must pass Check.
func ReadHFConfig(path string) (HFConfig, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "config.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return HFConfig{}, fmt.Errorf("ckpt: %w", err)
	}
	h, err := parseHFConfig(b)
	if err != nil {
		return HFConfig{}, fmt.Errorf("ckpt: %s: %w", path, err)
	}
	if err := h.Check(); err != nil {
		return HFConfig{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return h, nil
}

func parseHFConfig(b []byte) (HFConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return HFConfig{}, fmt.Errorf("bad JSON: %w", err)
	}
	h := HFConfig{ // transformers defaults for optional fields
		MLPRatio: 4, HiddenAct: "gelu", InitializerRange: 0.02, LayerNormEps: 1e-6, NumChannels: 3,
		QKVBias: true, LayerscaleValue: 1, UseMaskToken: true, ApplyLayernorm: true, ReshapeHiddenStates: true,
	}
	var intermediate int
	fields := []struct {
		key      string
		dst      any
		required bool
	}{
		{"model_type", &h.ModelType, true},
		{"architectures", &h.Architectures, false},
		{"hidden_size", &h.HiddenSize, true},
		{"num_hidden_layers", &h.NumHiddenLayers, true},
		{"num_attention_heads", &h.NumAttentionHeads, true},
		{"mlp_ratio", &h.MLPRatio, false},
		{"intermediate_size", &intermediate, false},
		{"hidden_act", &h.HiddenAct, false},
		{"hidden_dropout_prob", &h.HiddenDropoutProb, false},
		{"attention_probs_dropout_prob", &h.AttentionProbsDropoutProb, false},
		{"initializer_range", &h.InitializerRange, false},
		{"layer_norm_eps", &h.LayerNormEps, false},
		{"image_size", &h.ImageSize, true},
		{"patch_size", &h.PatchSize, true},
		{"num_channels", &h.NumChannels, false},
		{"qkv_bias", &h.QKVBias, false},
		{"layerscale_value", &h.LayerscaleValue, false},
		{"drop_path_rate", &h.DropPathRate, false},
		{"use_swiglu_ffn", &h.UseSwigluFFN, false},
		{"num_register_tokens", &h.NumRegisterTokens, false},
		{"use_mask_token", &h.UseMaskToken, false},
		{"out_features", &h.OutFeatures, false},
		{"out_indices", &h.OutIndices, false},
		{"stage_names", &h.StageNames, false},
		{"apply_layernorm", &h.ApplyLayernorm, false},
		{"reshape_hidden_states", &h.ReshapeHiddenStates, false},
	}
	for _, f := range fields {
		if f.key == "use_mask_token" && h.ModelType != ModelTypeDinov2 {
			continue // not a Dinov2WithRegistersConfig field: kept in Extra, written back as read
		}
		v, ok := raw[f.key]
		if !ok || bytes.Equal(v, []byte("null")) {
			if f.required {
				return HFConfig{}, fmt.Errorf("field %q is missing", f.key)
			}
			delete(raw, f.key)
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return HFConfig{}, fmt.Errorf("field %q = %s: %w", f.key, v, err)
		}
		delete(raw, f.key)
	}
	if intermediate != 0 && intermediate != int(float64(h.HiddenSize)*h.MLPRatio) {
		return HFConfig{}, fmt.Errorf("intermediate_size %d disagrees with hidden_size %d × mlp_ratio %g",
			intermediate, h.HiddenSize, h.MLPRatio)
	}
	if len(raw) > 0 {
		h.Extra = raw
	}
	return h, nil
}

// pyFloat marshals like Python's json (1.0, 0.0, 1e-06), so that
// transformers reads the float fields back as floats.
type pyFloat float64

func (f pyFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, fmt.Errorf("ckpt: cannot write %v to config.json", v)
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !bytes.ContainsAny([]byte(s), ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

// MarshalJSON writes the config as transformers does: every field, keys
// sorted, indented by two spaces.
func (h HFConfig) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, v := range h.Extra {
		m[k] = v
	}
	m["model_type"] = h.ModelType
	m["architectures"] = h.Architectures
	m["hidden_size"] = h.HiddenSize
	m["num_hidden_layers"] = h.NumHiddenLayers
	m["num_attention_heads"] = h.NumAttentionHeads
	if h.MLPRatio == math.Trunc(h.MLPRatio) && math.Abs(h.MLPRatio) < 1<<53 {
		m["mlp_ratio"] = int64(h.MLPRatio) // transformers' default is the int 4
	} else {
		m["mlp_ratio"] = pyFloat(h.MLPRatio)
	}
	m["intermediate_size"] = int(float64(h.HiddenSize) * h.MLPRatio)
	m["hidden_act"] = h.HiddenAct
	m["hidden_dropout_prob"] = pyFloat(h.HiddenDropoutProb)
	m["attention_probs_dropout_prob"] = pyFloat(h.AttentionProbsDropoutProb)
	m["initializer_range"] = pyFloat(h.InitializerRange)
	m["layer_norm_eps"] = pyFloat(h.LayerNormEps)
	m["image_size"] = h.ImageSize
	m["patch_size"] = h.PatchSize
	m["num_channels"] = h.NumChannels
	m["qkv_bias"] = h.QKVBias
	m["layerscale_value"] = pyFloat(h.LayerscaleValue)
	m["drop_path_rate"] = pyFloat(h.DropPathRate)
	m["use_swiglu_ffn"] = h.UseSwigluFFN
	if h.ModelType == ModelTypeDinov2WithRegs {
		m["num_register_tokens"] = h.NumRegisterTokens
	} else {
		m["use_mask_token"] = h.UseMaskToken
	}
	m["out_features"] = h.OutFeatures
	m["out_indices"] = h.OutIndices
	m["stage_names"] = h.StageNames
	m["apply_layernorm"] = h.ApplyLayernorm
	m["reshape_hidden_states"] = h.ReshapeHiddenStates
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
