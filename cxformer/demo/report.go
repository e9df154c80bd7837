package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"time"
)

// writeReport writes report.md and results.json into cfg.Out.
func writeReport(cfg Config, res *Result) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# gocx demo: CXformer on synthetic chest X-ray phantoms")
	p("")
	p("Generated %s on %s (%s/%s, %d threads) in %.0f s.", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		res.Device, runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), res.Elapsed)
	p("")
	c := res.Comparison
	p("## Headline")
	p("")
	verdict := "**beats**"
	if !c.Beats {
		verdict = "**does not beat**"
	}
	p("The pretrained teacher's linear probe reaches macro AUROC %s against %s for the same architecture at random initialisation: a margin of %+.3f, which %s the random baseline by more than the wider 95%% interval (%.3f).",
		c.PretrainedMacroAUROC, c.RandomMacroAUROC, c.Margin, verdict, c.CIWidth)
	if !c.Beats {
		p("")
		p("The margin is within the statistical noise of this run (a small model, few pretraining steps, a few hundred test images); see the notes at the end.")
	}
	p("")
	p("## Pretraining")
	p("")
	pr := res.Pretrain
	p("%d DINO + iBOT + KoLeo steps of %d unlabelled phantoms each (2 global %d px crops, %d local crops), %.0f s, %.1f images/s. Total loss %.3f → %.3f (DINO local %.3f → %.3f, DINO global %.3f → %.3f, iBOT %.3f → %.3f, KoLeo %.3f → %.3f).",
		pr.Steps, cfg.Batch, cfg.ImageSize, cfg.LocalCrops, pr.Seconds, pr.ImagesPerSec,
		pr.First.Total, pr.Last.Total, pr.First.DINOLocal, pr.Last.DINOLocal, pr.First.DINOGlobal, pr.Last.DINOGlobal,
		pr.First.IBOT, pr.Last.IBOT, pr.First.KoLeo, pr.Last.KoLeo)
	if n := len(pr.Curve); n > 0 {
		last := pr.Curve[n-1]
		p("Teacher entropy at the end: %.3f of ln K (collapse would be near 0 or near 1).", last.EntropyRatio)
		if note := entropyNote(last.EntropyRatio, pr.First.IBOT, pr.Last.IBOT); note != "" {
			p("")
			p("%s", note)
		}
	}
	for _, w := range pr.Warnings {
		p("- warning: %s", w)
	}
	p("")
	p("![losses](loss.png)")
	p("")
	p("Checkpoint: `%s`; teacher backbone: `teacher_backbone.safetensors` (`--model` of `cxformer embed`, `probe`, `segment` and `finetune` reads it; `cxformer export` turns it into a Hugging Face directory).", filepath.Base(pr.Checkpoint))
	p("")
	p("## Linear probe (per finding, test AUROC with bootstrap 95%% CI, %d resamples)", cfg.Bootstrap)
	p("")
	p("| finding | positives | pretrained AUROC | random-init AUROC | pretrained AUPRC | random-init AUPRC |")
	p("|---|---|---|---|---|---|")
	for k, cl := range res.Pretrained.Test.Classes {
		r := res.Random.Test.Classes[k]
		p("| %s | %d/%d | %s | %s | %s | %s |", cl.Name, cl.Positives, cl.Positives+cl.Negatives, cl.AUROC, r.AUROC, cl.AUPRC, r.AUPRC)
	}
	p("| **macro** | | %s | %s | %s | %s |", res.Pretrained.Test.MacroAUROC, res.Random.Test.MacroAUROC,
		res.Pretrained.Test.MacroAUPRC, res.Random.Test.MacroAUPRC)
	p("")
	p("Best learning rate on validation: pretrained %g, random init %g (grid of %d, features = CLS of the last 4 blocks + mean patch token).",
		res.Pretrained.BestLR, res.Random.BestLR, len(res.Pretrained.Grid))
	p("")
	for _, f := range res.Files {
		if len(f) > 4 && f[:4] == "roc_" {
			p("![%s](%s)", f, f)
		}
	}
	p("")
	p("## Segmentation (linear head on frozen pretrained patch tokens)")
	p("")
	if s := res.Seg.Test; s != nil {
		p("Test Dice (dataset-level, bootstrap 95%% CI): lung %s, heart %s, average %s (best epoch %d of %d).",
			s.Lung, s.Heart, s.Avg, res.Seg.BestEpoch, cfg.SegEpochs)
		for _, cl := range s.Classes {
			p("- %s: %s", cl.Name, cl.Dice)
		}
	}
	p("")
	p("![segmentation: prediction | ground truth](segmentation.png)")
	p("")
	p("## CLS attention of the last block (mean over heads)")
	p("")
	p("![attention](attention.png)")
	p("")
	p("## Notes")
	p("")
	p("- Pretraining and evaluation phantoms come from different seeds: no evaluated patient was seen in pretraining.")
	p("- The random-initialisation baseline is the student's backbone before its first step, probed identically.")
	p("- Phantoms are drawn from known parameters (`cxformer/phantom`): labels are exact, so the AUROCs measure the features, not label noise.")
	if err := writeJSON(filepath.Join(cfg.Out, "report.md"), b.Bytes()); err != nil {
		return err
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return writeJSON(filepath.Join(cfg.Out, "results.json"), js)
}

// entropyNote explains an end-of-run teacher entropy near either end of
// its range, where the DINO targets carry little information, and says
// what the features then owe to the iBOT objective. It is empty in between.
func entropyNote(ratio, ibotFirst, ibotLast float64) string {
	var what string
	switch {
	case ratio >= 0.9:
		what = "flattened toward the uniform distribution, most likely because centering removes what the teacher's outputs share across images and what is left differs too little between images for the low temperature to sharpen"
	case ratio <= 0.1:
		what = "sharpened toward a single prototype per image"
	default:
		return ""
	}
	return fmt.Sprintf("Note: the DINO targets %s. This is the collapse signature dinov2 users report on homogeneous medical images "+
		"(facebookresearch/dinov2 #143, #272, #407), and these phantoms are more alike than real radiographs. "+
		"The DINO loss then teaches the backbone little; the iBOT loss (masked patch tokens against the teacher's, %.3f → %.3f) "+
		"still trains it, and the probe comparison above shows what the features gained.", what, ibotFirst, ibotLast)
}
