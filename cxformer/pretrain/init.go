package pretrain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/ckpt"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// Init loads a pretrained backbone into the student and the teacher
// (continual pretraining, spec §8: CXformer starts from DINOv2 reg4): a
// Hugging Face directory, a DINOv2-native checkpoint (hub backbone or
// training teacher checkpoint), or a gocx pretraining checkpoint (its
// teacher backbone). The heads stay as initialised, identical in student
// and teacher. The backbone must have the config's width, depth, patch
// size, MLP width, position grid and LayerScale; when the source has no
// register tokens and the config wants some, the freshly initialised
// register tokens are kept. Init must come before the first step; it
// returns notes for the user (e.g. about the registers).
func (t *Trainer) Init(path string) ([]string, error) {
	if t.step != 0 {
		return nil, fmt.Errorf("pretrain: Init after %d steps: initialise before training", t.step)
	}
	src, srcCfg, err := loadBackbone(path, t.Cfg.SSL.Backbone.Heads)
	if err != nil {
		return nil, err
	}
	want := t.Cfg.SSL.Backbone
	var bad []string
	mismatch := func(field string, got, w any) {
		bad = append(bad, fmt.Sprintf("%s: %v in the checkpoint, %v in the config", field, got, w))
	}
	if srcCfg.EmbedDim != want.EmbedDim {
		mismatch("student.embed_dim", srcCfg.EmbedDim, want.EmbedDim)
	}
	if srcCfg.Depth != want.Depth {
		mismatch("student.depth", srcCfg.Depth, want.Depth)
	}
	if srcCfg.PatchSize != want.PatchSize {
		mismatch("student.patch_size", srcCfg.PatchSize, want.PatchSize)
	}
	if srcCfg.Hidden() != want.Hidden() {
		mismatch("student.mlp_ratio (MLP width)", srcCfg.Hidden(), want.Hidden())
	}
	if srcCfg.Grid() != want.Grid() {
		mismatch("student.img_size (position grid)", srcCfg.ImgSize, want.ImgSize)
	}
	if (srcCfg.LayerScaleInit != 0) != (want.LayerScaleInit != 0) {
		mismatch("student.layerscale (present)", srcCfg.LayerScaleInit != 0, want.LayerScaleInit != 0)
	}
	var notes []string
	switch {
	case srcCfg.Registers == want.Registers:
	case srcCfg.Registers == 0:
		notes = append(notes, fmt.Sprintf("%s has no register tokens: the %d register tokens start freshly initialised", path, want.Registers))
	default:
		mismatch("student.num_register_tokens", srcCfg.Registers, want.Registers)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("pretrain: --init %s does not fit the config:\n  %s", path, strings.Join(bad, "\n  "))
	}
	byName := src.Map()
	for _, p := range t.Student.Backbone.Params {
		s, ok := byName[p.Name]
		if !ok {
			if p.Name == "register_tokens" {
				continue
			}
			return nil, fmt.Errorf("pretrain: --init %s: no %s", path, p.Name)
		}
		if !slices.Equal(s.Value.Shape(), p.V.Value.Shape()) {
			return nil, fmt.Errorf("pretrain: --init %s: %s is %v, the model wants %v", path, p.Name, s.Value.Shape(), p.V.Value.Shape())
		}
	}
	for _, p := range t.Student.Backbone.Params {
		if s, ok := byName[p.Name]; ok {
			p.V.Value.Load(s.Value.Data())
		}
	}
	copyParams(t.Teacher.Backbone.Params, t.Student.Backbone.Params)
	for _, p := range src {
		p.V.Value.Release()
	}
	return notes, nil
}

// loadBackbone reads the backbone parameters of path on the CPU with the
// architecture they imply.
func loadBackbone(path string, heads int) (nn.Params, cxformer.Config, error) {
	if f, err := state.ReadSafetensors(path); err == nil && f.Metadata["format"] == checkpointFormat {
		if _, err := readVerified(path); err != nil {
			return nil, cxformer.Config{}, err
		}
		bb, _ := ckpt.SplitPrefix(f, "teacher.backbone.")
		cfg, err := cxformer.InferConfig(bb, heads)
		if err != nil {
			return nil, cxformer.Config{}, fmt.Errorf("pretrain: --init %s: %w", path, err)
		}
		v, err := cxformer.NewViT(cfg, tensor.CPU, 0)
		if err != nil {
			return nil, cxformer.Config{}, err
		}
		if err := v.LoadState(bb); err != nil {
			return nil, cxformer.Config{}, fmt.Errorf("pretrain: --init %s: %w", path, err)
		}
		return v.Params, v.Cfg, nil
	}
	v, err := cxformer.LoadModel(path, tensor.CPU, cxformer.LoadOptions{Interp: cxformer.ModeT, Heads: heads})
	if err != nil {
		return nil, cxformer.Config{}, fmt.Errorf("pretrain: --init: %w", err)
	}
	return v.Params, v.Cfg, nil
}
