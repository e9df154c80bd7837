package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gocx/gocx/cxformer/eval"
)

const segmentUsage = `usage: cxformer segment --model PATH --data SPEC [flags]

Linear segmentation head on a frozen backbone (spec §9.4): a 1×1 convolution on the last block's
final-normed patch tokens, bilinear upsampling to the image, loss 0.5·CE + 0.5·(1 − soft Dice),
AdamW (lr 5e-3 cosine to 0, wd 1e-4 on weights) with gradient clipping at 1.0; the epoch with the best
validation dice_avg is reported on the test set: dataset-level Dice of each class, of both lungs as one
structure, of the heart, and their averages, with 95% bootstrap intervals over images. The backbone's
patch tokens are computed once and kept in memory (N·(size/14)²·D floats per set).

`

func runSegment(args []string) error { return segmentCommand(args, os.Stdout, os.Stderr) }

func segmentCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("segment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), segmentUsage)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+eval.SpecHelp)
	}
	var d downstreamFlags
	d.register(fs)
	epochs := fs.Int("epochs", 10, "training epochs")
	batch := fs.Int("batch", 64, "images per optimiser step")
	featBatch := fs.Int("feature-batch", 16, "images per backbone pass")
	lr := fs.Float64("lr", 5e-3, "peak learning rate (cosine decay to 0)")
	wd := fs.Float64("wd", 1e-4, "weight decay of the head's weights")
	quiet := fs.Bool("quiet", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := d.check("segment"); err != nil {
		return err
	}
	if !(*lr > 0) || *wd < 0 {
		return fmt.Errorf("segment: --lr %g must be positive and --wd %g not negative", *lr, *wd)
	}
	progress := stderr
	if *quiet {
		progress = nil
	}
	dev, vit, release, err := d.open("segment")
	if err != nil {
		return err
	}
	defer release()
	sp, err := eval.OpenSegmentation(d.data, d.splitOptions(false))
	if err != nil {
		return err
	}
	cfg := eval.SegConfig{Classes: len(sp.ClassNames), LR: *lr, WeightDecay: *wd, Epochs: *epochs, BatchSize: *batch,
		FeatureBatch: *featBatch, Seed: d.seed, Bootstrap: d.bootstrapArg(), ClassNames: sp.ClassNames, Progress: progress}
	if *wd == 0 {
		cfg.WeightDecay = -1
	}
	res, err := eval.TrainSegHead(vit, dev, sp.Train, sp.Val, sp.Test, cfg)
	if err != nil {
		return err
	}
	defer res.Head.Release()
	h := d.header("segment", dev, vit, sp.ClassNames, sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
	if d.jsonOut {
		return writeJSON(stdout, struct {
			header
			LR     float64         `json:"lr"`
			Result *eval.SegResult `json:"result"`
		}{h, *lr, res})
	}
	fmt.Fprintf(stdout, "segmentation head: %s on %s (%d/%d/%d train/val/test images, %s)\n\n",
		d.model, sp.Name, h.Train, h.Val, h.Test, h.Device)
	fmt.Fprintf(stdout, "%-6s  %-10s  %s\n", "epoch", "train loss", "val dice_avg")
	for _, e := range res.Epochs {
		mark := ""
		if e.Epoch == res.BestEpoch {
			mark = "  <- best"
		}
		fmt.Fprintf(stdout, "%-6d  %-10.4f  %.4f%s\n", e.Epoch, e.TrainLoss, e.ValDiceAvg, mark)
	}
	fmt.Fprintf(stdout, "\ntest set, epoch %d:\n", res.BestEpoch)
	res.Test.WriteTable(stdout)
	return nil
}
