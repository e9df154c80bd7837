package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/metrics"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// SegConfig configures TrainSegHead. Zero fields take the defaults of
// spec §9.4.
type SegConfig struct {
	Classes     int     // C (default 4: background, left lung, right lung, heart)
	LR          float64 // peak learning rate (default 5e-3), cosine to 0
	WeightDecay float64 // on the weights, not the biases (default 1e-4; negative: 0)
	Epochs      int     // default 10
	BatchSize   int     // default 64 (the reference script's)
	ClipNorm    float64 // default 1.0; negative: none
	// FeatureBatch is the number of images per backbone pass when the
	// features are cached (default 16).
	FeatureBatch int
	Seed         uint64
	Bootstrap    int      // test resamples (default 500; negative: none)
	ClassNames   []string // default data.CheXmaskClasses
	Progress     io.Writer
}

func (c SegConfig) withDefaults() SegConfig {
	if c.Classes <= 0 {
		c.Classes = 4
	}
	if c.LR == 0 {
		c.LR = 5e-3
	}
	if c.WeightDecay == 0 {
		c.WeightDecay = 1e-4
	}
	if c.WeightDecay < 0 {
		c.WeightDecay = 0
	}
	if c.Epochs <= 0 {
		c.Epochs = 10
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 64
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.FeatureBatch <= 0 {
		c.FeatureBatch = 16
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = 500
	}
	if c.Bootstrap < 0 {
		c.Bootstrap = 0
	}
	if len(c.ClassNames) == 0 && c.Classes == len(data.CheXmaskClasses) {
		c.ClassNames = data.CheXmaskClasses
	}
	return c
}

// SegEpoch is one training epoch of the head.
type SegEpoch struct {
	Epoch      int     `json:"epoch"`
	TrainLoss  float64 `json:"train_loss"`
	ValDiceAvg float64 `json:"val_dice_avg"` // NaN without a validation set
}

// MarshalJSON writes NaN as null.
func (e SegEpoch) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"epoch": e.Epoch, "train_loss": finite(e.TrainLoss), "val_dice_avg": finite(e.ValDiceAvg)})
}

// SegResult is the outcome of TrainSegHead.
type SegResult struct {
	Epochs    []SegEpoch `json:"epochs"`
	BestEpoch int        `json:"best_epoch"` // 1-based
	Test      *SegReport `json:"test,omitempty"`
	Head      *SegHead   `json:"-"` // the best epoch's head
}

// segFeatures are cached patch tokens with their class maps.
type segFeatures struct {
	x      Matrix  // one row of Hp·Wp·D values per image
	masks  []uint8 // N·S·S
	hp, wp int
	side   int
}

func cacheSeg(vit *cxformer.ViT, dev tensor.Device, src SegSource, cfg SegConfig, what string) (segFeatures, error) {
	if src == nil || src.Len() == 0 {
		return segFeatures{}, nil
	}
	x, m, hp, wp, err := PatchFeatures(vit, dev, src, cfg.FeatureBatch, cfg.Progress)
	if err != nil {
		return segFeatures{}, fmt.Errorf("eval.TrainSegHead: %s set: %w", what, err)
	}
	for i, v := range m {
		if int(v) >= cfg.Classes {
			return segFeatures{}, fmt.Errorf("eval.TrainSegHead: %s image %d has class %d at pixel %d; the head has %d classes",
				what, i/(src.Size()*src.Size()), v, i%(src.Size()*src.Size()), cfg.Classes)
		}
	}
	return segFeatures{x: x, masks: m, hp: hp, wp: wp, side: src.Size()}, nil
}

// TrainSegHead trains the linear segmentation head of spec §9.4 on a
// frozen backbone: the last block's final-normed patch tokens are computed
// once (under NoGrad) and cached on the host, so the images are not
// augmented; AdamW (betas 0.9, 0.999, eps 1e-8) with weight decay on the
// weight only, the learning rate decayed from cfg.LR to 0 by a cosine over
// all iterations, gradient-norm clipping, and the loss of SegLoss. After
// every epoch the validation dice_avg (mean Dice over the non-background
// classes) picks the best epoch, whose head is evaluated on test.
func TrainSegHead(vit *cxformer.ViT, dev tensor.Device, train, val, test SegSource, cfg SegConfig) (*SegResult, error) {
	cfg = cfg.withDefaults()
	if cfg.Classes > 256 {
		return nil, fmt.Errorf("eval.TrainSegHead: %d classes do not fit 8-bit class maps", cfg.Classes)
	}
	if train == nil || train.Len() == 0 {
		return nil, errors.New("eval.TrainSegHead: empty training set")
	}
	tr, err := cacheSeg(vit, dev, train, cfg, "training")
	if err != nil {
		return nil, err
	}
	va, err := cacheSeg(vit, dev, val, cfg, "validation")
	if err != nil {
		return nil, err
	}
	te, err := cacheSeg(vit, dev, test, cfg, "test")
	if err != nil {
		return nil, err
	}
	for _, s := range []segFeatures{va, te} {
		if s.x.Rows > 0 && s.side != tr.side {
			return nil, fmt.Errorf("eval.TrainSegHead: image sides differ between sets (%d and %d)", tr.side, s.side)
		}
	}
	head, err := NewSegHead(dev, vit.Cfg.EmbedDim, cfg.Classes, tr.hp, tr.wp, tr.side, tr.side, cfg.Seed)
	if err != nil {
		return nil, err
	}
	groups := []optim.ParamGroup{
		{Name: "head.weight", Param: head.Conv.W, LRMult: 1, WDMult: 1},
		{Name: "head.bias", Param: head.Conv.B, LRMult: 1, WDMult: 0},
	}
	opt, err := optim.NewAdamW(groups, optim.DINOv2AdamW)
	if err != nil {
		return nil, err
	}
	defer opt.Release()

	rng := tensor.NewRNG(cfg.Seed ^ 0x5e9)
	perEpoch := (tr.x.Rows + cfg.BatchSize - 1) / cfg.BatchSize
	sched := optim.CosineSchedule{Base: cfg.LR, Final: 0, Total: cfg.Epochs * perEpoch}
	res := &SegResult{Head: head}
	var best map[string][]float32
	bestDice := math.Inf(-1)
	it := 0
	for ep := 0; ep < cfg.Epochs; ep++ {
		b := newBar(cfg.Progress, perEpoch, fmt.Sprintf("seg head epoch %d/%d", ep+1, cfg.Epochs))
		total := 0.0
		for _, idx := range chunks(rng.Perm(tr.x.Rows), cfg.BatchSize) {
			loss, err := segStep(dev, head, tr, idx)
			if err != nil {
				b.Finish()
				return nil, err
			}
			if cfg.ClipNorm > 0 {
				optim.ClipGradNorm(head.Params, cfg.ClipNorm)
			}
			opt.Step(sched.At(it), cfg.WeightDecay, 0)
			head.Params.ZeroGrad()
			total += loss
			it++
			b.Add(1)
		}
		b.Finish()
		er := SegEpoch{Epoch: ep + 1, TrainLoss: total / float64(perEpoch), ValDiceAvg: math.NaN()}
		if va.x.Rows > 0 {
			pred, err := segPredict(dev, head, va, cfg.BatchSize)
			if err != nil {
				return nil, err
			}
			er.ValDiceAvg = metrics.MeanForeground(metrics.DiceDataset(pred, va.masks, cfg.Classes))
			if er.ValDiceAvg > bestDice {
				bestDice, res.BestEpoch = er.ValDiceAvg, ep+1
				best = head.Params.Values()
			}
		} else {
			res.BestEpoch = ep + 1
		}
		res.Epochs = append(res.Epochs, er)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "epoch %d/%d: train loss %.4f, val dice_avg %.4f\n", ep+1, cfg.Epochs, er.TrainLoss, er.ValDiceAvg)
		}
	}
	if best != nil {
		if err := head.Params.Load(best); err != nil {
			return nil, err
		}
	}
	if te.x.Rows > 0 {
		pred, err := segPredict(dev, head, te, cfg.BatchSize)
		if err != nil {
			return nil, err
		}
		rep := Segmentation(pred, te.masks, te.x.Rows, cfg.Classes, cfg.ClassNames, cfg.Bootstrap, cfg.Seed)
		res.Test = &rep
	}
	return res, nil
}

// gatherRows copies rows idx of m into one contiguous buffer.
func gatherRows(m Matrix, idx []int) []float32 {
	out := make([]float32, len(idx)*m.Cols)
	for k, i := range idx {
		copy(out[k*m.Cols:], m.Row(i))
	}
	return out
}

// segStep runs forward and backward on the cached images idx.
func segStep(dev tensor.Device, head *SegHead, s segFeatures, idx []int) (float64, error) {
	p := s.side * s.side
	truth := make([]uint8, len(idx)*p)
	for k, i := range idx {
		copy(truth[k*p:(k+1)*p], s.masks[i*p:(i+1)*p])
	}
	var loss float64
	err := tensor.Try(func() {
		tp := autograd.NewTape()
		defer tp.Release()
		x := tp.Const(tensor.MustFromSlice(dev, gatherRows(s.x, idx), len(idx), s.hp*s.wp, head.dim))
		l := SegLoss(tp, head.Forward(tp, x), truth)
		loss = float64(l.Value.Item())
		tp.Backward(l)
	})
	return loss, err
}

// segPredict returns the argmax class maps of every cached image
// (N·S·S, image-major).
func segPredict(dev tensor.Device, head *SegHead, s segFeatures, batch int) ([]uint8, error) {
	p := s.side * s.side
	c := head.classes
	out := make([]uint8, s.x.Rows*p)
	err := tensor.Try(func() {
		for lo := 0; lo < s.x.Rows; lo += batch {
			hi := min(lo+batch, s.x.Rows)
			tp := autograd.NewTape()
			tp.NoGrad(func() {
				x := tp.Const(tensor.MustFromSlice(dev, s.x.Data[lo*s.x.Cols:hi*s.x.Cols], hi-lo, s.hp*s.wp, head.dim))
				argmaxPixels(head.Forward(tp, x).Value.Data(), p, hi-lo, c, out[lo*p:hi*p])
				x.Value.Release()
			})
			tp.Release()
		}
	})
	return out, err
}

// Segmentation evaluates class maps pred against truth (n images of equal
// size, concatenated) with the dataset-level Dice of spec §9.5 and B
// bootstrap resamples of the images (0: none) drawn from seed. For the
// CheXmask classes (C = 4: background, left lung, right lung, heart) it
// fills Lung (Dice of the union of both lungs), LungMean, Heart, Avg and
// DiceAvg; for other class sets only Classes and DiceAvg. It panics on
// mismatched lengths or a class value ≥ C.
func Segmentation(pred, truth []uint8, n, classes int, names []string, B int, seed uint64) SegReport {
	if n <= 0 || len(pred) != len(truth) || len(pred)%n != 0 {
		panic(fmt.Sprintf("eval.Segmentation: %d predicted and %d true pixels for %d images", len(pred), len(truth), n))
	}
	p := len(pred) / n
	per := make([]metrics.DiceStats, n)   // every class
	union := make([]metrics.DiceStats, n) // 0 background, 1 lungs, 2 heart
	lungHeart := classes == 4
	var rp, rt []uint8
	if lungHeart {
		rp, rt = make([]uint8, p), make([]uint8, p)
	}
	remap := [4]uint8{0, 1, 1, 2}
	for i := 0; i < n; i++ {
		pi, ti := pred[i*p:(i+1)*p], truth[i*p:(i+1)*p]
		per[i] = metrics.CountDice(pi, ti, classes)
		if lungHeart {
			for k := range pi {
				rp[k], rt[k] = remap[pi[k]], remap[ti[k]]
			}
			union[i] = metrics.CountDice(rp, rt, 3)
		}
	}
	sum := func(stats []metrics.DiceStats, idx []int, c int) []float64 {
		s := metrics.NewDiceStats(c)
		if idx == nil {
			for _, st := range stats {
				s.Add(st)
			}
		} else {
			for _, i := range idx {
				s.Add(stats[i])
			}
		}
		return s.Dice()
	}
	interval := func(metric func(idx []int) float64) Interval {
		iv := Interval{Value: metric(nil), Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
		if B > 0 {
			ci, err := metrics.Bootstrap(n, B, seed, func(idx []int) (float64, error) { return metric(idx), nil })
			if err == nil {
				iv.Median, iv.Lo, iv.Hi = ci.Median, ci.Lo, ci.Hi
			}
		}
		return iv
	}
	rep := SegReport{Images: n, Bootstrap: B}
	for c := 1; c < classes; c++ {
		name := fmt.Sprintf("class %d", c)
		if c < len(names) {
			name = names[c]
		}
		rep.Classes = append(rep.Classes, SegClass{Name: name, Dice: interval(func(idx []int) float64 { return sum(per, idx, classes)[c] })})
	}
	rep.DiceAvg = interval(func(idx []int) float64 { return metrics.MeanForeground(sum(per, idx, classes)) })
	nan := Interval{Value: math.NaN(), Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	rep.Lung, rep.LungMean, rep.Heart, rep.Avg = nan, nan, nan, nan
	if lungHeart {
		rep.Lung = interval(func(idx []int) float64 { return sum(union, idx, 3)[1] })
		rep.LungMean = interval(func(idx []int) float64 { d := sum(per, idx, 4); return (d[1] + d[2]) / 2 })
		rep.Heart = interval(func(idx []int) float64 { return sum(per, idx, 4)[3] })
		rep.Avg = interval(func(idx []int) float64 { d := sum(union, idx, 3); return (d[1] + d[2]) / 2 })
	}
	return rep
}
