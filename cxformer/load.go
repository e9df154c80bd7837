package cxformer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/gocx/gocx/cxformer/ckpt"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// LoadModel reads a backbone from any supported checkpoint:
//
//   - a Hugging Face directory (config.json + model.safetensors), or its
//     config.json;
//   - a DINOv2-native state dict as safetensors or PyTorch .pth: hub
//     backbones (dinov2_vits14_reg4_pretrain.pth), training teacher
//     checkpoints ({"teacher": …} with backbone. prefixes, chunked
//     blocks.c.i names) and gocx's own pretraining checkpoints.
//
// For native files the architecture is inferred from the tensor shapes
// (width, depth, registers, position grid). The number of heads is
// LoadOptions.Heads when given, else the file's own record of it (gocx
// writes one into teacher backbones, HeadsMetadata, and into pretraining
// checkpoints, with their config), else width/64 as in every DINOv2 model. interp picks the position-embedding interpolation of
// native files; use ModeE for the released reg4 hub models and ModeT for
// models trained with DINOv2's code (CXformer teacher checkpoints).
//
// LoadOptions apply to native files only.
type LoadOptions struct {
	Interp InterpMode // position-embedding interpolation (default ModeT)
	Heads  int        // attention heads; 0: the file's record, else D/64 (every DINOv2 model)
}

// HeadsMetadata is the safetensors metadata key under which gocx records
// the number of attention heads of a native backbone file, the one part of
// the architecture its tensor shapes do not show.
const HeadsMetadata = "num_heads"

// headsFromMetadata returns the head count a native file records: its
// HeadsMetadata entry, or the student's num_heads in a gocx pretraining
// checkpoint's config; 0 when it records none. A record that is there but
// unreadable is an error, not a silent fall-back to D/64.
func headsFromMetadata(meta map[string]string) (int, error) {
	if v, ok := meta[HeadsMetadata]; ok {
		h, err := strconv.Atoi(v)
		if err != nil || h < 1 {
			return 0, fmt.Errorf("metadata %s=%q is not a positive head count", HeadsMetadata, v)
		}
		return h, nil
	}
	cfg, ok := meta["config"]
	if !ok {
		return 0, nil
	}
	var doc struct {
		Student struct {
			Heads *int `json:"num_heads"`
		} `json:"student"`
	}
	if err := json.Unmarshal([]byte(cfg), &doc); err != nil || doc.Student.Heads == nil {
		return 0, nil // a config of another kind: nothing recorded for us
	}
	if h := *doc.Student.Heads; h >= 1 {
		return h, nil
	}
	return 0, fmt.Errorf("metadata config: student num_heads %d is not positive", *doc.Student.Heads)
}

func LoadModel(path string, dev tensor.Device, opt LoadOptions) (*ViT, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return LoadHF(path, dev)
	}
	if filepath.Base(path) == "config.json" {
		return LoadHF(filepath.Dir(path), dev)
	}
	f, err := state.Read(path)
	if err != nil {
		return nil, err
	}
	meta := f.Metadata
	if _, ok := f.Arrays["embeddings.cls_token"]; ok {
		return nil, fmt.Errorf("%s: Hugging Face weights: pass the model directory (with config.json) instead", path)
	}
	if hasPrefix(f, "student.") { // a gocx pretraining checkpoint: use the teacher
		_, f = ckpt.SplitPrefix(f, "student.")
		_, f = ckpt.SplitPrefix(f, "optim.")
	}
	native, err := ckpt.NormalizeNative(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	_, native = ckpt.SplitPrefix(native, "dino_head.")
	_, native = ckpt.SplitPrefix(native, "ibot_head.")
	for _, extra := range []string{"dino_center", "ibot_center", "step", "rng"} {
		native.Delete(extra)
	}
	heads := opt.Heads
	if heads == 0 {
		if heads, err = headsFromMetadata(meta); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	cfg, err := InferConfig(native, heads)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cfg.Interp = opt.Interp
	if opt.Interp != ModeT {
		cfg.InterpOffset = 0
	}
	v, err := NewViT(cfg, dev, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := v.LoadState(native); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

func hasPrefix(f *state.File, p string) bool {
	for name := range f.Arrays {
		if len(name) > len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

var blockIndex = regexp.MustCompile(`^blocks\.(\d+)\.`)

// InferConfig reads a ViT architecture off a native state dict: D from
// cls_token, depth from the block indices, registers from register_tokens,
// the position grid from pos_embed, the MLP ratio from fc1; heads is given
// or D/64 (the head width of every DINOv2 model).
func InferConfig(f *state.File, heads int) (Config, error) {
	shape := func(name string) ([]int, error) {
		a, ok := f.Arrays[name]
		if !ok {
			return nil, fmt.Errorf("not a DINOv2 backbone: no %s", name)
		}
		return a.Shape, nil
	}
	cls, err := shape("cls_token")
	if err != nil {
		return Config{}, err
	}
	d := cls[len(cls)-1]
	pos, err := shape("pos_embed")
	if err != nil {
		return Config{}, err
	}
	m := 0
	for m*m < pos[len(pos)-2]-1 {
		m++
	}
	if m*m != pos[len(pos)-2]-1 {
		return Config{}, fmt.Errorf("pos_embed %v is not 1 + M² rows", pos)
	}
	pw, err := shape("patch_embed.proj.weight")
	if err != nil {
		return Config{}, err
	}
	depth := 0
	for name := range f.Arrays {
		if mm := blockIndex.FindStringSubmatch(name); mm != nil {
			i, _ := strconv.Atoi(mm[1])
			depth = max(depth, i+1)
		}
	}
	fc1, err := shape("blocks.0.mlp.fc1.weight")
	if err != nil {
		return Config{}, err
	}
	regs := 0
	if r, ok := f.Arrays["register_tokens"]; ok {
		regs = r.Shape[len(r.Shape)-2]
	}
	_, hasLS := f.Arrays["blocks.0.ls1.gamma"]
	ls := 0.0
	if hasLS {
		ls = 1
	}
	if heads == 0 {
		if d%64 != 0 {
			return Config{}, fmt.Errorf("embed_dim %d is not a multiple of 64: give the number of heads", d)
		}
		heads = d / 64
	}
	cfg := Config{EmbedDim: d, Depth: depth, Heads: heads, PatchSize: pw[len(pw)-1], ImgSize: m * pw[len(pw)-1],
		MLPRatio: float64(fc1[0]) / float64(d), Registers: regs, LayerNormEps: 1e-6, LayerScaleInit: ls,
		Interp: ModeT, InterpOffset: 0.1}
	return cfg, cfg.Validate()
}
