package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/nn/state"
)

const finetuneUsage = `usage: cxformer finetune --model PATH --data SPEC [flags]

Full fine-tuning for multi-label classification (spec §9.3): a Linear head on the CLS tokens of the
last 4 blocks + the mean patch token, backbone and head trained together with AdamW (wd 0, constant
learning rates 5e-7 / 5e-5), multi-label BCE, global gradient-norm clipping at 1.0 and the CXformer
training augmentation; the epoch with the best validation macro AUROC is reported on the test set
with 95% bootstrap intervals.

`

func runFinetune(args []string) error { return finetuneCommand(args, os.Stdout, os.Stderr) }

func finetuneCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("finetune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), finetuneUsage)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+eval.SpecHelp)
	}
	var d downstreamFlags
	d.register(fs)
	epochs := fs.Int("epochs", 5, "training epochs")
	batch := fs.Int("batch", 128, "images per optimiser step")
	micro := fs.Int("micro-batch", 16, "images per forward/backward pass (gradients accumulate to --batch)")
	evalBatch := fs.Int("eval-batch", 32, "images per evaluation pass")
	backboneLR := fs.Float64("backbone-lr", 5e-7, "backbone learning rate")
	headLR := fs.Float64("head-lr", 5e-5, "head learning rate")
	clip := fs.Float64("clip", 1.0, "global gradient-norm bound (0: none)")
	blocks := fs.Int("blocks", 4, "CLS tokens of the last N blocks in the feature")
	noAug := fs.Bool("no-augment", false, "train on the evaluation transform (no augmentation)")
	save := fs.String("save", "", "directory for the best epoch's backbone (Hugging Face format) and head.safetensors")
	quiet := fs.Bool("quiet", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := d.check("finetune"); err != nil {
		return err
	}
	if !(*backboneLR >= 0) || !(*headLR > 0) || *clip < 0 {
		return fmt.Errorf("finetune: learning rates %g / %g and --clip %g must not be negative (head > 0)", *backboneLR, *headLR, *clip)
	}
	progress := stderr
	if *quiet {
		progress = nil
	}
	dev, vit, release, err := d.open("finetune")
	if err != nil {
		return err
	}
	defer release()
	sp, err := eval.OpenClassification(d.data, d.splitOptions(!*noAug))
	if err != nil {
		return err
	}
	cfg := eval.FineTuneConfig{BackboneLR: *backboneLR, HeadLR: *headLR, Epochs: *epochs, BatchSize: *batch,
		MicroBatch: *micro, EvalBatch: *evalBatch, ClipNorm: *clip, NBlocks: *blocks, Seed: d.seed,
		Bootstrap: d.bootstrapArg(), ClassNames: sp.ClassNames, Progress: progress}
	if *clip == 0 {
		cfg.ClipNorm = -1
	}
	if *backboneLR == 0 { // a frozen backbone: no gradients, no optimiser state
		for _, p := range vit.Params {
			p.V.SetRequiresGrad(false)
		}
	}
	res, err := eval.FineTune(vit, dev, sp.Train, sp.Val, sp.Test, cfg)
	if err != nil {
		return err
	}
	if *save != "" {
		if err := saveFineTuned(*save, vit, res); err != nil {
			return err
		}
	}
	h := d.header("finetune", dev, vit, sp.ClassNames, sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
	h.FeatureDim = eval.FeatureDim(vit, *blocks, true)
	if d.jsonOut {
		return writeJSON(stdout, struct {
			header
			BackboneLR float64              `json:"backbone_lr"`
			HeadLR     float64              `json:"head_lr"`
			Batch      int                  `json:"batch"`
			Augment    bool                 `json:"augment"`
			Saved      string               `json:"saved,omitempty"`
			Result     *eval.FineTuneResult `json:"result"`
		}{h, *backboneLR, *headLR, *batch, !*noAug, *save, res})
	}
	fmt.Fprintf(stdout, "fine-tuning: %s on %s (%d/%d/%d train/val/test images, %s)\n\n",
		d.model, sp.Name, h.Train, h.Val, h.Test, h.Device)
	fmt.Fprintf(stdout, "%-6s  %-10s  %s\n", "epoch", "train loss", "val macro AUROC")
	for _, e := range res.Epochs {
		mark := ""
		if e.Epoch == res.BestEpoch {
			mark = "  <- best"
		}
		fmt.Fprintf(stdout, "%-6d  %-10.4f  %.4f%s\n", e.Epoch, e.TrainLoss, e.ValMacroAUROC, mark)
	}
	fmt.Fprintf(stdout, "\ntest set, epoch %d:\n", res.BestEpoch)
	res.Test.WriteTable(stdout)
	if *save != "" {
		fmt.Fprintf(stdout, "\nsaved the backbone and head to %s\n", *save)
	}
	return nil
}

// saveFineTuned writes the backbone as a Hugging Face directory and the
// head beside it.
func saveFineTuned(dir string, vit *cxformer.ViT, res *eval.FineTuneResult) error {
	if err := vit.SaveHF(dir); err != nil {
		return err
	}
	f := state.NewFile()
	f.MustAdd(state.NewF32("head.weight", res.Head.W.Value.Shape(), res.Head.W.Value.Data()))
	f.MustAdd(state.NewF32("head.bias", res.Head.B.Value.Shape(), res.Head.B.Value.Data()))
	return state.WriteSafetensors(filepath.Join(dir, "head.safetensors"), f)
}
