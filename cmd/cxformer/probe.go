package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/tensor"
)

const probeUsage = `usage: cxformer probe --model PATH --data SPEC [flags]

Frozen-backbone linear probe (spec §9.1-9.2, CXformer's linear_cxr): features = CLS of the last
--blocks blocks + the mean patch token, one linear classifier per learning rate of the grid trained
together (AdamW, wd 0, cosine to 0, multi-label BCE), the best on the validation macro AUROC, reported
on the test set with 95% bootstrap intervals.

`

// downstreamFlags are the flags probe, finetune and segment share.
type downstreamFlags struct {
	model, data, device, interp string
	heads, size, bootstrap      int
	val, test                   float64
	seed                        uint64
	jsonOut, noEqualize, strict bool
}

func (d *downstreamFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.model, "model", "", "backbone: Hugging Face directory or DINOv2-native .pth/.safetensors")
	fs.StringVar(&d.data, "data", "", "dataset spec, e.g. phantom:600, chexpert:/data/train.csv (see below)")
	fs.StringVar(&d.device, "device", "cpu", "cpu, gpu or auto")
	fs.StringVar(&d.interp, "interp", "T", interpFlagUsage)
	fs.IntVar(&d.heads, "heads", 0, "attention heads of native checkpoints (default: the number the file records, else D/64)")
	fs.IntVar(&d.size, "size", 518, "image side after preprocessing (a multiple of the patch size)")
	fs.IntVar(&d.bootstrap, "bootstrap", 500, "bootstrap resamples of the test set for the 95% intervals (0: none)")
	fs.Float64Var(&d.val, "val", 0.1, "validation fraction (datasets without an official split)")
	fs.Float64Var(&d.test, "test", 0.2, "test fraction (datasets without an official test split)")
	fs.Uint64Var(&d.seed, "seed", 0, "seed of the split, the initialisation, the batch order and the bootstrap")
	fs.BoolVar(&d.jsonOut, "json", false, "print the results as one JSON object on stdout")
	fs.BoolVar(&d.noEqualize, "no-equalize", false, "skip the histogram equalisation of the CXR preprocessing")
	fs.BoolVar(&d.strict, "strict", false, "an unreadable image is an error (default: skipped with a counted warning)")
}

func (d *downstreamFlags) check(cmd string) error {
	switch {
	case d.model == "":
		return fmt.Errorf("%s: --model is required", cmd)
	case d.data == "":
		return fmt.Errorf("%s: --data is required\n%s", cmd, eval.SpecHelp)
	case d.size <= 0:
		return fmt.Errorf("%s: --size %d must be positive", cmd, d.size)
	case d.val <= 0 || d.test <= 0 || d.val+d.test >= 1:
		return fmt.Errorf("%s: --val %g and --test %g must be positive and leave images to train on", cmd, d.val, d.test)
	case d.bootstrap < 0:
		return fmt.Errorf("%s: --bootstrap %d must be ≥ 0", cmd, d.bootstrap)
	}
	return nil
}

// bootstrapArg maps the flag (0 = none) to the library's convention
// (0 = default, negative = none).
func (d *downstreamFlags) bootstrapArg() int {
	if d.bootstrap == 0 {
		return -1
	}
	return d.bootstrap
}

func (d *downstreamFlags) splitOptions(augment bool) eval.SplitOptions {
	return eval.SplitOptions{Size: d.size, Val: d.val, Test: d.test, Seed: d.seed, NoEqualize: d.noEqualize, Augment: augment,
		Strict: d.strict, Warn: os.Stderr}
}

// open returns the device and the model; release frees the device.
func (d *downstreamFlags) open(cmd string) (dev tensor.Device, vit *cxformer.ViT, release func(), err error) {
	mode, err := parseInterpFlag(cmd, d.interp)
	if err != nil {
		return nil, nil, nil, err
	}
	dev, release, err = openDevice(d.device)
	if err != nil {
		return nil, nil, nil, err
	}
	vit, err = cxformer.LoadModel(d.model, dev, cxformer.LoadOptions{Interp: mode, Heads: d.heads})
	if err != nil {
		release()
		return nil, nil, nil, err
	}
	if p := vit.Cfg.PatchSize; d.size%p != 0 {
		release()
		return nil, nil, nil, fmt.Errorf("%s: --size %d is not a multiple of the patch size %d", cmd, d.size, p)
	}
	return dev, vit, release, nil
}

// header is the part of every JSON result that says what ran.
type header struct {
	Command    string   `json:"command"`
	Model      string   `json:"model"`
	Data       string   `json:"data"`
	Device     string   `json:"device"`
	Size       int      `json:"size"`
	Seed       uint64   `json:"seed"`
	Classes    []string `json:"classes"`
	Train      int      `json:"train_images"`
	Val        int      `json:"val_images"`
	Test       int      `json:"test_images"`
	EmbedDim   int      `json:"embed_dim"`
	Depth      int      `json:"depth"`
	FeatureDim int      `json:"feature_dim,omitempty"`
}

func (d *downstreamFlags) header(cmd string, dev tensor.Device, vit *cxformer.ViT, classes []string, tr, va, te int) header {
	return header{Command: cmd, Model: d.model, Data: d.data, Device: dev.String(), Size: d.size, Seed: d.seed,
		Classes: classes, Train: tr, Val: va, Test: te, EmbedDim: vit.Cfg.EmbedDim, Depth: vit.Cfg.Depth}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func parseFloats(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("learning rate %q is not a positive number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func runProbe(args []string) error { return probeCommand(args, os.Stdout, os.Stderr) }

func probeCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), probeUsage)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+eval.SpecHelp)
	}
	var d downstreamFlags
	d.register(fs)
	epochs := fs.Int("epochs", 10, "passes over the training features")
	batch := fs.Int("batch", 128, "classifier batch size")
	featBatch := fs.Int("feature-batch", 32, "images per backbone pass")
	blocks := fs.Int("blocks", 4, "CLS tokens of the last N blocks in the feature")
	noAvg := fs.Bool("no-avgpool", false, "leave the mean patch token out of the feature")
	lrs := fs.String("lrs", "", "comma-separated learning-rate grid (default 1e-5,2e-5,5e-5,…,0.1)")
	quiet := fs.Bool("quiet", false, "no progress bars")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := d.check("probe"); err != nil {
		return err
	}
	grid, err := parseFloats(*lrs)
	if err != nil {
		return fmt.Errorf("probe: --lrs: %w", err)
	}
	progress := stderr
	if *quiet {
		progress = nil
	}
	dev, vit, release, err := d.open("probe")
	if err != nil {
		return err
	}
	defer release()
	sp, err := eval.OpenClassification(d.data, d.splitOptions(false))
	if err != nil {
		return err
	}
	fo := eval.FeatureOptions{Batch: *featBatch, NBlocks: *blocks, NoAvgPool: *noAvg, Progress: progress}
	var feats [3]eval.Matrix
	for i, set := range []eval.ClassSet{sp.Train, sp.Val, sp.Test} {
		fo.Desc = []string{"features (train)", "features (val)", "features (test)"}[i]
		if feats[i], err = eval.Features(vit, dev, set.Images, fo); err != nil {
			return err
		}
	}
	res, err := eval.LinearProbe(dev,
		eval.Labeled{X: feats[0], Y: sp.Train.Labels},
		eval.Labeled{X: feats[1], Y: sp.Val.Labels},
		eval.Labeled{X: feats[2], Y: sp.Test.Labels},
		eval.ProbeConfig{LRs: grid, Epochs: *epochs, BatchSize: *batch, Seed: d.seed, Bootstrap: d.bootstrapArg(),
			ClassNames: sp.ClassNames, Progress: progress})
	if err != nil {
		return err
	}
	h := d.header("probe", dev, vit, sp.ClassNames, sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
	h.FeatureDim = feats[0].Cols
	if d.jsonOut {
		return writeJSON(stdout, struct {
			header
			NBlocks int               `json:"n_blocks"`
			AvgPool bool              `json:"avgpool"`
			Epochs  int               `json:"epochs"`
			Result  *eval.ProbeResult `json:"result"`
		}{h, *blocks, !*noAvg, *epochs, res})
	}
	fmt.Fprintf(stdout, "linear probe: %s on %s (%d/%d/%d train/val/test images, %d-wide features, %s)\n\n",
		d.model, sp.Name, h.Train, h.Val, h.Test, h.FeatureDim, h.Device)
	fmt.Fprintf(stdout, "%-10s  %s\n", "lr", "val macro AUROC")
	for _, g := range res.Grid {
		mark := ""
		if g.LR == res.BestLR {
			mark = "  <- best"
		}
		fmt.Fprintf(stdout, "%-10g  %.4f%s\n", g.LR, g.ValMacroAUROC, mark)
	}
	fmt.Fprintf(stdout, "\ntest set, lr %g:\n", res.BestLR)
	res.Test.WriteTable(stdout)
	return nil
}
