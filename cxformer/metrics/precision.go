package metrics

import "fmt"

// AveragePrecision returns the area under the precision-recall curve as
// scikit-learn's average_precision_score computes it, without interpolation:
//
//	AP = Σ_k (R_k − R_{k−1}) · P_k
//
// over the distinct scores t_k taken from the highest to the lowest, with
// P_k = TP_k/(TP_k+FP_k) and R_k = TP_k/#pos the precision and recall of the
// rule "score >= t_k", and R_0 = 0. Samples with tied scores enter together,
// as one step.
//
// Without any positive label the recall is 0/0: AveragePrecision then returns
// an error wrapping ErrUndefined (scikit-learn warns and returns 0). With only
// positive labels it returns 1.
func AveragePrecision(scores []float64, labels []bool) (float64, error) {
	pos, _, err := checkBinary("AveragePrecision", scores, labels)
	if err != nil {
		return 0, err
	}
	if pos == 0 {
		return 0, fmt.Errorf("metrics.AveragePrecision: no positive label among %d samples: %w", len(labels), ErrUndefined)
	}
	fps, tps, _ := binaryCurve(scores, labels)
	var ap, prevRecall float64
	for k := range tps {
		recall := tps[k] / float64(pos)
		precision := tps[k] / (tps[k] + fps[k])
		ap += (recall - prevRecall) * precision
		prevRecall = recall
	}
	return ap, nil
}
