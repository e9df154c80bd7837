package pretrain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/nn/state"
)

// Config is one pretraining run: the SSL objective (architecture, heads,
// centering, loss weights) and DINOv2's optimisation settings (spec §7-§8).
// An "epoch" is EpochLength iterations (OFFICIAL_EPOCH_LENGTH), not a pass
// over a data set; every schedule is defined per iteration over
// Epochs·EpochLength iterations.
type Config struct {
	SSL cxformer.SSLConfig

	BatchSize   int // images per step (the global batch of the reference)
	Epochs      int
	EpochLength int // iterations per epoch

	BaseLR, MinLR float64 // lr = BaseLR (no batch-size scaling, as CXformer), cosine to MinLR
	WarmupEpochs  int     // linear lr warm-up from 0

	WeightDecay, WeightDecayEnd           float64 // cosine over the whole run
	MomentumTeacher, FinalMomentumTeacher float64 // cosine over the whole run
	TeacherTemp, WarmupTeacherTemp        float64 // linear WarmupTeacherTemp → TeacherTemp …
	WarmupTeacherTempEpochs               int     // … over this many epochs, then constant

	FreezeLastLayerEpochs int     // prototype layers get lr 0 (their Adam moments still advance)
	ClipGrad              float64 // per-module gradient-norm clip (3.0); 0 disables clipping
	LayerwiseDecay        float64 // ρ of the layer-wise lr decay (1.0 = none)
	PatchEmbedLRMult      float64 // 0.2
	// FreezeBackboneIters trains only the heads for this many iterations
	// (the paper's "backbone frozen for the first epoch", spec §8): the
	// backbone gets no gradient, no optimiser step and no EMA.
	FreezeBackboneIters int

	GlobalCropSize, LocalCropSize int // pixels; multiples of the patch size
	MaskProbability               float64
	MaskRatioMin, MaskRatioMax    float64

	CheckpointEvery int    // steps between checkpoints (0: only at the end)
	Seed            uint64 // model init, crops and masks

	// DatasetPath names the training images, as DINOv2's train.dataset_path
	// does: a data spec of cxformer pretrain --data (eval.ImageSpecHelp),
	// or empty for the synthetic RandomCrops. The trainer does not read it;
	// it is kept with the config so that a resumed run finds its data.
	DatasetPath string
}

// TotalIters is the length of every schedule, Epochs·EpochLength.
func (c Config) TotalIters() int { return c.Epochs * c.EpochLength }

// Validate names the first inconsistent field (JSON names as written by
// WriteConfig).
func (c Config) Validate() error {
	bad := func(field string, format string, args ...any) error {
		return fmt.Errorf("pretrain config: %s: %s", field, fmt.Sprintf(format, args...))
	}
	s := c.SSL
	p := s.Backbone.PatchSize
	switch {
	case s.DINOHead.Prototypes <= 0:
		return bad("dino.head_n_prototypes", "%d must be positive", s.DINOHead.Prototypes)
	case s.SeparateIBOTHead && s.IBOTHead.Prototypes <= 0:
		return bad("ibot.head_n_prototypes", "%d must be positive", s.IBOTHead.Prototypes)
	case p <= 0:
		return bad("student.patch_size", "%d must be positive", p)
	case c.GlobalCropSize <= 0 || c.GlobalCropSize%p != 0:
		return bad("crops.global_crops_size", "%d is not a positive multiple of the patch size %d", c.GlobalCropSize, p)
	case s.NLocal > 0 && (c.LocalCropSize <= 0 || c.LocalCropSize%p != 0):
		return bad("crops.local_crops_size", "%d is not a positive multiple of the patch size %d", c.LocalCropSize, p)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("pretrain config: %w", err)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.BatchSize < 1:
		return bad("train.batch_size", "%d must be at least 1", c.BatchSize)
	case s.KoLeoWeight > 0 && c.BatchSize < 2:
		return bad("train.batch_size", "%d: KoLeo needs at least 2 images per step (nearest neighbours)", c.BatchSize)
	case s.KoLeoWeight > 0 && s.KoLeoChunk > 0 && c.BatchSize%s.KoLeoChunk == 1:
		return bad("train.batch_size", "%d leaves a KoLeo chunk (of dino.koleo_chunk=%d images) with a single image, which has no neighbour",
			c.BatchSize, s.KoLeoChunk)
	case c.Epochs < 1:
		return bad("optim.epochs", "%d must be at least 1", c.Epochs)
	case c.EpochLength < 1:
		return bad("train.epoch_length", "%d must be at least 1", c.EpochLength)
	case !(c.BaseLR >= 0) || !finite(c.BaseLR):
		return bad("optim.base_lr", "%g must be finite and ≥ 0", c.BaseLR)
	case !(c.MinLR >= 0) || !finite(c.MinLR):
		return bad("optim.min_lr", "%g must be finite and ≥ 0", c.MinLR)
	case c.WarmupEpochs < 0 || c.WarmupEpochs > c.Epochs:
		return bad("optim.warmup_epochs", "%d must lie in [0, epochs=%d]", c.WarmupEpochs, c.Epochs)
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return bad("optim.weight_decay", "%g must be finite and ≥ 0", c.WeightDecay)
	case !(c.WeightDecayEnd >= 0) || !finite(c.WeightDecayEnd):
		return bad("optim.weight_decay_end", "%g must be finite and ≥ 0", c.WeightDecayEnd)
	case !(c.MomentumTeacher >= 0 && c.MomentumTeacher <= 1):
		return bad("teacher.momentum_teacher", "%g must lie in [0, 1]", c.MomentumTeacher)
	case !(c.FinalMomentumTeacher >= 0 && c.FinalMomentumTeacher <= 1):
		return bad("teacher.final_momentum_teacher", "%g must lie in [0, 1]", c.FinalMomentumTeacher)
	case !(c.TeacherTemp > 0) || !finite(c.TeacherTemp):
		return bad("teacher.teacher_temp", "%g must be positive", c.TeacherTemp)
	case !(c.WarmupTeacherTemp > 0) || !finite(c.WarmupTeacherTemp):
		return bad("teacher.warmup_teacher_temp", "%g must be positive", c.WarmupTeacherTemp)
	case c.WarmupTeacherTempEpochs < 0 || c.WarmupTeacherTempEpochs > c.Epochs:
		return bad("teacher.warmup_teacher_temp_epochs", "%d must lie in [0, epochs=%d]", c.WarmupTeacherTempEpochs, c.Epochs)
	case c.FreezeLastLayerEpochs < 0:
		return bad("optim.freeze_last_layer_epochs", "%d must be ≥ 0", c.FreezeLastLayerEpochs)
	case !(c.ClipGrad >= 0) || !finite(c.ClipGrad):
		return bad("optim.clip_grad", "%g must be finite and ≥ 0", c.ClipGrad)
	case !(c.LayerwiseDecay > 0 && c.LayerwiseDecay <= 1):
		return bad("optim.layerwise_decay", "%g must lie in (0, 1]", c.LayerwiseDecay)
	case !(c.PatchEmbedLRMult >= 0) || !finite(c.PatchEmbedLRMult):
		return bad("optim.patch_embed_lr_mult", "%g must be finite and ≥ 0", c.PatchEmbedLRMult)
	case c.FreezeBackboneIters < 0:
		return bad("optim.freeze_backbone_iters", "%d must be ≥ 0", c.FreezeBackboneIters)
	case !(c.MaskProbability >= 0 && c.MaskProbability <= 1):
		return bad("ibot.mask_sample_probability", "%g must lie in [0, 1]", c.MaskProbability)
	case !(c.MaskRatioMin >= 0 && c.MaskRatioMin <= c.MaskRatioMax && c.MaskRatioMax <= 1):
		return bad("ibot.mask_ratio_min_max", "(%g, %g) must satisfy 0 ≤ min ≤ max ≤ 1", c.MaskRatioMin, c.MaskRatioMax)
	case c.CheckpointEvery < 0:
		return bad("train.checkpoint_every", "%d must be ≥ 0", c.CheckpointEvery)
	}
	return nil
}

// cxformerBase is the CXformer recipe of spec §8 around a backbone.
func cxformerBase(backbone cxformer.Config, batch, ckptEvery int) Config {
	d := backbone.EmbedDim
	return Config{
		SSL: cxformer.SSLConfig{
			Backbone:         backbone,
			DINOHead:         cxformer.HeadConfig{In: d, Hidden: 2048, Bottleneck: 384, Prototypes: 16384, Layers: 3},
			IBOTHead:         cxformer.HeadConfig{In: d, Hidden: 2048, Bottleneck: 256, Prototypes: 16384, Layers: 3},
			SeparateIBOTHead: true,
			StudentTemp:      0.1,
			Centering:        cxformer.SoftmaxCentering,
			CenterMomentum:   0.9,
			SKIterations:     3,
			DINOWeight:       1,
			IBOTWeight:       1,
			KoLeoWeight:      0.1,
			NGlobal:          2,
			NLocal:           8,
			KoLeoChunk:       64,
		},
		BatchSize:   batch,
		Epochs:      100,
		EpochLength: 611,

		BaseLR: 3e-4, MinLR: 1e-6, WarmupEpochs: 10,
		WeightDecay: 0, WeightDecayEnd: 0,
		MomentumTeacher: 0.999, FinalMomentumTeacher: 0.999,
		TeacherTemp: 0.07, WarmupTeacherTemp: 0.04, WarmupTeacherTempEpochs: 30,

		FreezeLastLayerEpochs: 1,
		ClipGrad:              3.0,
		LayerwiseDecay:        1.0,
		PatchEmbedLRMult:      0.2,

		GlobalCropSize: 518, LocalCropSize: 98,
		MaskProbability: 0.5, MaskRatioMin: 0.1, MaskRatioMax: 0.5,

		CheckpointEvery: ckptEvery,
	}
}

// CXformerS is the CXformer(S) recipe (spec §8): ViT-S/14 with 4 registers
// at 518 px, DINO head 384→2048→2048→384→16384 and a separate iBOT head with
// bottleneck 256, softmax centering, lr 3e-4 without batch scaling (10
// warm-up epochs, cosine to 1e-6), weight decay 0, teacher momentum 0.999,
// teacher temperature 0.04→0.07 over 30 epochs, 100 epochs of 611
// iterations, global batch 1024, 2×518 px global and 8×98 px local crops,
// last layer frozen for 1 epoch, clipping 3.0 per module, layer-wise decay
// 1.0, patch-embed lr ×0.2. The backbone freeze is off
// (FreezeBackboneIters 0, the released code); set it to 611 for the
// paper's warm-up.
func CXformerS() Config { return cxformerBase(cxformer.ViTS14(), 1024, 2500) }

// CXformerB is CXformerS with the ViT-B/14 backbone.
func CXformerB() Config { return cxformerBase(cxformer.ViTB14(), 1024, 12000) }

// Tiny is a laptop preset with CXformer's recipe at toy size: a 4-block
// ViT of width 96 (3 heads, 4 registers, patch 14), heads 96→256→256→64→1024
// (iBOT separate, same shape), 112 px global and 56 px local crops (8×8 and
// 4×4 patches), 8 images per step, 20 epochs of 50 iterations with 2
// warm-up epochs, lr 1e-3, teacher momentum 0.996→1 and the teacher
// temperature warm-up over 6 epochs. It trains at several steps per second
// on two CPU cores.
//
// LayerScale starts at 1 (the value in the released models), not DINOv2's
// 1e-5 for training from scratch: with 1e-5 a toy backbone's outputs hardly
// depend on the image for the first hundreds of steps, centering then
// flattens the teacher's targets, and the run shows the uniform collapse
// signature.
func Tiny() Config {
	vit := cxformer.Config{EmbedDim: 96, Depth: 4, Heads: 3, PatchSize: 14, ImgSize: 112, MLPRatio: 4,
		Registers: 4, LayerNormEps: 1e-6, LayerScaleInit: 1, Interp: cxformer.ModeT, InterpOffset: 0.1}
	c := cxformerBase(vit, 8, 100)
	c.SSL.DINOHead = cxformer.HeadConfig{In: 96, Hidden: 256, Bottleneck: 64, Prototypes: 1024, Layers: 3}
	c.SSL.IBOTHead = c.SSL.DINOHead
	c.Epochs, c.EpochLength, c.WarmupEpochs = 20, 50, 2
	c.BaseLR = 1e-3
	c.MomentumTeacher, c.FinalMomentumTeacher = 0.996, 1.0
	c.WarmupTeacherTempEpochs = 6
	c.GlobalCropSize, c.LocalCropSize = 112, 56
	return c
}

// Preset returns the named preset: "tiny", "cxformer-s" or "cxformer-b".
func Preset(name string) (Config, error) {
	switch name {
	case "tiny":
		return Tiny(), nil
	case "cxformer-s":
		return CXformerS(), nil
	case "cxformer-b":
		return CXformerB(), nil
	}
	return Config{}, fmt.Errorf("pretrain: unknown preset %q (tiny, cxformer-s, cxformer-b)", name)
}

// MarshalJSON writes the config with DINOv2's section and key names.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(toJSON(c)) }

// UnmarshalJSON reads a config written by MarshalJSON. Keys it does not know
// are an error; keys that are absent keep the value c had, so a partial file
// overrides a preset.
func (c *Config) UnmarshalJSON(b []byte) error {
	doc := toJSON(*c)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("pretrain config: %w", err)
	}
	if dec.More() {
		return errors.New("pretrain config: data after the JSON object")
	}
	out, err := fromJSON(doc)
	if err != nil {
		return err
	}
	*c = out
	return nil
}

// ReadConfig reads a JSON config over base (absent keys keep base's values)
// and validates the result.
func ReadConfig(r io.Reader, base Config) (Config, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Config{}, err
	}
	c := base
	if err := c.UnmarshalJSON(b); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// ReadConfigFile is ReadConfig on a file; errors name the file.
func ReadConfigFile(path string, base Config) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	c, err := ReadConfig(f, base)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// WriteConfigFile writes c as indented JSON, atomically.
func WriteConfigFile(path string, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return state.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}
