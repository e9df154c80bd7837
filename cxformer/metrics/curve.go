package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrUndefined is wrapped by the errors of metrics that have no value on the
// data given to them (for example AUROC when every label is the same).
var ErrUndefined = errors.New("metric undefined")

// checkBinary validates a score/label pair and counts the positives.
func checkBinary(op string, scores []float64, labels []bool) (pos, neg int, err error) {
	if len(scores) != len(labels) {
		return 0, 0, fmt.Errorf("metrics.%s: %d scores but %d labels", op, len(scores), len(labels))
	}
	if len(scores) == 0 {
		return 0, 0, fmt.Errorf("metrics.%s: no samples: %w", op, ErrUndefined)
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return 0, 0, fmt.Errorf("metrics.%s: score %d is %v (scores must be finite)", op, i, s)
		}
		if labels[i] {
			pos++
		}
	}
	return pos, len(scores) - pos, nil
}

// binaryCurve returns the cumulative counts of false and true positives at
// every distinct score, visiting the scores from the highest to the lowest:
// fps[k] and tps[k] count the samples with score >= thresholds[k]. Tied
// scores form one step, which is how scikit-learn's _binary_clf_curve treats
// them.
func binaryCurve(scores []float64, labels []bool) (fps, tps, thresholds []float64) {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	var tp, fp float64
	for k, i := range order {
		if labels[i] {
			tp++
		} else {
			fp++
		}
		// Close a step at the last sample of each group of equal scores.
		if k == len(order)-1 || scores[order[k+1]] != scores[i] {
			fps = append(fps, fp)
			tps = append(tps, tp)
			thresholds = append(thresholds, scores[i])
		}
	}
	return fps, tps, thresholds
}

// ROCCurve returns the receiver operating characteristic: for every distinct
// score t, taken from the highest to the lowest, the false-positive rate
// fpr = #{neg: s >= t}/#neg and the true-positive rate tpr = #{pos: s >= t}/#pos.
// A first point (0, 0) is prepended with threshold +Inf.
//
// This is scikit-learn's roc_curve with drop_intermediate=False. One
// difference: scikit-learn before 1.3 used max(score)+1 as the first
// threshold instead of +Inf; fpr and tpr are identical.
//
// It returns an error wrapping ErrUndefined when only one class is present
// (one of the rates would be 0/0), and an error for mismatched lengths or
// non-finite scores.
func ROCCurve(scores []float64, labels []bool) (fpr, tpr, thresholds []float64, err error) {
	pos, neg, err := checkBinary("ROCCurve", scores, labels)
	if err != nil {
		return nil, nil, nil, err
	}
	if pos == 0 || neg == 0 {
		return nil, nil, nil, onlyOneClass("ROCCurve", pos, neg)
	}
	fps, tps, thr := binaryCurve(scores, labels)
	fpr = make([]float64, len(fps)+1)
	tpr = make([]float64, len(tps)+1)
	thresholds = make([]float64, len(thr)+1)
	thresholds[0] = math.Inf(1)
	for k := range fps {
		fpr[k+1] = fps[k] / float64(neg)
		tpr[k+1] = tps[k] / float64(pos)
		thresholds[k+1] = thr[k]
	}
	return fpr, tpr, thresholds, nil
}

func onlyOneClass(op string, pos, neg int) error {
	return fmt.Errorf("metrics.%s: only one class present in labels (%d positive, %d negative): %w",
		op, pos, neg, ErrUndefined)
}
