package pretrain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// AuditConfig is the config of one audited SSL step, in the format of
// shared/golden/ssl/config.json: the model, the loss settings and a plain
// optimiser step (one AdamW group with weight decay on every parameter,
// per-module clipping, teacher EMA).
type AuditConfig struct {
	ViT struct {
		EmbedDim             int     `json:"embed_dim"`
		Depth                int     `json:"depth"`
		NumHeads             int     `json:"num_heads"`
		PatchSize            int     `json:"patch_size"`
		ImgSize              int     `json:"img_size"`
		MLPRatio             float64 `json:"mlp_ratio"`
		NumRegisterTokens    int     `json:"num_register_tokens"`
		LayerNormEps         float64 `json:"layernorm_eps"`
		InterpolateOffset    float64 `json:"interpolate_offset"`
		InterpolateAntialias bool    `json:"interpolate_antialias"`
		GELU                 string  `json:"gelu"`
		QKVBias              bool    `json:"qkv_bias"`
	} `json:"vit"`
	B                int     `json:"B"`
	NGlobal          int     `json:"n_global"`
	NLocal           int     `json:"n_local"`
	K                int     `json:"K"`
	KIBOT            int     `json:"K_ibot"`
	HeadHidden       int     `json:"head_hidden"`
	HeadBottleneck   int     `json:"head_bottleneck"`
	HeadLayers       int     `json:"head_layers"`
	TeacherTemp      float64 `json:"teacher_temp"`
	StudentTemp      float64 `json:"student_temp"`
	CenterMomentum   float64 `json:"center_momentum"`
	SKIterations     int     `json:"sk_iterations"`
	DINOLossWeight   float64 `json:"dino_loss_weight"`
	IBOTLossWeight   float64 `json:"ibot_loss_weight"`
	KoLeoLossWeight  float64 `json:"koleo_loss_weight"`
	SeparateIBOTHead bool    `json:"separate_ibot_head"`
	Opt              struct {
		LR                   float64    `json:"lr"`
		WeightDecay          float64    `json:"weight_decay"`
		Betas                [2]float64 `json:"betas"`
		Eps                  float64    `json:"eps"`
		ClipGrad             float64    `json:"clip_grad"`
		ClipPerModule        []string   `json:"clip_per_module"`
		TeacherMomentum      float64    `json:"teacher_momentum"`
		WeightDecayAppliesTo string     `json:"weight_decay_applies_to"`
	} `json:"opt"`
}

// ReadAuditConfig reads an audit config; unknown keys are an error.
func ReadAuditConfig(path string) (AuditConfig, error) {
	var c AuditConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := c.SSL(cxformer.SoftmaxCentering); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// SSL returns the objective the audit config describes, with centering c.
// Only DINOv2's choices are accepted (exact GELU, qkv bias, interpolation
// without antialias).
func (a AuditConfig) SSL(c cxformer.Centering) (cxformer.SSLConfig, error) {
	v := a.ViT
	switch {
	case v.GELU != "erf":
		return cxformer.SSLConfig{}, fmt.Errorf("audit config: vit.gelu %q: only the exact (erf) GELU is supported", v.GELU)
	case !v.QKVBias:
		return cxformer.SSLConfig{}, fmt.Errorf("audit config: vit.qkv_bias false is not supported")
	case v.InterpolateAntialias:
		return cxformer.SSLConfig{}, fmt.Errorf("audit config: vit.interpolate_antialias true is not supported (DINOv2 trains without)")
	case a.B < 1:
		return cxformer.SSLConfig{}, fmt.Errorf("audit config: B %d must be at least 1", a.B)
	}
	head := func(k int) cxformer.HeadConfig {
		return cxformer.HeadConfig{In: v.EmbedDim, Hidden: a.HeadHidden, Bottleneck: a.HeadBottleneck, Prototypes: k, Layers: a.HeadLayers}
	}
	cfg := cxformer.SSLConfig{
		Backbone: cxformer.Config{EmbedDim: v.EmbedDim, Depth: v.Depth, Heads: v.NumHeads, PatchSize: v.PatchSize,
			ImgSize: v.ImgSize, MLPRatio: v.MLPRatio, Registers: v.NumRegisterTokens, LayerNormEps: v.LayerNormEps,
			LayerScaleInit: 1, Interp: cxformer.ModeT, InterpOffset: v.InterpolateOffset},
		DINOHead: head(a.K), IBOTHead: head(a.KIBOT), SeparateIBOTHead: a.SeparateIBOTHead,
		StudentTemp: a.StudentTemp, Centering: c, CenterMomentum: a.CenterMomentum, SKIterations: a.SKIterations,
		DINOWeight: a.DINOLossWeight, IBOTWeight: a.IBOTLossWeight, KoLeoWeight: a.KoLeoLossWeight,
		NGlobal: a.NGlobal, NLocal: a.NLocal, KoLeoChunk: 64,
	}
	return cfg, cfg.Validate()
}

// ReadAuditBatch reads a batch in the format of shared/golden/ssl's
// io.safetensors (global_crops, local_crops, masks, mask_indices,
// masks_weight) onto dev.
func ReadAuditBatch(f *state.File, dev tensor.Device) (cxformer.Batch, error) {
	get := func(name string) (*state.Array, error) {
		a := f.Get(name)
		if a == nil {
			return nil, fmt.Errorf("audit batch: no %q (arrays: %v)", name, f.SortedNames())
		}
		return a, nil
	}
	var b cxformer.Batch
	toTensor := func(name string) (*tensor.Tensor, error) {
		a, err := get(name)
		if err != nil {
			return nil, err
		}
		if len(a.Shape) != 4 || a.Shape[1] != 3 {
			return nil, fmt.Errorf("audit batch: %s has shape %v, want (n, 3, S, S)", name, a.Shape)
		}
		data, err := a.AsFloat32()
		if err != nil {
			return nil, fmt.Errorf("audit batch: %s: %w", name, err)
		}
		return tensor.FromSlice(dev, data, a.Shape...)
	}
	var err error
	if b.Global, err = toTensor("global_crops"); err != nil {
		return b, err
	}
	if f.Has("local_crops") {
		if b.Local, err = toTensor("local_crops"); err != nil {
			return b, err
		}
	}
	ints := func(name string) ([]int32, error) {
		a, err := get(name)
		if err != nil {
			return nil, err
		}
		var v []int64
		if a.DType == state.U8 || a.DType == state.Bool {
			for _, x := range a.U8 {
				v = append(v, int64(x))
			}
		} else if v, err = a.AsInt64(); err != nil {
			return nil, fmt.Errorf("audit batch: %s: %w", name, err)
		}
		out := make([]int32, len(v))
		for i, x := range v {
			out[i] = int32(x)
		}
		return out, nil
	}
	if b.Masks, err = ints("masks"); err != nil {
		return b, err
	}
	if b.MaskIndices, err = ints("mask_indices"); err != nil {
		return b, err
	}
	w, err := get("masks_weight")
	if err != nil {
		return b, err
	}
	if b.MaskWeights, err = w.AsFloat32(); err != nil {
		return b, fmt.Errorf("audit batch: masks_weight: %w", err)
	}
	return b, nil
}

// AuditStep runs one SSL step on a given batch and writes every
// intermediate named as in shared/golden/ssl/io.safetensors:
//
//	<centering>.step1.{t_dino_logits, t_ibot_logits, tgt_dino (2,B,K), tgt_ibot,
//	                   s_global_logits, s_local_logits, s_patch_logits,
//	                   loss.{dino_local, dino_global, koleo, ibot, total},
//	                   grad.<module>.<param>}
//	opt.clip_total_norm.<module>        per-module norm before clipping
//	opt.student_after.<module>.<param>  after clipping and AdamW
//	opt.teacher_after.<module>.<param>  after the EMA
//
// The weights file holds student.* and teacher.* parameters; centers start
// at zero. The optimiser is a single AdamW group with the config's lr and
// weight decay on every parameter.
func AuditStep(cfg AuditConfig, centering cxformer.Centering, weights *state.File, batch cxformer.Batch, dev tensor.Device) (*state.File, error) {
	sc, err := cfg.SSL(centering)
	if err != nil {
		return nil, err
	}
	student, err := cxformer.NewSSLModel(sc, dev, 1)
	if err != nil {
		return nil, err
	}
	teacher, err := cxformer.NewSSLModel(sc, dev, 2)
	if err != nil {
		return nil, err
	}
	if err := student.LoadState(weights, "student."); err != nil {
		return nil, fmt.Errorf("audit weights: student: %w", err)
	}
	if err := teacher.LoadState(weights, "teacher."); err != nil {
		return nil, fmt.Errorf("audit weights: teacher: %w", err)
	}
	if err := checkClipModules(cfg, student); err != nil {
		return nil, err
	}
	centers := cxformer.NewCenters(sc, dev)
	tp := autograd.NewTape()
	defer tp.Release()
	out, err := cxformer.SSLForward(tp, sc, student, teacher, centers, batch, cfg.TeacherTemp)
	if err != nil {
		return nil, err
	}
	res := state.NewFile()
	pre := centering.String() + ".step1."
	add := func(name string, x *tensor.Tensor, shape ...int) {
		if x == nil {
			return
		}
		if shape == nil {
			shape = slices.Clone(x.Shape())
		}
		res.MustAdd(state.NewF32(name, shape, x.Data()))
	}
	b, k := cfg.B, sc.DINOHead.Prototypes
	add(pre+"t_dino_logits", out.TeacherDINOLogits)
	add(pre+"t_ibot_logits", out.TeacherIBOTLogits)
	add(pre+"tgt_dino", out.TargetsDINO, sc.NGlobal, b, k)
	add(pre+"tgt_ibot", out.TargetsIBOT)
	for name, v := range map[string]*autograd.Var{"s_global_logits": out.StudentGlobal, "s_local_logits": out.StudentLocal,
		"s_patch_logits": out.StudentPatch} {
		if v != nil {
			add(pre+name, v.Value)
		}
	}
	for name, v := range map[string]*autograd.Var{"dino_local": out.DINOLocal, "dino_global": out.DINOGlobal,
		"koleo": out.KoLeo, "ibot": out.IBOT, "total": out.Total} {
		if v != nil {
			add(pre+"loss."+name, v.Value, 1)
		}
	}
	if l := readLosses(out); len(nonFiniteTerms(l, out)) > 0 {
		return nil, fmt.Errorf("audit step: loss term %v is not finite (%s)", nonFiniteTerms(l, out), l.describe())
	}
	tp.Backward(out.Total)
	var groups []optim.ParamGroup
	for _, mod := range student.Modules() {
		for _, p := range mod.Params {
			if p.V.Grad != nil {
				add(pre+"grad."+mod.Name+"."+p.Name, p.V.Grad)
			}
		}
		groups = append(groups, optim.UniformGroups(mod.Params, mod.Name)...)
	}
	opt, err := optim.NewAdamW(groups, optim.AdamWConfig{Beta1: cfg.Opt.Betas[0], Beta2: cfg.Opt.Betas[1], Eps: cfg.Opt.Eps})
	if err != nil {
		return nil, err
	}
	v := Values{LR: cfg.Opt.LR, WD: cfg.Opt.WeightDecay, LastLayerLR: cfg.Opt.LR, Momentum: cfg.Opt.TeacherMomentum}
	packed, err := packModels(student, teacher, opt)
	if err != nil {
		return nil, fmt.Errorf("audit step: %w", err)
	}
	defer packed.release()
	norms, err := update(packed, opt, cfg.Opt.ClipGrad, v, false)
	if err != nil {
		return nil, fmt.Errorf("audit step: %w", err)
	}
	for _, mod := range student.Modules() {
		res.MustAdd(state.NewF64("opt.clip_total_norm."+mod.Name, []int{1}, []float64{norms[mod.Name]}))
	}
	for _, side := range []struct {
		m    *cxformer.SSLModel
		name string
	}{{student, "opt.student_after."}, {teacher, "opt.teacher_after."}} {
		for _, mod := range side.m.Modules() {
			for _, p := range mod.Params {
				add(side.name+mod.Name+"."+p.Name, p.V.Value)
			}
		}
	}
	res.Metadata["centering"] = centering.String()
	res.Metadata["teacher_temp"] = fmt.Sprint(cfg.TeacherTemp)
	return res, nil
}

// checkClipModules accepts a config whose clip_per_module lists exactly the
// model's modules (or nothing): the step always clips per module.
func checkClipModules(cfg AuditConfig, m *cxformer.SSLModel) error {
	if len(cfg.Opt.ClipPerModule) == 0 {
		return nil
	}
	var names []string
	for _, mod := range m.Modules() {
		names = append(names, mod.Name)
	}
	if !slices.Equal(names, cfg.Opt.ClipPerModule) {
		return fmt.Errorf("audit config: opt.clip_per_module %v: the step clips each of %v", cfg.Opt.ClipPerModule, names)
	}
	if math.IsNaN(cfg.Opt.ClipGrad) || cfg.Opt.ClipGrad < 0 {
		return fmt.Errorf("audit config: opt.clip_grad %g must be ≥ 0", cfg.Opt.ClipGrad)
	}
	return nil
}
