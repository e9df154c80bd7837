package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/gocx/gocx/cxformer/metrics"
)

// Interval is a metric on the full test set (Value) with the median and
// the 2.5th / 97.5th percentiles of its bootstrap distribution (spec §9.5:
// resample the test images with replacement). NaN marks an undefined
// value; JSON writes it as null.
type Interval struct {
	Value, Median, Lo, Hi float64
}

func fromCI(v float64, ci metrics.CI) Interval {
	return Interval{Value: v, Median: ci.Median, Lo: ci.Lo, Hi: ci.Hi}
}

// String formats the interval as "value [lo, hi]".
func (iv Interval) String() string {
	if math.IsNaN(iv.Value) {
		return "undefined"
	}
	if math.IsNaN(iv.Lo) {
		return fmt.Sprintf("%.4f", iv.Value)
	}
	return fmt.Sprintf("%.4f [%.4f, %.4f]", iv.Value, iv.Lo, iv.Hi)
}

// MarshalJSON writes {"value", "median", "lo", "hi"} with null for NaN.
func (iv Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]*float64{
		"value": finite(iv.Value), "median": finite(iv.Median), "lo": finite(iv.Lo), "hi": finite(iv.Hi),
	})
}

// finite returns nil for NaN and ±Inf (JSON has no such numbers).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Floats is a list of numbers whose JSON form writes NaN and ±Inf (a
// diverged run) as null.
type Floats []float64

// MarshalJSON writes the list with null for non-finite values.
func (f Floats) MarshalJSON() ([]byte, error) {
	out := make([]*float64, len(f))
	for i, v := range f {
		out[i] = finite(v)
	}
	return json.Marshal(out)
}

// ClassResult is one label's test metrics.
type ClassResult struct {
	Name      string   `json:"name"`
	Positives int      `json:"positives"`
	Negatives int      `json:"negatives"`
	AUROC     Interval `json:"auroc"`
	AUPRC     Interval `json:"auprc"`
}

// ClassificationReport is the multi-label evaluation of spec §9.5 on one
// set: per-class and macro AUROC and AUPRC (average precision) with
// bootstrap intervals.
type ClassificationReport struct {
	Images     int           `json:"images"`
	Bootstrap  int           `json:"bootstrap_resamples"`
	Classes    []ClassResult `json:"classes"`
	MacroAUROC Interval      `json:"macro_auroc"`
	MacroAUPRC Interval      `json:"macro_auprc"`
}

// Classify evaluates scores (sigmoid probabilities or logits; N×C) against
// labels (1, 0 or NaN for missing) with B bootstrap resamples (0: none)
// drawn from seed. names labels the columns (may be nil).
func Classify(scores, labels [][]float64, names []string, B int, seed uint64) (ClassificationReport, error) {
	rep, err := metrics.MultiLabel(scores, labels)
	if err != nil {
		return ClassificationReport{}, err
	}
	out := ClassificationReport{Images: len(scores), Bootstrap: B, Classes: make([]ClassResult, len(rep.PerClass))}
	nan := metrics.CI{Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	ci := metrics.ReportCI{MacroAUROC: nan, MacroAUPRC: nan, PerClass: make([]metrics.ClassCI, len(rep.PerClass))}
	for j := range ci.PerClass {
		ci.PerClass[j] = metrics.ClassCI{AUROC: nan, AUPRC: nan}
	}
	if B > 0 {
		if ci, err = metrics.BootstrapMultiLabel(scores, labels, B, seed); err != nil {
			return ClassificationReport{}, err
		}
	}
	for j, m := range rep.PerClass {
		name := fmt.Sprintf("class %d", j)
		if j < len(names) {
			name = names[j]
		}
		out.Classes[j] = ClassResult{Name: name, Positives: m.Positives, Negatives: m.Negatives,
			AUROC: fromCI(m.AUROC, ci.PerClass[j].AUROC), AUPRC: fromCI(m.AUPRC, ci.PerClass[j].AUPRC)}
	}
	out.MacroAUROC = fromCI(rep.MacroAUROC, ci.MacroAUROC)
	out.MacroAUPRC = fromCI(rep.MacroAUPRC, ci.MacroAUPRC)
	return out, nil
}

// WriteTable prints the report as an aligned table.
func (r ClassificationReport) WriteTable(w io.Writer) {
	width := len("macro")
	for _, c := range r.Classes {
		width = max(width, len(c.Name))
	}
	fmt.Fprintf(w, "%-*s  %6s  %6s  %-26s  %-26s\n", width, "class", "pos", "neg", "AUROC [95% CI]", "AUPRC [95% CI]")
	fmt.Fprintln(w, strings.Repeat("-", width+2+6+2+6+2+26+2+26))
	for _, c := range r.Classes {
		fmt.Fprintf(w, "%-*s  %6d  %6d  %-26s  %-26s\n", width, c.Name, c.Positives, c.Negatives, c.AUROC, c.AUPRC)
	}
	fmt.Fprintf(w, "%-*s  %6s  %6s  %-26s  %-26s\n", width, "macro", "", "", r.MacroAUROC, r.MacroAUPRC)
	if r.Bootstrap > 0 {
		fmt.Fprintf(w, "(%d test images; intervals: 2.5-97.5th percentiles of %d bootstrap resamples)\n", r.Images, r.Bootstrap)
	}
}

// SegReport is the segmentation evaluation of spec §9.5: dataset-level
// Dice (all pixels of all images pooled) after an argmax over classes,
// with bootstrap intervals over images.
//
// "Lung" is the Dice of the union of both lungs treated as one structure
// (the paper reports "Lung" without saying how it combines left and
// right; the union is what a lung-field mask means). LungMean, the mean of
// the left and right Dice, is given as well. Avg is (Lung + Heart)/2, the
// paper's average column; DiceAvg is the mean over all non-background
// classes (the reference script's dice_avg, used to pick the best epoch).
type SegReport struct {
	Images    int        `json:"images"`
	Bootstrap int        `json:"bootstrap_resamples"`
	Classes   []SegClass `json:"classes"` // every non-background class
	Lung      Interval   `json:"lung"`
	LungMean  Interval   `json:"lung_mean_left_right"`
	Heart     Interval   `json:"heart"`
	Avg       Interval   `json:"avg_lung_heart"`
	DiceAvg   Interval   `json:"dice_avg"`
}

// SegClass is one class's Dice.
type SegClass struct {
	Name string   `json:"name"`
	Dice Interval `json:"dice"`
}

// WriteTable prints the report: every class, then (CheXmask classes) the
// lungs as one structure, the mean of the two lungs and the averages.
func (r SegReport) WriteTable(w io.Writer) {
	row := func(name string, iv Interval) {
		if !math.IsNaN(iv.Value) {
			fmt.Fprintf(w, "%-22s  %s\n", name, iv)
		}
	}
	fmt.Fprintf(w, "%-22s  %s\n", "structure", "Dice [95% CI]")
	fmt.Fprintln(w, strings.Repeat("-", 52))
	for _, c := range r.Classes {
		row(c.Name, c.Dice)
	}
	row("Lung (left ∪ right)", r.Lung)
	row("Lung (mean of L, R)", r.LungMean)
	row("Avg (Lung, Heart)", r.Avg)
	row("dice_avg (classes 1..)", r.DiceAvg)
	if r.Bootstrap > 0 {
		fmt.Fprintf(w, "(%d test images; intervals: 2.5-97.5th percentiles of %d bootstrap resamples over images)\n", r.Images, r.Bootstrap)
	}
}
