package demo

import (
	"fmt"
	"io"

	"github.com/gocx/gocx/tensor"
)

// Config sizes one demo run. Defaults gives the full and the quick run.
type Config struct {
	Out      string        // output directory (report.md, PNGs, checkpoint)
	Device   tensor.Device // where everything runs
	Seed     uint64
	Progress io.Writer // progress bars and log lines (nil: silent)

	ImageSize     int // evaluation image side and global crop size (a multiple of 14)
	PretrainPool  int // unlabelled phantoms for pretraining
	PretrainSteps int
	Batch         int // images per pretraining step
	LocalCrops    int
	ProbeImages   int // labelled phantoms, split 70/10/20 into train/val/test
	SegImages     int // phantoms with masks for the segmentation head, split likewise
	ProbeEpochs   int
	SegEpochs     int
	Bootstrap     int // resamples for the confidence intervals
}

// Defaults returns the full demo (about 3 minutes on 2 cores) or, with
// quick, a run of about 1 minute.
func Defaults(quick bool) Config {
	c := Config{Out: "cxformer-demo", Device: tensor.CPU, Seed: 1, ImageSize: 112,
		PretrainPool: 3000, PretrainSteps: 800, Batch: 16, LocalCrops: 6,
		ProbeImages: 4000, SegImages: 300, ProbeEpochs: 30, SegEpochs: 30, Bootstrap: 500}
	if quick {
		c.PretrainPool, c.PretrainSteps, c.Batch, c.LocalCrops = 1500, 300, 16, 4
		c.ProbeImages, c.SegImages, c.ProbeEpochs, c.SegEpochs, c.Bootstrap = 2000, 120, 20, 20, 200
	}
	return c
}

// Validate names the first inconsistent field.
func (c Config) Validate() error {
	switch {
	case c.Out == "":
		return fmt.Errorf("demo: empty output directory")
	case c.Device == nil:
		return fmt.Errorf("demo: no device")
	case c.ImageSize < 28 || c.ImageSize%14 != 0:
		return fmt.Errorf("demo: image size %d is not a multiple of 14 of at least 28", c.ImageSize)
	case c.PretrainSteps < 1 || c.Batch < 2 || c.PretrainPool < c.Batch:
		return fmt.Errorf("demo: pretraining %d steps of %d images from a pool of %d", c.PretrainSteps, c.Batch, c.PretrainPool)
	case c.LocalCrops < 0:
		return fmt.Errorf("demo: %d local crops", c.LocalCrops)
	case c.ProbeImages < 50 || c.SegImages < 20:
		return fmt.Errorf("demo: %d probe and %d segmentation images are too few (at least 50 and 20)", c.ProbeImages, c.SegImages)
	case c.ProbeEpochs < 1 || c.SegEpochs < 1:
		return fmt.Errorf("demo: probe epochs %d, segmentation epochs %d", c.ProbeEpochs, c.SegEpochs)
	}
	return nil
}
