package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// CI summarises a bootstrap distribution: its median and the 2.5th and
// 97.5th percentiles (a 95% percentile interval), and how many resamples gave
// a value (Used) or were skipped because the metric was undefined on them.
type CI struct {
	Median, Lo, Hi float64
	Used, Skipped  int
}

// String formats the interval as "median [lo, hi]".
func (c CI) String() string { return fmt.Sprintf("%.4f [%.4f, %.4f]", c.Median, c.Lo, c.Hi) }

// resampler draws bootstrap index sets: B sets of n indices in [0, n), drawn
// uniformly with replacement. The sets depend only on (n, B, seed), so every
// metric bootstrapped with the same arguments sees the same resamples.
type resampler struct {
	rng *rand.Rand
	idx []int
}

func newResampler(n int, seed uint64) *resampler {
	// The second PCG word is a fixed stream constant ("metrics_").
	return &resampler{rng: rand.New(rand.NewPCG(seed, 0x6d6574726963735f)), idx: make([]int, n)}
}

func (r *resampler) next() []int {
	for i := range r.idx {
		r.idx[i] = r.rng.IntN(len(r.idx))
	}
	return r.idx
}

// Bootstrap estimates the sampling distribution of a metric on a test set of
// n samples (spec §9.5): B times it draws n indices uniformly with
// replacement and calls metric on them, then returns the 50th, 2.5th and
// 97.5th percentiles of the values (linear interpolation between order
// statistics, numpy's default). A resample on which the metric returns an
// error wrapping ErrUndefined (typically a single class) is skipped and
// counted in CI.Skipped; any other error stops the bootstrap and is returned.
// It is an error, wrapping ErrUndefined, if every resample was skipped.
//
// The resamples depend only on (n, B, seed). The idx slice is reused between
// calls, so metric must not keep it.
func Bootstrap(n, B int, seed uint64, metric func(idx []int) (float64, error)) (CI, error) {
	if n < 1 || B < 1 {
		return CI{}, fmt.Errorf("metrics.Bootstrap: need n >= 1 and B >= 1, got n=%d B=%d", n, B)
	}
	rs := newResampler(n, seed)
	values := make([]float64, 0, B)
	skipped := 0
	for b := 0; b < B; b++ {
		v, err := metric(rs.next())
		switch {
		case errors.Is(err, ErrUndefined):
			skipped++
		case err != nil:
			return CI{}, fmt.Errorf("metrics.Bootstrap: resample %d: %w", b, err)
		default:
			values = append(values, v)
		}
	}
	ci := summarise(values, skipped)
	if ci.Used == 0 {
		return ci, fmt.Errorf("metrics.Bootstrap: the metric was undefined on all %d resamples: %w", B, ErrUndefined)
	}
	return ci, nil
}

// summarise sorts values in place and returns their CI (NaN bounds if empty).
func summarise(values []float64, skipped int) CI {
	ci := CI{Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Used: len(values), Skipped: skipped}
	if len(values) == 0 {
		return ci
	}
	sort.Float64s(values)
	ci.Median = percentileSorted(values, 50)
	ci.Lo = percentileSorted(values, 2.5)
	ci.Hi = percentileSorted(values, 97.5)
	return ci
}

// Percentile returns the p-th percentile (0 <= p <= 100) of values with
// numpy's default "linear" rule: with the values sorted, position
// h = (n−1)·p/100 and result v[⌊h⌋] + (h−⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]).
// values is not modified. It returns NaN for an empty slice or p outside
// [0, 100].
func Percentile(values []float64, p float64) float64 {
	if len(values) == 0 || !(p >= 0 && p <= 100) {
		return math.NaN()
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	return percentileSorted(v, p)
}

func percentileSorted(v []float64, p float64) float64 {
	h := float64(len(v)-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (h-float64(lo))*(v[lo+1]-v[lo])
}

// ClassCI holds the bootstrap intervals of one label.
type ClassCI struct{ AUROC, AUPRC CI }

// ReportCI holds bootstrap intervals for everything in a Report.
type ReportCI struct {
	MacroAUROC, MacroAUPRC CI
	PerClass               []ClassCI
}

// BootstrapMultiLabel bootstraps MultiLabel: each of the B resamples (rows
// drawn with replacement, as in Bootstrap, with the same resamples for the
// same n, B and seed) is evaluated once. A class's values are skipped on the
// resamples where that class has a single label value; the macro values are
// skipped on the resamples where any class that is defined on the full data
// is not, so that every macro value averages the same classes. A class never
// defined gets a CI of NaNs with Used = 0. Input errors are those of
// MultiLabel.
func BootstrapMultiLabel(scores, labels [][]float64, B int, seed uint64) (ReportCI, error) {
	c, err := checkMultiLabel(scores, labels)
	if err != nil {
		return ReportCI{}, err
	}
	if B < 1 {
		return ReportCI{}, fmt.Errorf("metrics.BootstrapMultiLabel: need B >= 1, got %d", B)
	}
	full, err := multiLabelRows(scores, labels, nil)
	if err != nil {
		return ReportCI{}, err
	}
	rs := newResampler(len(scores), seed)
	auroc := make([][]float64, c)
	auprc := make([][]float64, c)
	var macroROC, macroPR []float64
	macroSkipped := 0
	for b := 0; b < B; b++ {
		rep, err := multiLabelRows(scores, labels, rs.next())
		if err != nil && !errors.Is(err, ErrUndefined) {
			return ReportCI{}, err
		}
		complete := true
		for j, m := range rep.PerClass {
			if m.Defined {
				auroc[j] = append(auroc[j], m.AUROC)
				auprc[j] = append(auprc[j], m.AUPRC)
			} else if full.PerClass[j].Defined {
				complete = false
			}
		}
		if complete && rep.Defined > 0 {
			macroROC = append(macroROC, rep.MacroAUROC)
			macroPR = append(macroPR, rep.MacroAUPRC)
		} else {
			macroSkipped++
		}
	}
	out := ReportCI{
		MacroAUROC: summarise(macroROC, macroSkipped),
		MacroAUPRC: summarise(macroPR, macroSkipped),
		PerClass:   make([]ClassCI, c),
	}
	for j := range out.PerClass {
		out.PerClass[j] = ClassCI{
			AUROC: summarise(auroc[j], B-len(auroc[j])),
			AUPRC: summarise(auprc[j], B-len(auprc[j])),
		}
	}
	return out, nil
}
