package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/internal/progress"
	"github.com/gocx/gocx/nn/state"
)

// Result is everything a demo run measured.
type Result struct {
	Device      string            `json:"device"`
	Config      Config            `json:"-"`
	Pretrain    PretrainSummary   `json:"pretrain"`
	Pretrained  *eval.ProbeResult `json:"probe_pretrained"`
	Random      *eval.ProbeResult `json:"probe_random_init"`
	Seg         *eval.SegResult   `json:"segmentation"`
	Comparison  Comparison        `json:"comparison"`
	Files       []string          `json:"files"`
	Elapsed     float64           `json:"elapsed_seconds"`
	probeScores map[string][][]float64
	probeTest   [][]float64
}

// PretrainSummary is the pretraining run.
type PretrainSummary struct {
	Steps        int                `json:"steps"`
	Seconds      float64            `json:"seconds"`
	ImagesPerSec float64            `json:"images_per_second"`
	First, Last  pretrain.Losses    `json:"-"`
	Curve        []pretrain.Metrics `json:"-"`
	Checkpoint   string             `json:"checkpoint"`
	Warnings     []string           `json:"warnings,omitempty"`
}

// Comparison is the headline: does pretraining beat random initialisation
// on mean AUROC by more than the confidence interval's width?
type Comparison struct {
	PretrainedMacroAUROC eval.Interval `json:"pretrained_macro_auroc"`
	RandomMacroAUROC     eval.Interval `json:"random_init_macro_auroc"`
	Margin               float64       `json:"margin"`
	CIWidth              float64       `json:"ci_width"` // the wider of the two 95% intervals
	Beats                bool          `json:"pretrained_beats_random_by_more_than_ci_width"`
}

func (c Config) log(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

// Run performs the whole demo and writes its report into cfg.Out.
func Run(cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Device: cfg.Device.String(), Config: cfg}

	tr, random, err := pretrainPhantoms(cfg, res)
	if err != nil {
		return nil, err
	}
	teacher := tr.Teacher.Backbone

	cfg.log("linear probe on %d labelled phantoms (pretrained teacher vs random initialisation)", cfg.ProbeImages)
	splits, err := eval.OpenClassification(fmt.Sprintf("phantom:%d", cfg.ProbeImages),
		eval.SplitOptions{Size: cfg.ImageSize, Seed: cfg.Seed + 2000})
	if err != nil {
		return nil, err
	}
	res.probeScores = map[string][][]float64{}
	for _, m := range []struct {
		name string
		vit  *cxformer.ViT
		dst  **eval.ProbeResult
	}{{"pretrained", teacher, &res.Pretrained}, {"random", random, &res.Random}} {
		r, scores, err := probe(cfg, m.vit, splits, m.name)
		if err != nil {
			return nil, fmt.Errorf("demo: probe of the %s backbone: %w", m.name, err)
		}
		*m.dst = r
		res.probeScores[m.name] = scores
	}
	res.probeTest = splits.Test.Labels
	res.Comparison = compare(res.Pretrained, res.Random)

	cfg.log("segmentation head on %d phantoms with lung and heart masks", cfg.SegImages)
	segSplits, err := eval.OpenSegmentation(fmt.Sprintf("phantom:%d", cfg.SegImages),
		eval.SplitOptions{Size: cfg.ImageSize, Seed: cfg.Seed + 3000})
	if err != nil {
		return nil, err
	}
	res.Seg, err = eval.TrainSegHead(teacher, cfg.Device, segSplits.Train, segSplits.Val, segSplits.Test,
		// lr 0.05 rather than the spec's 5e-3: with a few hundred images there
		// are a few hundred steps, and 5e-3 leaves the head far from
		// converged (measured on random features: lung Dice 0.40 vs 0.54).
		eval.SegConfig{Epochs: cfg.SegEpochs, BatchSize: 16, LR: 0.05, Seed: cfg.Seed, Bootstrap: cfg.Bootstrap, Progress: cfg.Progress})
	if err != nil {
		return nil, fmt.Errorf("demo: segmentation: %w", err)
	}

	cfg.log("writing the report")
	if err := writePlots(cfg, res, teacher, segSplits); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start).Seconds()
	if err := writeReport(cfg, res); err != nil {
		return nil, err
	}
	return res, nil
}

// pretrainPhantoms runs the tiny SSL pretraining on unlabelled phantoms
// and returns the trainer and a copy of the backbone at initialisation.
func pretrainPhantoms(cfg Config, res *Result) (*pretrain.Trainer, *cxformer.ViT, error) {
	pc := pretrain.Tiny()
	pc.Seed = cfg.Seed
	pc.BatchSize = cfg.Batch
	pc.SSL.NLocal = cfg.LocalCrops
	pc.GlobalCropSize = cfg.ImageSize
	pc.LocalCropSize = max(14, cfg.ImageSize/28*14)
	pc.SSL.Backbone.ImgSize = cfg.ImageSize
	// Ten "epochs" over the run so that every schedule (lr warm-up, teacher
	// temperature warm-up, last-layer freeze) has its shape.
	pc.EpochLength = max(1, cfg.PretrainSteps/10)
	pc.Epochs = (cfg.PretrainSteps + pc.EpochLength - 1) / pc.EpochLength
	pc.WarmupEpochs, pc.WarmupTeacherTempEpochs, pc.FreezeLastLayerEpochs = 1, 3, 1
	// A short run on near-identical phantoms drifts to the uniform-teacher
	// fixed point at DINOv2's temperatures and momentum; a sharper teacher
	// that follows the student faster keeps the targets informative
	// longer (measured: teacher entropy 0.80 vs 0.93 of ln K after 20
	// steps, iBOT loss 1.8 vs 3.1 after 40). Warming the temperature up to
	// 0.04 brought the collapse back after ~70 steps, so it stays at 0.02.
	// The drift is only delayed: the quick run ends at 0.97·ln K and the
	// full one at 0.99. None of these moved that end (quick run, one
	// change each): lr 3e-4 or 1e-4 (0.89, 0.79, and smaller probe
	// margins), no KoLeo, last layer frozen 3 epochs, teacher temperature
	// 0.04 or 0.01, student 0.05, momentum 0.996→1, 256 prototypes,
	// larger local crops, no local crops, Sinkhorn-Knopp (≥ 0.91 from the
	// start), center momentum 0.99 (one-hot for 200 steps, then uniform).
	// The report says so when it happens (entropyNote).
	pc.WarmupTeacherTemp, pc.TeacherTemp = 0.02, 0.02
	pc.MomentumTeacher, pc.FinalMomentumTeacher = 0.99, 0.999
	mcc := data.CXformerMultiCrop()
	mcc.GlobalSize, mcc.LocalSize, mcc.NumLocal = pc.GlobalCropSize, pc.LocalCropSize, pc.SSL.NLocal
	mcc.BlurKernel = min(mcc.BlurKernel, 2*(pc.LocalCropSize/2)-1)
	mc, err := data.NewMultiCrop(mcc)
	if err != nil {
		return nil, nil, err
	}
	// The next step's crops are cut while this step trains.
	src := pretrain.NewPrefetch(&PhantomSource{Pool: cfg.PretrainPool, Size: cfg.ImageSize + cfg.ImageSize/7,
		Batch: cfg.Batch, Seed: cfg.Seed + 1000, MultiCrop: mc})
	defer src.Close()
	tr, err := pretrain.NewTrainer(pc, cfg.Device, src)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Progress != nil {
		tr.Log = cfg.Progress
	}
	random, err := cxformer.NewViT(pc.SSL.Backbone, cfg.Device, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := random.LoadState(tr.Student.Backbone.State()); err != nil {
		return nil, nil, err
	}

	cfg.log("pretraining a %d-block, %d-wide CXformer (%d registers) for %d steps of %d images (2×%d px global + %d×%d px local crops) on %s",
		pc.SSL.Backbone.Depth, pc.SSL.Backbone.EmbedDim, pc.SSL.Backbone.Registers, cfg.PretrainSteps, cfg.Batch,
		pc.GlobalCropSize, pc.SSL.NLocal, pc.LocalCropSize, cfg.Device)
	bar := progress.New(cfg.Progress, cfg.PretrainSteps, "pretrain", progress.Options{Width: 20})
	t0 := time.Now()
	sum := &res.Pretrain
	for s := 0; s < cfg.PretrainSteps; s++ {
		m, err := tr.Step()
		var nf *pretrain.NonFiniteError
		if err != nil {
			bar.Abandon()
		}
		if errors.As(err, &nf) {
			return nil, nil, fmt.Errorf("demo: pretraining stopped at step %d: %w", s, err)
		}
		if err != nil {
			return nil, nil, err
		}
		sum.Curve = append(sum.Curve, m)
		if m.Collapse != "" && (len(sum.Warnings) == 0 || sum.Warnings[len(sum.Warnings)-1] != m.Collapse) {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("step %d: teacher collapse signature %q", s, m.Collapse))
		}
		bar.Describe(fmt.Sprintf("pretrain loss %.3f (dino %.3f/%.3f ibot %.3f koleo %.3f) H/lnK %.2f",
			m.Total, m.DINOLocal, m.DINOGlobal, m.IBOT, m.KoLeo, m.EntropyRatio))
		bar.Add(1)
	}
	bar.Finish()
	sum.Steps = cfg.PretrainSteps
	sum.Seconds = time.Since(t0).Seconds()
	sum.ImagesPerSec = float64(cfg.PretrainSteps*cfg.Batch) / sum.Seconds
	sum.First, sum.Last = sum.Curve[0].Losses, sum.Curve[len(sum.Curve)-1].Losses
	ck, err := tr.SaveCheckpoint(filepath.Join(cfg.Out, "pretrain"))
	if err != nil {
		return nil, nil, err
	}
	sum.Checkpoint = ck
	if err := tr.SaveTeacherBackbone(filepath.Join(cfg.Out, "teacher_backbone.safetensors")); err != nil {
		return nil, nil, err
	}
	return tr, random, nil
}

// probe extracts features with vit and runs the linear probe; it also
// returns the best classifier's test scores (N×C).
func probe(cfg Config, vit *cxformer.ViT, s *eval.ClassSplits, name string) (*eval.ProbeResult, [][]float64, error) {
	feats := func(set eval.ClassSet, what string) (eval.Labeled, error) {
		x, err := eval.Features(vit, cfg.Device, set.Images, eval.FeatureOptions{Progress: cfg.Progress, Desc: name + " " + what})
		return eval.Labeled{X: x, Y: set.Labels}, err
	}
	train, err := feats(s.Train, "train")
	if err != nil {
		return nil, nil, err
	}
	val, err := feats(s.Val, "val")
	if err != nil {
		return nil, nil, err
	}
	test, err := feats(s.Test, "test")
	if err != nil {
		return nil, nil, err
	}
	r, err := eval.LinearProbe(cfg.Device, train, val, test, eval.ProbeConfig{Epochs: cfg.ProbeEpochs, BatchSize: 64,
		Seed: cfg.Seed, Bootstrap: cfg.Bootstrap, ClassNames: s.ClassNames})
	if err != nil {
		return nil, nil, err
	}
	c := len(r.B)
	scores := make([][]float64, test.X.Rows)
	for i := range scores {
		row := test.X.Row(i)
		scores[i] = make([]float64, c)
		for k := 0; k < c; k++ {
			v := float64(r.B[k])
			w := r.W[k*test.X.Cols : (k+1)*test.X.Cols]
			for j, x := range row {
				v += float64(w[j]) * float64(x)
			}
			scores[i][k] = v
		}
	}
	return r, scores, nil
}

func compare(pre, rnd *eval.ProbeResult) Comparison {
	c := Comparison{}
	if pre.Test == nil || rnd.Test == nil {
		return c
	}
	c.PretrainedMacroAUROC, c.RandomMacroAUROC = pre.Test.MacroAUROC, rnd.Test.MacroAUROC
	c.Margin = c.PretrainedMacroAUROC.Value - c.RandomMacroAUROC.Value
	c.CIWidth = max(c.PretrainedMacroAUROC.Hi-c.PretrainedMacroAUROC.Lo, c.RandomMacroAUROC.Hi-c.RandomMacroAUROC.Lo)
	c.Beats = c.Margin > c.CIWidth
	return c
}

// writeJSON writes v as indented JSON atomically.
func writeJSON(path string, b []byte) error {
	return state.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
