package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocx/gocx/cxformer/demo"
)

// runDemo is the main job: phantoms → pretraining → probe → segmentation →
// report.md with plots.
func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "a short run (about 1 minute on 2 cores) instead of the full one (about 3.5)")
	out := fs.String("out", "cxformer-demo", "output directory for report.md, plots and checkpoints")
	device := fs.String("device", "auto", "cpu, gpu or auto (a GPU when one is usable)")
	seed := fs.Uint64("seed", 1, "seed of phantoms, initialisation and augmentation")
	steps := fs.Int("steps", 0, "pretraining steps (0: the preset's)")
	asJSON := fs.Bool("json", false, "print the results as JSON on stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected arguments %v", fs.Args())
	}
	cfg := demo.Defaults(*quick)
	cfg.Out, cfg.Seed = *out, *seed
	if *steps > 0 {
		cfg.PretrainSteps = *steps
	}
	dev, release, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer release()
	cfg.Device = dev
	cfg.Progress = os.Stderr
	res, err := demo.Run(cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	c := res.Comparison
	fmt.Printf("pretrained probe macro AUROC %s vs random init %s: margin %+.3f, CI width %.3f → pretrained beats random by more than the CI: %v\n",
		c.PretrainedMacroAUROC, c.RandomMacroAUROC, c.Margin, c.CIWidth, c.Beats)
	if s := res.Seg.Test; s != nil {
		fmt.Printf("segmentation Dice: lung %s, heart %s\n", s.Lung, s.Heart)
	}
	fmt.Printf("report: %s (%.0f s)\n", filepath.Join(cfg.Out, "report.md"), res.Elapsed)
	return nil
}
