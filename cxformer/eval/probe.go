package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer/metrics"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// DefaultLRs is the learning-rate grid of DINOv2's linear protocol, used
// unscaled by CXformer's linear_cxr (spec §9.2).
var DefaultLRs = []float64{1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1}

// Labeled is a set of cached features with their labels (1, 0 or NaN for
// a missing label; one row per feature row).
type Labeled struct {
	X Matrix
	Y [][]float64
}

// ProbeConfig configures LinearProbe. Zero fields take the defaults.
type ProbeConfig struct {
	LRs       []float64 // learning-rate grid (default DefaultLRs)
	Epochs    int       // passes over the training features (default 10)
	BatchSize int       // default 128
	Seed      uint64    // initialisation, batch order and bootstrap
	// Bootstrap is the number of test resamples for the intervals (default
	// 500; negative: none).
	Bootstrap  int
	ClassNames []string
	Progress   io.Writer // progress bar (nil: silent)
}

func (c ProbeConfig) withDefaults() ProbeConfig {
	if len(c.LRs) == 0 {
		c.LRs = DefaultLRs
	}
	if c.Epochs <= 0 {
		c.Epochs = 10
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 128
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = 500
	}
	if c.Bootstrap < 0 {
		c.Bootstrap = 0
	}
	return c
}

// GridPoint is one classifier of the grid.
type GridPoint struct {
	LR            float64 `json:"lr"`
	ValMacroAUROC float64 `json:"val_macro_auroc"` // NaN when it diverged
}

// MarshalJSON writes a diverged classifier's AUROC as null.
func (g GridPoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]*float64{"lr": finite(g.LR), "val_macro_auroc": finite(g.ValMacroAUROC)})
}

// ProbeResult is the outcome of LinearProbe.
type ProbeResult struct {
	Grid      []GridPoint `json:"grid"`
	BestLR    float64     `json:"best_lr"`
	TrainLoss Floats      `json:"train_loss"` // mean BCE per epoch, averaged over the grid
	// Test is the best classifier on the test set (nil without test rows).
	Test *ClassificationReport `json:"test,omitempty"`
	// W (C×F, row-major) and B (C) are the best classifier.
	W, B []float32 `json:"-"`
}

// LinearProbe trains one Linear(F → C) per learning rate of cfg.LRs on the
// same batches (one summed loss, as DINOv2 trains its classifiers
// simultaneously): AdamW (betas 0.9, 0.999, eps 1e-8), weight decay 0,
// learning rate lr·cos-decay to 0 over all iterations, BCE with logits
// averaged over the labelled entries (missing labels masked out), weights
// N(0, 0.01²) and zero biases. It then keeps the learning rate whose
// classifier has the best macro AUROC on val (the first on ties; diverged
// classifiers are skipped) and evaluates it on test with bootstrap
// intervals. Scores are the logits (AUROC and AUPRC depend only on their
// order, which the sigmoid keeps while it would create ties by rounding).
func LinearProbe(dev tensor.Device, train, val, test Labeled, cfg ProbeConfig) (*ProbeResult, error) {
	cfg = cfg.withDefaults()
	c, err := checkLabels("the training set", train.Y, train.X.Rows)
	if err != nil {
		return nil, err
	}
	if _, err := checkLabels("the validation set", val.Y, val.X.Rows); err != nil {
		return nil, err
	}
	f := train.X.Cols
	if val.X.Cols != f || (test.X.Rows > 0 && test.X.Cols != f) {
		return nil, fmt.Errorf("eval.LinearProbe: feature widths differ: train %d, val %d, test %d", f, val.X.Cols, test.X.Cols)
	}
	for _, lr := range cfg.LRs {
		if !(lr > 0) {
			return nil, fmt.Errorf("eval.LinearProbe: learning rate %v is not positive", lr)
		}
	}
	if len(val.Y[0]) != c || (test.X.Rows > 0 && len(test.Y) > 0 && len(test.Y[0]) != c) {
		return nil, fmt.Errorf("eval.LinearProbe: the splits have different numbers of labels")
	}

	k := len(cfg.LRs)
	rng := tensor.NewRNG(cfg.Seed)
	var ps nn.Params
	ws := make([]*autograd.Var, k)
	bs := make([]*autograd.Var, k)
	var groups []optim.ParamGroup
	for i, lr := range cfg.LRs {
		ws[i] = ps.Add(fmt.Sprintf("lr%d.weight", i), tensor.Normal(dev, rng, 0.01, c, f))
		bs[i] = ps.Add(fmt.Sprintf("lr%d.bias", i), tensor.Zeros(dev, c))
		groups = append(groups,
			optim.ParamGroup{Name: fmt.Sprintf("lr%d.weight", i), Param: ws[i], LRMult: lr},
			optim.ParamGroup{Name: fmt.Sprintf("lr%d.bias", i), Param: bs[i], LRMult: lr})
	}
	defer releaseParams(ps)
	opt, err := optim.NewAdamW(groups, optim.DINOv2AdamW)
	if err != nil {
		return nil, err
	}
	defer opt.Release()

	xTrain, err := tensor.FromSlice(dev, train.X.Data, train.X.Rows, f)
	if err != nil {
		return nil, err
	}
	defer xTrain.Release()
	perEpoch := (train.X.Rows + cfg.BatchSize - 1) / cfg.BatchSize
	sched := optim.CosineSchedule{Base: 1, Final: 0, Total: cfg.Epochs * perEpoch}
	res := &ProbeResult{}
	b := newBar(cfg.Progress, sched.Total, "linear probe")
	defer b.Finish()
	it := 0
	for ep := 0; ep < cfg.Epochs; ep++ {
		order := rng.Perm(train.X.Rows)
		sum := 0.0
		for _, idx := range chunks(order, cfg.BatchSize) {
			loss, err := probeStep(dev, xTrain, train.Y, idx, ws, bs, ps)
			if err != nil {
				return nil, err
			}
			opt.Step(sched.At(it), 0, 0)
			ps.ZeroGrad()
			sum += loss / float64(k)
			it++
			b.Add(1)
		}
		res.TrainLoss = append(res.TrainLoss, sum/float64(perEpoch))
		b.Describe(fmt.Sprintf("linear probe (epoch %d/%d, loss %.4f)", ep+1, cfg.Epochs, res.TrainLoss[ep]))
	}

	valScores, err := gridScores(dev, val.X, ws, bs)
	if err != nil {
		return nil, err
	}
	best := -1
	for i, lr := range cfg.LRs {
		gp := GridPoint{LR: lr, ValMacroAUROC: math.NaN()}
		s := columns(valScores, val.X.Rows, k*c, i*c, c)
		if finiteScores(s) {
			rep, err := metrics.MultiLabel(s, val.Y)
			if err != nil {
				return nil, fmt.Errorf("eval.LinearProbe: validation set: %w", err)
			}
			gp.ValMacroAUROC = rep.MacroAUROC
			if best < 0 || rep.MacroAUROC > res.Grid[best].ValMacroAUROC {
				best = i
			}
		}
		res.Grid = append(res.Grid, gp)
	}
	if best < 0 {
		return nil, errors.New("eval.LinearProbe: every classifier diverged (non-finite logits)")
	}
	res.BestLR = cfg.LRs[best]
	res.W, res.B = ws[best].Value.Data(), bs[best].Value.Data()
	if test.X.Rows > 0 {
		scores, err := gridScores(dev, test.X, ws[best:best+1], bs[best:best+1])
		if err != nil {
			return nil, err
		}
		rep, err := Classify(columns(scores, test.X.Rows, c, 0, c), test.Y, cfg.ClassNames, cfg.Bootstrap, cfg.Seed)
		if err != nil {
			return nil, fmt.Errorf("eval.LinearProbe: test set: %w", err)
		}
		res.Test = &rep
	}
	return res, nil
}

// probeStep runs forward and backward for one batch and returns the summed
// loss of all classifiers.
func probeStep(dev tensor.Device, x *tensor.Tensor, y [][]float64, idx []int, ws, bs []*autograd.Var, ps nn.Params) (float64, error) {
	k := len(ws)
	rows := make([]int32, len(idx))
	for i, v := range idx {
		rows[i] = int32(v)
	}
	t, w, valid := bceTargets(y, idx, k)
	if valid == 0 {
		return 0, nil // nothing labelled in this batch: no gradient
	}
	var loss float64
	err := tensor.Try(func() {
		tp := autograd.NewTape()
		defer tp.Release()
		xb := tp.Const(tensor.GatherRows(x, rows))
		logits := tp.Linear(xb, tp.Concat(0, ws...), tp.Concat(0, bs...)) // (B, K·C)
		s := logits.Shape()
		yt := tp.Const(tensor.MustFromSlice(dev, t, s...))
		wt := tp.Const(tensor.MustFromSlice(dev, w, s...))
		l := tp.Scale(tp.Sum(tp.BCEWithLogits(logits, yt, wt)), 1/float64(valid))
		loss = float64(l.Value.Item())
		tp.Backward(l)
	})
	return loss, err
}

// gridScores returns the logits of every classifier on x: (rows, K·C)
// row-major, classifier i in columns [i·C, (i+1)·C).
func gridScores(dev tensor.Device, x Matrix, ws, bs []*autograd.Var) ([]float32, error) {
	c := ws[0].Value.Dim(0)
	k := len(ws)
	out := make([]float32, x.Rows*k*c)
	const batch = 4096
	err := tensor.Try(func() {
		tp := autograd.NewTape()
		defer tp.Release()
		tp.NoGrad(func() {
			w := tp.Concat(0, ws...)
			b := tp.Concat(0, bs...)
			for lo := 0; lo < x.Rows; lo += batch {
				hi := min(lo+batch, x.Rows)
				xb := tensor.MustFromSlice(dev, x.Data[lo*x.Cols:hi*x.Cols], hi-lo, x.Cols)
				y := tensor.Linear(xb, w.Value, b.Value)
				y.CopyTo(out[lo*k*c : hi*k*c])
				y.Release()
				xb.Release()
			}
		})
	})
	return out, err
}

// releaseParams returns the parameters' values and gradients to their
// device.
func releaseParams(ps nn.Params) {
	for _, p := range ps {
		p.V.Value.Release()
		if p.V.Grad != nil {
			p.V.Grad.Release()
		}
	}
}
