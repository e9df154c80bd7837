package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/internal/progress"
)

const pretrainUsage = `usage: cxformer pretrain [--preset tiny|cxformer-s|cxformer-b] [--config C.json] [--init PATH]
       [--centering softmax|sinkhorn] [--device cpu|gpu|auto] [--steps N] [--batch B] [--out DIR]
       [--data SPEC] [--resume | --resume-from FILE] [--checkpoint-every N] [--seed S] [--freeze-backbone-iters N] [--json]

Self-supervised DINOv2/CXformer pretraining (DINO + iBOT + KoLeo, EMA teacher). The preset gives the
recipe; --config overlays a JSON file (keys as in DIR/config.json, which every fresh run writes).
Checkpoints DIR/ckpt-<step>.safetensors are written atomically every --checkpoint-every steps, at the
end and on Ctrl-C, each with DIR/teacher-backbone.safetensors (the teacher backbone, DINOv2 names, for
--model of the other commands); --resume continues the latest checkpoint exactly, on the data recorded in it.

--data gives the training images: a folder (images:DIR), a CheXpert CSV, NIH, RSNA, VinDr, CheXmask or
phantom:N (see below); each step takes a batch in a per-epoch shuffled order, histogram-equalised and cut
into CXformer's multi-crop views (2 global, the config's local crops). An unreadable image is replaced by
the next one and reported once. Without --data the images are synthetic (smooth random blobs, DINOv2-style
random resized crops): a smoke test, nothing to learn from.

` + eval.ImageSpecHelp + `
`

// teacherBackboneName is the run directory's copy of the latest teacher
// backbone in DINOv2's native layout (what --model of the other commands
// reads).
const teacherBackboneName = "teacher-backbone.safetensors"

// pretrainStdout receives --json lines (a variable so that tests can read it).
var pretrainStdout io.Writer = os.Stdout

func runPretrain(args []string) error {
	fs := flag.NewFlagSet("pretrain", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), pretrainUsage); fs.PrintDefaults() }
	preset := fs.String("preset", "tiny", "recipe: tiny, cxformer-s or cxformer-b")
	configPath := fs.String("config", "", "JSON config overlaid on the preset")
	initPath := fs.String("init", "", "backbone to start from: Hugging Face directory, DINOv2 .pth/.safetensors or a gocx checkpoint")
	centering := fs.String("centering", "", "teacher centering: softmax or sinkhorn (default: the config's)")
	device := fs.String("device", "auto", "cpu, gpu or auto")
	steps := fs.Int("steps", 0, "train until this many steps are done (default: the schedule's epochs × epoch_length)")
	batch := fs.Int("batch", 0, "images per step (default: the config's)")
	out := fs.String("out", "runs/pretrain", "run directory (config, checkpoints)")
	resume := fs.Bool("resume", false, "continue from the latest checkpoint in --out")
	resumeFrom := fs.String("resume-from", "", "continue from this checkpoint file")
	every := fs.Int("checkpoint-every", -1, "steps between checkpoints (default: the config's; 0: only at the end)")
	seed := fs.Int64("seed", -1, "seed of initialisation, crops and masks (default: the config's)")
	freeze := fs.Int("freeze-backbone-iters", -1, "train only the heads for this many steps first (the paper's warm-up: 611; default: the config's)")
	jsonOut := fs.Bool("json", false, "print one JSON object per step on stdout instead of the progress bar")
	dataSpec := fs.String("data", "", "training images: a data spec (below); default: the config's train.dataset_path, else synthetic blobs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("pretrain: unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var cfg pretrain.Config
	var ckptPath string
	var err error
	if *resume || *resumeFrom != "" {
		for _, name := range []string{"preset", "config", "init", "centering", "batch", "seed", "freeze-backbone-iters"} {
			if set[name] {
				return fmt.Errorf("pretrain: --%s cannot be combined with --resume: the config comes from the checkpoint", name)
			}
		}
		ckptPath = *resumeFrom
		if ckptPath == "" {
			if ckptPath, err = pretrain.LatestCheckpoint(*out); err != nil {
				return err
			}
		}
		if _, cfg, err = pretrain.ReadCheckpoint(ckptPath); err != nil {
			return err
		}
	} else {
		if cfg, err = pretrain.Preset(*preset); err != nil {
			return err
		}
		if *configPath != "" {
			if cfg, err = pretrain.ReadConfigFile(*configPath, cfg); err != nil {
				return err
			}
		}
		if *centering != "" {
			if cfg.SSL.Centering, err = cxformer.ParseCentering(*centering); err != nil {
				return fmt.Errorf("pretrain: --centering: %w", err)
			}
		}
		if *batch != 0 {
			cfg.BatchSize = *batch
		}
		if *seed >= 0 {
			cfg.Seed = uint64(*seed)
		}
		if *freeze >= 0 {
			cfg.FreezeBackboneIters = *freeze
		}
		if set["data"] {
			cfg.DatasetPath = *dataSpec // else the config's train.dataset_path, if any
		}
	}
	if (*resume || *resumeFrom != "") && set["data"] && *dataSpec != cfg.DatasetPath {
		// The images moved, say: the user's call, but a resumed run is
		// exact only on the same images in the same order.
		fmt.Fprintf(os.Stderr, "note: resuming on --data %q; the checkpoint trained on %q\n", *dataSpec, cfg.DatasetPath)
		cfg.DatasetPath = *dataSpec
	}
	if *every >= 0 {
		cfg.CheckpointEvery = *every
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	total := *steps
	if total == 0 {
		total = cfg.TotalIters()
	}
	if total < 0 {
		return fmt.Errorf("pretrain: --steps %d must be ≥ 0", total)
	}

	source, dataName, err := pretrainSource(cfg) // before the device: a bad spec fails at once
	if err != nil {
		return err
	}
	dev, release, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer release()
	src := pretrain.NewPrefetch(source) // crops cut while the previous step trains
	defer src.Close()
	tr, err := pretrain.NewTrainer(cfg, dev, src)
	if err != nil {
		return err
	}
	tr.Log = os.Stderr
	if ckptPath != "" {
		if err := tr.Resume(ckptPath); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "resumed %s at step %d\n", ckptPath, tr.StepCount())
	} else {
		if *initPath != "" {
			notes, err := tr.Init(*initPath)
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(os.Stderr, "note:", n)
			}
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		if err := pretrain.WriteConfigFile(filepath.Join(*out, "config.json"), cfg); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "pretrain: %s, D=%d depth=%d registers=%d, K=%d, batch %d, centering %s, steps %d→%d, device %s, data: %s\n",
		*preset, cfg.SSL.Backbone.EmbedDim, cfg.SSL.Backbone.Depth, cfg.SSL.Backbone.Registers, cfg.SSL.DINOHead.Prototypes,
		cfg.BatchSize, cfg.SSL.Centering, tr.StepCount(), total, dev, dataName)
	return trainLoop(tr, *out, total, *jsonOut)
}

// pretrainSource returns the data source of cfg.DatasetPath and its
// description: synthetic RandomCrops when it is empty, else the images of
// the data spec through pretrain.Images (phantoms drawn at 8/7 of the
// global crop size, as the demo does).
func pretrainSource(cfg pretrain.Config) (pretrain.DataSource, string, error) {
	if cfg.DatasetPath == "" {
		return pretrain.NewRandomCrops(cfg), "synthetic random crops", nil
	}
	set, err := eval.OpenImages(cfg.DatasetPath, cfg.GlobalCropSize+cfg.GlobalCropSize/7, cfg.Seed+1000)
	if err != nil {
		return nil, "", fmt.Errorf("pretrain: --data: %w", err)
	}
	src, err := pretrain.NewImages(cfg, set.Source)
	if err != nil {
		return nil, "", err
	}
	src.Warn = os.Stderr
	return src, fmt.Sprintf("%s, %d images", set.Name, set.Source.Len()), nil
}

// trainLoop runs steps until total, checkpointing every CheckpointEvery
// steps, at the end and on an interrupt. A failing step writes nothing and
// names the last good checkpoint.
func trainLoop(tr *pretrain.Trainer, dir string, total int, jsonOut bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var bar *progress.Bar
	if !jsonOut {
		bar = progress.New(os.Stderr, total, "pretrain", progress.Options{Unit: "step", Width: 20, DescAtEnd: true})
		bar.Set(tr.StepCount())
	}
	enc := json.NewEncoder(pretrainStdout)
	last, lastSaved := "", -1
	save := func() error {
		if lastSaved == tr.StepCount() {
			return nil
		}
		p, err := tr.SaveCheckpoint(dir)
		if err != nil {
			return err
		}
		if err := tr.SaveTeacherBackbone(filepath.Join(dir, teacherBackboneName)); err != nil {
			return err
		}
		last, lastSaved = p, tr.StepCount()
		return nil
	}
	for tr.StepCount() < total {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return err
			}
			bar.Abandon()
			fmt.Fprintf(os.Stderr, "interrupted: saved %s; continue with --resume\n", last)
			return nil
		}
		m, err := tr.Step()
		if err != nil {
			bar.Abandon()
			good := last
			if good == "" {
				if p, e := pretrain.LatestCheckpoint(dir); e == nil {
					good = p
				} else {
					good = "none"
				}
			}
			var nf *pretrain.NonFiniteError
			if errors.As(err, &nf) {
				return fmt.Errorf("%w\nstopped without writing a checkpoint; last good checkpoint: %s", err, good)
			}
			return fmt.Errorf("%w (last good checkpoint: %s)", err, good)
		}
		if jsonOut {
			if err := enc.Encode(stepRecord(m)); err != nil {
				return err
			}
		} else {
			bar.Describe(describe(m))
			bar.Set(tr.StepCount())
		}
		if every := tr.Cfg.CheckpointEvery; every > 0 && tr.StepCount()%every == 0 {
			if err := save(); err != nil {
				return err
			}
		}
	}
	if err := save(); err != nil {
		return err
	}
	bar.Finish()
	fmt.Fprintf(os.Stderr, "done: %d steps, checkpoint %s\n", tr.StepCount(), last)
	return nil
}

func describe(m pretrain.Metrics) string {
	s := fmt.Sprintf("loss %.3f (dino_local %.3f dino_global %.3f koleo %.3f ibot %.3f) H %.2f=%.2f·lnK |c| %.3g lr %.2g τt %.3f",
		m.Total, m.DINOLocal, m.DINOGlobal, m.KoLeo, m.IBOT, m.Entropy, m.EntropyRatio, m.CenterNorm, m.LR, m.TeacherTemp)
	if m.Collapse != "" {
		s += " COLLAPSE:" + m.Collapse
	}
	return s
}

// stepJSON is one --json line.
type stepJSON struct {
	Step           int                `json:"step"`
	Loss           map[string]float64 `json:"loss"`
	Entropy        float64            `json:"teacher_entropy"`
	EntropyRatio   float64            `json:"teacher_entropy_over_lnK"`
	CenterNorm     float64            `json:"center_norm"`
	GradNorm       map[string]float64 `json:"grad_norm"`
	LR             float64            `json:"lr"`
	LastLayerLR    float64            `json:"last_layer_lr"`
	WD             float64            `json:"wd"`
	Momentum       float64            `json:"teacher_momentum"`
	TeacherTemp    float64            `json:"teacher_temp"`
	BackboneFrozen bool               `json:"backbone_frozen,omitempty"`
	Collapse       string             `json:"collapse,omitempty"`
	ImagesPerSec   float64            `json:"images_per_s"`
}

func stepRecord(m pretrain.Metrics) stepJSON {
	ips := 0.0
	if s := m.Elapsed.Seconds(); s > 0 {
		ips = math.Round(float64(m.Images)/s*100) / 100
	}
	return stepJSON{
		Step: m.Step,
		Loss: map[string]float64{"total": m.Total, "dino_local": m.DINOLocal, "dino_global": m.DINOGlobal,
			"koleo": m.KoLeo, "ibot": m.IBOT},
		Entropy: m.Entropy, EntropyRatio: m.EntropyRatio, CenterNorm: m.CenterNorm, GradNorm: m.GradNorm,
		LR: m.LR, LastLayerLR: m.LastLayerLR, WD: m.WD, Momentum: m.Momentum, TeacherTemp: m.TeacherTemp,
		BackboneFrozen: m.BackboneFrozen, Collapse: m.Collapse, ImagesPerSec: ips,
	}
}
