package pretrain

import (
	"fmt"

	"github.com/gocx/gocx/cxformer"
)

// configJSON is Config's file format: DINOv2's config sections and key
// names wherever DINOv2 has the setting.
type configJSON struct {
	Student studentJSON `json:"student"`
	DINO    dinoJSON    `json:"dino"`
	IBOT    ibotJSON    `json:"ibot"`
	Teacher teacherJSON `json:"teacher"`
	Optim   optimJSON   `json:"optim"`
	Crops   cropsJSON   `json:"crops"`
	Train   trainJSON   `json:"train"`
}

type studentJSON struct {
	EmbedDim          int     `json:"embed_dim"`
	Depth             int     `json:"depth"`
	NumHeads          int     `json:"num_heads"`
	PatchSize         int     `json:"patch_size"`
	ImgSize           int     `json:"img_size"`
	MLPRatio          float64 `json:"mlp_ratio"`
	NumRegisterTokens int     `json:"num_register_tokens"`
	LayerNormEps      float64 `json:"layernorm_eps"`
	LayerScale        float64 `json:"layerscale"`
	Interpolation     string  `json:"interpolation"` // "T", "E" or "size"
	InterpolateOffset float64 `json:"interpolate_offset"`
	DropPathRate      float64 `json:"drop_path_rate"`
	DropPathUniform   bool    `json:"drop_path_uniform"`
}

type headJSON struct {
	LossWeight      float64 `json:"loss_weight"`
	HeadNPrototypes int     `json:"head_n_prototypes"`
	HeadBottleneck  int     `json:"head_bottleneck_dim"`
	HeadHidden      int     `json:"head_hidden_dim"`
	HeadNLayers     int     `json:"head_nlayers"`
}

type dinoJSON struct {
	headJSON
	KoLeoLossWeight float64 `json:"koleo_loss_weight"`
	KoLeoChunk      int     `json:"koleo_chunk"`
}

type ibotJSON struct {
	headJSON
	SeparateHead          bool       `json:"separate_head"`
	MaskSampleProbability float64    `json:"mask_sample_probability"`
	MaskRatioMinMax       [2]float64 `json:"mask_ratio_min_max"`
}

type teacherJSON struct {
	MomentumTeacher         float64 `json:"momentum_teacher"`
	FinalMomentumTeacher    float64 `json:"final_momentum_teacher"`
	TeacherTemp             float64 `json:"teacher_temp"`
	WarmupTeacherTemp       float64 `json:"warmup_teacher_temp"`
	WarmupTeacherTempEpochs int     `json:"warmup_teacher_temp_epochs"`
}

type optimJSON struct {
	Epochs                int     `json:"epochs"`
	BaseLR                float64 `json:"base_lr"`
	MinLR                 float64 `json:"min_lr"`
	WarmupEpochs          int     `json:"warmup_epochs"`
	WeightDecay           float64 `json:"weight_decay"`
	WeightDecayEnd        float64 `json:"weight_decay_end"`
	ClipGrad              float64 `json:"clip_grad"`
	LayerwiseDecay        float64 `json:"layerwise_decay"`
	PatchEmbedLRMult      float64 `json:"patch_embed_lr_mult"`
	FreezeLastLayerEpochs int     `json:"freeze_last_layer_epochs"`
	FreezeBackboneIters   int     `json:"freeze_backbone_iters"`
}

type cropsJSON struct {
	GlobalCropsNumber int `json:"global_crops_number"`
	LocalCropsNumber  int `json:"local_crops_number"`
	GlobalCropsSize   int `json:"global_crops_size"`
	LocalCropsSize    int `json:"local_crops_size"`
}

type trainJSON struct {
	BatchSize          int     `json:"batch_size"`
	EpochLength        int     `json:"epoch_length"` // OFFICIAL_EPOCH_LENGTH
	Centering          string  `json:"centering"`    // "centering" or "sinkhorn_knopp"
	CenterMomentum     float64 `json:"center_momentum"`
	SinkhornIterations int     `json:"sinkhorn_iterations"`
	StudentTemp        float64 `json:"student_temp"`
	CheckpointEvery    int     `json:"checkpoint_every"`
	Seed               uint64  `json:"seed"`
	DatasetPath        string  `json:"dataset_path"`
}

func interpName(m cxformer.InterpMode) string {
	switch m {
	case cxformer.ModeE:
		return "E"
	case cxformer.ModeSize:
		return "size"
	}
	return "T"
}

func parseInterp(s string) (cxformer.InterpMode, error) {
	switch s {
	case "T", "t":
		return cxformer.ModeT, nil
	case "E", "e":
		return cxformer.ModeE, nil
	case "size":
		return cxformer.ModeSize, nil
	}
	return 0, fmt.Errorf("pretrain config: student.interpolation %q: want T, E or size", s)
}

func headToJSON(h cxformer.HeadConfig, weight float64) headJSON {
	return headJSON{LossWeight: weight, HeadNPrototypes: h.Prototypes, HeadBottleneck: h.Bottleneck,
		HeadHidden: h.Hidden, HeadNLayers: h.Layers}
}

func headFromJSON(h headJSON, in int) cxformer.HeadConfig {
	return cxformer.HeadConfig{In: in, Hidden: h.HeadHidden, Bottleneck: h.HeadBottleneck,
		Prototypes: h.HeadNPrototypes, Layers: h.HeadNLayers}
}

func toJSON(c Config) configJSON {
	s, b := c.SSL, c.SSL.Backbone
	return configJSON{
		Student: studentJSON{EmbedDim: b.EmbedDim, Depth: b.Depth, NumHeads: b.Heads, PatchSize: b.PatchSize,
			ImgSize: b.ImgSize, MLPRatio: b.MLPRatio, NumRegisterTokens: b.Registers, LayerNormEps: b.LayerNormEps,
			LayerScale: b.LayerScaleInit, Interpolation: interpName(b.Interp), InterpolateOffset: b.InterpOffset,
			DropPathRate: b.DropPath, DropPathUniform: b.DropPathUniform},
		DINO: dinoJSON{headJSON: headToJSON(s.DINOHead, s.DINOWeight), KoLeoLossWeight: s.KoLeoWeight, KoLeoChunk: s.KoLeoChunk},
		IBOT: ibotJSON{headJSON: headToJSON(s.IBOTHead, s.IBOTWeight), SeparateHead: s.SeparateIBOTHead,
			MaskSampleProbability: c.MaskProbability, MaskRatioMinMax: [2]float64{c.MaskRatioMin, c.MaskRatioMax}},
		Teacher: teacherJSON{MomentumTeacher: c.MomentumTeacher, FinalMomentumTeacher: c.FinalMomentumTeacher,
			TeacherTemp: c.TeacherTemp, WarmupTeacherTemp: c.WarmupTeacherTemp, WarmupTeacherTempEpochs: c.WarmupTeacherTempEpochs},
		Optim: optimJSON{Epochs: c.Epochs, BaseLR: c.BaseLR, MinLR: c.MinLR, WarmupEpochs: c.WarmupEpochs,
			WeightDecay: c.WeightDecay, WeightDecayEnd: c.WeightDecayEnd, ClipGrad: c.ClipGrad,
			LayerwiseDecay: c.LayerwiseDecay, PatchEmbedLRMult: c.PatchEmbedLRMult,
			FreezeLastLayerEpochs: c.FreezeLastLayerEpochs, FreezeBackboneIters: c.FreezeBackboneIters},
		Crops: cropsJSON{GlobalCropsNumber: s.NGlobal, LocalCropsNumber: s.NLocal,
			GlobalCropsSize: c.GlobalCropSize, LocalCropsSize: c.LocalCropSize},
		Train: trainJSON{BatchSize: c.BatchSize, EpochLength: c.EpochLength, Centering: s.Centering.String(),
			CenterMomentum: s.CenterMomentum, SinkhornIterations: s.SKIterations, StudentTemp: s.StudentTemp,
			CheckpointEvery: c.CheckpointEvery, Seed: c.Seed, DatasetPath: c.DatasetPath},
	}
}

func fromJSON(j configJSON) (Config, error) {
	interp, err := parseInterp(j.Student.Interpolation)
	if err != nil {
		return Config{}, err
	}
	centering, err := cxformer.ParseCentering(j.Train.Centering)
	if err != nil {
		return Config{}, fmt.Errorf("pretrain config: train.centering: %w", err)
	}
	d := j.Student.EmbedDim
	return Config{
		SSL: cxformer.SSLConfig{
			Backbone: cxformer.Config{EmbedDim: d, Depth: j.Student.Depth, Heads: j.Student.NumHeads,
				PatchSize: j.Student.PatchSize, ImgSize: j.Student.ImgSize, MLPRatio: j.Student.MLPRatio,
				Registers: j.Student.NumRegisterTokens, LayerNormEps: j.Student.LayerNormEps,
				LayerScaleInit: j.Student.LayerScale, Interp: interp, InterpOffset: j.Student.InterpolateOffset,
				DropPath: j.Student.DropPathRate, DropPathUniform: j.Student.DropPathUniform},
			DINOHead:         headFromJSON(j.DINO.headJSON, d),
			IBOTHead:         headFromJSON(j.IBOT.headJSON, d),
			SeparateIBOTHead: j.IBOT.SeparateHead,
			StudentTemp:      j.Train.StudentTemp,
			Centering:        centering,
			CenterMomentum:   j.Train.CenterMomentum,
			SKIterations:     j.Train.SinkhornIterations,
			DINOWeight:       j.DINO.LossWeight,
			IBOTWeight:       j.IBOT.LossWeight,
			KoLeoWeight:      j.DINO.KoLeoLossWeight,
			NGlobal:          j.Crops.GlobalCropsNumber,
			NLocal:           j.Crops.LocalCropsNumber,
			KoLeoChunk:       j.DINO.KoLeoChunk,
		},
		BatchSize: j.Train.BatchSize, Epochs: j.Optim.Epochs, EpochLength: j.Train.EpochLength,
		BaseLR: j.Optim.BaseLR, MinLR: j.Optim.MinLR, WarmupEpochs: j.Optim.WarmupEpochs,
		WeightDecay: j.Optim.WeightDecay, WeightDecayEnd: j.Optim.WeightDecayEnd,
		MomentumTeacher: j.Teacher.MomentumTeacher, FinalMomentumTeacher: j.Teacher.FinalMomentumTeacher,
		TeacherTemp: j.Teacher.TeacherTemp, WarmupTeacherTemp: j.Teacher.WarmupTeacherTemp,
		WarmupTeacherTempEpochs: j.Teacher.WarmupTeacherTempEpochs,
		FreezeLastLayerEpochs:   j.Optim.FreezeLastLayerEpochs, ClipGrad: j.Optim.ClipGrad,
		LayerwiseDecay: j.Optim.LayerwiseDecay, PatchEmbedLRMult: j.Optim.PatchEmbedLRMult,
		FreezeBackboneIters: j.Optim.FreezeBackboneIters,
		GlobalCropSize:      j.Crops.GlobalCropsSize, LocalCropSize: j.Crops.LocalCropsSize,
		MaskProbability: j.IBOT.MaskSampleProbability,
		MaskRatioMin:    j.IBOT.MaskRatioMinMax[0], MaskRatioMax: j.IBOT.MaskRatioMinMax[1],
		CheckpointEvery: j.Train.CheckpointEvery, Seed: j.Train.Seed,
		DatasetPath: j.Train.DatasetPath,
	}, nil
}
