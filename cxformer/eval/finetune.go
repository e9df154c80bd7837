package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/metrics"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// ClassSet is a set of images with multi-label targets (1, 0, or NaN for a
// missing label), one label row per image.
type ClassSet struct {
	Images Source
	Labels [][]float64
}

// Len returns the number of images (0 for an empty set).
func (s ClassSet) Len() int {
	if s.Images == nil {
		return 0
	}
	return s.Images.Len()
}

// FineTuneConfig configures FineTune. Zero fields take the defaults of
// spec §9.3.
type FineTuneConfig struct {
	BackboneLR float64 // default 5e-7
	HeadLR     float64 // default 5e-5
	Epochs     int     // default 5 (the reference script's)
	BatchSize  int     // images per optimiser step (default 128, the paper's)
	// MicroBatch splits a step's batch into forward/backward passes of at
	// most this many images whose gradients add up (default 16); the
	// update is that of the whole batch.
	MicroBatch int
	EvalBatch  int     // images per evaluation forward pass (default 32)
	ClipNorm   float64 // global gradient-norm bound (default 1.0; negative: none)
	NBlocks    int     // CLS tokens of the last NBlocks blocks (default 4)
	NoAvgPool  bool    // leave out the mean patch token
	Seed       uint64  // head initialisation, batch order, bootstrap
	Bootstrap  int     // test resamples (default 500; negative: none)
	ClassNames []string
	Progress   io.Writer
}

func (c FineTuneConfig) withDefaults() FineTuneConfig {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.BackboneLR, 5e-7)
	def(&c.HeadLR, 5e-5)
	def(&c.ClipNorm, 1)
	if c.Epochs <= 0 {
		c.Epochs = 5
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 128
	}
	if c.MicroBatch <= 0 {
		c.MicroBatch = 16
	}
	if c.EvalBatch <= 0 {
		c.EvalBatch = 32
	}
	if c.NBlocks <= 0 {
		c.NBlocks = 4
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = 500
	}
	if c.Bootstrap < 0 {
		c.Bootstrap = 0
	}
	return c
}

// EpochResult is one fine-tuning epoch.
type EpochResult struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	ValMacroAUROC float64 `json:"val_macro_auroc"` // NaN without a validation set
}

// FineTuneResult is the outcome of FineTune.
type FineTuneResult struct {
	Epochs    []EpochResult         `json:"epochs"`
	BestEpoch int                   `json:"best_epoch"` // 1-based
	Test      *ClassificationReport `json:"test,omitempty"`
	// Head is the classifier of the best epoch; the ViT passed to FineTune
	// holds the backbone of that epoch when FineTune returns.
	Head *nn.Linear `json:"-"`
}

// MarshalJSON writes NaN metrics as null.
func (e EpochResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"epoch": e.Epoch, "train_loss": finite(e.TrainLoss), "val_macro_auroc": finite(e.ValMacroAUROC)})
}

// FineTune trains the backbone and a Linear(F → C) head on the feature of
// spec §9.1 (built on the tape, so gradients reach the backbone) with
// BCE with logits averaged over the labelled entries of each batch,
// AdamW (betas 0.9, 0.999, eps 1e-8, weight decay 0) at constant learning
// rates — cfg.BackboneLR for every backbone parameter, cfg.HeadLR for the
// head — and global gradient-norm clipping (HF Trainer's max_grad_norm).
// The head starts at N(0, 0.01²) weights and zero biases. After every
// epoch it evaluates val (macro AUROC) and keeps the best epoch's weights,
// which it restores at the end (without a validation set the last epoch
// is kept); the test report uses them. train.Images usually augments
// (Decoded with Aug); val and test should not.
func FineTune(vit *cxformer.ViT, dev tensor.Device, train, val, test ClassSet, cfg FineTuneConfig) (*FineTuneResult, error) {
	cfg = cfg.withDefaults()
	if err := checkModel(vit, dev, cfg.NBlocks); err != nil {
		return nil, err
	}
	if train.Len() == 0 {
		return nil, errors.New("eval.FineTune: empty training set")
	}
	c, err := checkLabels("the training set", train.Labels, train.Len())
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		set  ClassSet
	}{{"validation", val}, {"test", test}} {
		if s.set.Len() == 0 {
			continue
		}
		if cs, err := checkLabels("the "+s.name+" set", s.set.Labels, s.set.Len()); err != nil {
			return nil, err
		} else if cs != c {
			return nil, fmt.Errorf("eval.FineTune: the %s set has %d labels, the training set %d", s.name, cs, c)
		}
	}
	f := FeatureDim(vit, cfg.NBlocks, !cfg.NoAvgPool)
	rng := tensor.NewRNG(cfg.Seed)
	var headParams nn.Params
	head := &nn.Linear{
		W: headParams.Add("head.weight", tensor.Normal(dev, rng, 0.01, c, f)),
		B: headParams.Add("head.bias", tensor.Zeros(dev, c)),
	}
	groups := optim.UniformGroups(vit.Params, "backbone")
	for i := range groups {
		groups[i].LRMult = cfg.BackboneLR
	}
	for _, g := range optim.UniformGroups(headParams, "head") {
		g.LRMult = cfg.HeadLR
		groups = append(groups, g)
	}
	opt, err := optim.NewAdamW(groups, optim.DINOv2AdamW)
	if err != nil {
		return nil, err
	}
	defer opt.Release()
	all := append(append(nn.Params(nil), vit.Params...), headParams...)

	res := &FineTuneResult{Head: head}
	var best map[string][]float32
	bestAUROC := math.Inf(-1)
	for ep := 0; ep < cfg.Epochs; ep++ {
		loss, err := fineTuneEpoch(vit, dev, head, all, opt, train, ep, rng.Perm(train.Len()), cfg)
		if err != nil {
			return nil, err
		}
		er := EpochResult{Epoch: ep + 1, TrainLoss: loss, ValMacroAUROC: math.NaN()}
		if val.Len() > 0 {
			scores, err := classScores(vit, dev, head, val.Images, cfg, fmt.Sprintf("validate %d/%d", ep+1, cfg.Epochs))
			if err != nil {
				return nil, err
			}
			if !finiteScores(scores) {
				return nil, fmt.Errorf("eval.FineTune: epoch %d: non-finite logits (training diverged)", ep+1)
			}
			rep, err := metrics.MultiLabel(scores, val.Labels)
			if err != nil {
				return nil, fmt.Errorf("eval.FineTune: validation set: %w", err)
			}
			er.ValMacroAUROC = rep.MacroAUROC
			if rep.MacroAUROC > bestAUROC {
				bestAUROC, res.BestEpoch = rep.MacroAUROC, ep+1
				best = all.Values()
			}
		} else {
			res.BestEpoch = ep + 1
		}
		res.Epochs = append(res.Epochs, er)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "epoch %d/%d: train loss %.4f, val macro AUROC %.4f\n", ep+1, cfg.Epochs, er.TrainLoss, er.ValMacroAUROC)
		}
	}
	if best != nil && res.BestEpoch != cfg.Epochs {
		if err := all.Load(best); err != nil {
			return nil, err
		}
	}
	if test.Len() > 0 {
		scores, err := classScores(vit, dev, head, test.Images, cfg, "test")
		if err != nil {
			return nil, err
		}
		rep, err := Classify(scores, test.Labels, cfg.ClassNames, cfg.Bootstrap, cfg.Seed)
		if err != nil {
			return nil, fmt.Errorf("eval.FineTune: test set: %w", err)
		}
		res.Test = &rep
	}
	return res, nil
}

// fineTuneEpoch runs one pass over train in the given order and returns
// the mean training loss per step.
func fineTuneEpoch(vit *cxformer.ViT, dev tensor.Device, head *nn.Linear, all nn.Params, opt *optim.AdamW,
	train ClassSet, epoch int, order []int, cfg FineTuneConfig) (float64, error) {
	batches := chunks(order, cfg.BatchSize)
	b := newBar(cfg.Progress, len(batches), fmt.Sprintf("fine-tune epoch %d/%d", epoch+1, cfg.Epochs))
	defer b.Finish()
	loaded, stop := prefetch(train.Images, nil, batches, epoch)
	defer stop()
	s := train.Images.Size()
	per := 3 * s * s
	total := 0.0
	for p := range loaded {
		if p.err != nil {
			return 0, p.err
		}
		_, _, valid := bceTargets(train.Labels, p.idx, 1)
		if valid == 0 {
			b.Add(1)
			continue
		}
		loss := 0.0
		for lo := 0; lo < len(p.idx); lo += cfg.MicroBatch {
			hi := min(lo+cfg.MicroBatch, len(p.idx))
			l, err := fineTuneMicro(vit, dev, head, p.pix[lo*per:hi*per], train.Labels, p.idx[lo:hi], s, valid, cfg)
			if err != nil {
				return 0, err
			}
			loss += l
		}
		if cfg.ClipNorm > 0 {
			if norm := optim.ClipGradNorm(all, cfg.ClipNorm); math.IsNaN(norm) || math.IsInf(norm, 0) {
				return 0, fmt.Errorf("eval.FineTune: epoch %d: gradient norm %v", epoch+1, norm)
			}
		}
		opt.Step(1, 0, 0) // the groups' LRMult hold the learning rates
		all.ZeroGrad()
		total += loss
		b.Add(1)
		b.Describe(fmt.Sprintf("fine-tune epoch %d/%d (loss %.4f)", epoch+1, cfg.Epochs, loss))
	}
	return total / float64(len(batches)), nil
}

// fineTuneMicro runs forward and backward on one micro-batch; the loss is
// Σ w·BCE / valid, valid counting the labelled entries of the whole batch,
// so the micro-batches' gradients add up to the batch mean's.
func fineTuneMicro(vit *cxformer.ViT, dev tensor.Device, head *nn.Linear, pix []float32, labels [][]float64, idx []int,
	s, valid int, cfg FineTuneConfig) (float64, error) {
	t, w, _ := bceTargets(labels, idx, 1)
	var loss float64
	var ferr error
	err := tensor.Try(func() {
		tp := autograd.NewTape()
		defer tp.Release()
		x := tp.Const(tensor.MustFromSlice(dev, pix, len(idx), 3, s, s))
		o, err := vit.Forward(tp, x, cxformer.Options{LastN: cfg.NBlocks})
		if err != nil {
			ferr = err
			return
		}
		logits := head.Forward(tp, linearInput(tp, o, !cfg.NoAvgPool))
		sh := logits.Shape()
		yt := tp.Const(tensor.MustFromSlice(dev, t, sh...))
		wt := tp.Const(tensor.MustFromSlice(dev, w, sh...))
		l := tp.Scale(tp.Sum(tp.BCEWithLogits(logits, yt, wt)), 1/float64(valid))
		loss = float64(l.Value.Item())
		tp.Backward(l)
	})
	if ferr != nil {
		return 0, ferr
	}
	return loss, err
}

// classScores returns the head's logits on every image of src.
func classScores(vit *cxformer.ViT, dev tensor.Device, head *nn.Linear, src Source, cfg FineTuneConfig, desc string) ([][]float64, error) {
	n, s := src.Len(), src.Size()
	c := head.W.Value.Dim(0)
	out := make([]float32, n*c)
	b := newBar(cfg.Progress, n, desc)
	defer b.Finish()
	loaded, stop := prefetch(src, nil, chunks(iota(n), cfg.EvalBatch), 0)
	defer stop()
	row := 0
	for p := range loaded {
		if p.err != nil {
			return nil, p.err
		}
		err := forwardNoGrad(vit, dev, p.pix, len(p.idx), s, cfg.NBlocks, func(tp *autograd.Tape, o cxformer.Output) {
			logits := head.Forward(tp, linearInput(tp, o, !cfg.NoAvgPool))
			logits.Value.CopyTo(out[row*c : (row+len(p.idx))*c])
		})
		if err != nil {
			return nil, err
		}
		row += len(p.idx)
		b.Add(len(p.idx))
	}
	return columns(out, n, c, 0, c), nil
}
