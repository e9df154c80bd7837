package pretrain

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
)

func TestPresetsAreValid(t *testing.T) {
	for _, name := range []string{"tiny", "cxformer-s", "cxformer-b"} {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Preset("vit-h"); err == nil || !strings.Contains(err.Error(), "vit-h") {
		t.Errorf("unknown preset: err %v", err)
	}
}

// The CXformer presets carry the final recipe of spec §8.
func TestCXformerPresetIsTheSpecRecipe(t *testing.T) {
	for _, c := range []Config{CXformerS(), CXformerB()} {
		s := c.SSL
		checks := []struct {
			what      string
			got, want float64
		}{
			{"registers", float64(s.Backbone.Registers), 4},
			{"dino prototypes", float64(s.DINOHead.Prototypes), 16384},
			{"dino bottleneck", float64(s.DINOHead.Bottleneck), 384},
			{"ibot prototypes", float64(s.IBOTHead.Prototypes), 16384},
			{"ibot bottleneck", float64(s.IBOTHead.Bottleneck), 256},
			{"head hidden", float64(s.DINOHead.Hidden), 2048},
			{"base lr", c.BaseLR, 3e-4},
			{"min lr", c.MinLR, 1e-6},
			{"wd", c.WeightDecay, 0},
			{"wd end", c.WeightDecayEnd, 0},
			{"momentum", c.MomentumTeacher, 0.999},
			{"final momentum", c.FinalMomentumTeacher, 0.999},
			{"epochs", float64(c.Epochs), 100},
			{"epoch length", float64(c.EpochLength), 611},
			{"warmup", float64(c.WarmupEpochs), 10},
			{"teacher temp", c.TeacherTemp, 0.07},
			{"warmup teacher temp", c.WarmupTeacherTemp, 0.04},
			{"teacher temp epochs", float64(c.WarmupTeacherTempEpochs), 30},
			{"global crop", float64(c.GlobalCropSize), 518},
			{"local crop", float64(c.LocalCropSize), 98},
			{"local crops", float64(s.NLocal), 8},
			{"clip", c.ClipGrad, 3},
			{"layerwise decay", c.LayerwiseDecay, 1},
			{"patch embed lr mult", c.PatchEmbedLRMult, 0.2},
			{"freeze last layer epochs", float64(c.FreezeLastLayerEpochs), 1},
			{"batch", float64(c.BatchSize), 1024},
			{"drop path", s.Backbone.DropPath, 0},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Errorf("D=%d %s: %g, spec %g", s.Backbone.EmbedDim, ch.what, ch.got, ch.want)
			}
		}
		if !s.SeparateIBOTHead || s.Centering != cxformer.SoftmaxCentering {
			t.Errorf("separate iBOT head %v, centering %v", s.SeparateIBOTHead, s.Centering)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*Config)
	}{
		{"dino.head_n_prototypes", func(c *Config) { c.SSL.DINOHead.Prototypes = 0 }},
		{"ibot.head_n_prototypes", func(c *Config) { c.SSL.IBOTHead.Prototypes = 0 }},
		{"crops.global_crops_size", func(c *Config) { c.GlobalCropSize = 100 }},
		{"crops.local_crops_size", func(c *Config) { c.LocalCropSize = 50 }},
		{"train.batch_size", func(c *Config) { c.BatchSize = 0 }},
		{"train.batch_size", func(c *Config) { c.BatchSize = 1 }},  // KoLeo needs 2
		{"train.batch_size", func(c *Config) { c.BatchSize = 65 }}, // a KoLeo chunk of 1
		{"optim.epochs", func(c *Config) { c.Epochs = 0 }},
		{"train.epoch_length", func(c *Config) { c.EpochLength = 0 }},
		{"optim.base_lr", func(c *Config) { c.BaseLR = -1 }},
		{"optim.warmup_epochs", func(c *Config) { c.WarmupEpochs = c.Epochs + 1 }},
		{"teacher.momentum_teacher", func(c *Config) { c.MomentumTeacher = 1.5 }},
		{"teacher.teacher_temp", func(c *Config) { c.TeacherTemp = 0 }},
		{"optim.layerwise_decay", func(c *Config) { c.LayerwiseDecay = 0 }},
		{"optim.clip_grad", func(c *Config) { c.ClipGrad = -3 }},
		{"optim.freeze_backbone_iters", func(c *Config) { c.FreezeBackboneIters = -1 }},
		{"ibot.mask_ratio_min_max", func(c *Config) { c.MaskRatioMin, c.MaskRatioMax = 0.6, 0.5 }},
		{"embed_dim", func(c *Config) { c.SSL.Backbone.EmbedDim = 0 }},
		{"num_heads", func(c *Config) { c.SSL.Backbone.Heads = 5 }},
		{"global_crops_number", func(c *Config) { c.SSL.NGlobal = 3 }},
	}
	for _, tc := range cases {
		c := Tiny()
		tc.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %v does not name the field", tc.field, err)
		}
		if _, err := NewTrainer(c, nil, NewRandomCrops(c)); err == nil {
			t.Errorf("%s: NewTrainer accepted the config", tc.field)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	for _, c := range []Config{Tiny(), CXformerS(), CXformerB()} {
		c.SSL.Centering = cxformer.SinkhornKnopp
		c.FreezeBackboneIters = 611
		c.Seed = 1<<63 + 5
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadConfig(bytes.NewReader(b), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if !equalConfig(got, c) || got.SSL != c.SSL {
			t.Errorf("round trip changed the config:\n got %+v\nwant %+v", got, c)
		}
	}
}

func TestConfigFileOverlaysPreset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	base := Tiny()
	base.BatchSize = 4
	if err := WriteConfigFile(path, base); err != nil {
		t.Fatal(err)
	}
	c, err := ReadConfigFile(path, CXformerS())
	if err != nil {
		t.Fatal(err)
	}
	if !equalConfig(c, base) {
		t.Errorf("a full file did not replace the preset")
	}

	partial := `{"optim": {"base_lr": 0.002}, "train": {"centering": "sinkhorn_knopp"}}`
	c, err = ReadConfig(strings.NewReader(partial), Tiny())
	if err != nil {
		t.Fatal(err)
	}
	want := Tiny()
	want.BaseLR, want.SSL.Centering = 0.002, cxformer.SinkhornKnopp
	if !equalConfig(c, want) {
		t.Errorf("partial overlay: got %+v", c)
	}

	for _, bad := range []struct{ doc, mention string }{
		{`{"optim": {"base_lrr": 1}}`, "base_lrr"},
		{`{"train": {"centering": "kmeans"}}`, "kmeans"},
		{`{"student": {"interpolation": "Q"}}`, "interpolation"},
		{`{"dino": {"head_n_prototypes": 0}}`, "dino.head_n_prototypes"},
		{`{"crops": {"global_crops_size": 100}}`, "crops.global_crops_size"},
		{`{"optim": {"epochs": 1}} {}`, "after"},
	} {
		_, err := ReadConfig(strings.NewReader(bad.doc), Tiny())
		if err == nil || !strings.Contains(err.Error(), bad.mention) {
			t.Errorf("%s: error %v does not mention %q", bad.doc, err, bad.mention)
		}
	}
}

func TestSchedules(t *testing.T) {
	c := smallConfig()
	c.Epochs, c.EpochLength, c.WarmupEpochs = 10, 10, 2
	c.FreezeLastLayerEpochs = 1
	c.WarmupTeacherTempEpochs = 3
	s := NewSchedules(c)
	v0, v9, v10, v19, v29, end := s.At(0), s.At(9), s.At(10), s.At(19), s.At(29), s.At(100)
	switch {
	case v0.LR != 0:
		t.Errorf("lr at 0: %g, want 0 (warm-up from 0)", v0.LR)
	case v19.LR != c.BaseLR:
		t.Errorf("lr at the end of warm-up: %g, want %g", v19.LR, c.BaseLR)
	case end.LR != c.MinLR:
		t.Errorf("lr after the run: %g, want %g", end.LR, c.MinLR)
	case v9.LastLayerLR != 0 || v10.LastLayerLR != v10.LR || v10.LR == 0:
		t.Errorf("last-layer lr at 9: %g (want 0), at 10: %g (want lr %g)", v9.LastLayerLR, v10.LastLayerLR, v10.LR)
	case v0.TeacherTemp != c.WarmupTeacherTemp || v29.TeacherTemp != c.TeacherTemp || end.TeacherTemp != c.TeacherTemp:
		t.Errorf("teacher temp at 0, 29, end: %g %g %g", v0.TeacherTemp, v29.TeacherTemp, end.TeacherTemp)
	case v0.Momentum != c.MomentumTeacher || end.Momentum != c.FinalMomentumTeacher:
		t.Errorf("momentum at 0 and end: %g %g", v0.Momentum, end.Momentum)
	}
	if v10.TeacherTemp <= v9.TeacherTemp || v10.TeacherTemp >= c.TeacherTemp {
		t.Errorf("teacher temp does not rise linearly: %g then %g", v9.TeacherTemp, v10.TeacherTemp)
	}
}
