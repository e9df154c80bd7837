package metrics

import "sort"

// AUROC returns the area under the ROC curve, computed as the Mann-Whitney
// statistic with midranks for ties:
//
//	AUROC = (R₊ − P(P+1)/2) / (P·N)
//
// where P and N count the positive and negative samples and R₊ is the sum of
// the positives' ranks among all scores in ascending order, tied scores all
// receiving the mean of the ranks they span. It equals the probability that a
// random positive scores above a random negative, counting ties as one half,
// and it equals scikit-learn's roc_auc_score (the trapezoidal area under
// roc_curve) up to rounding.
//
// It returns an error wrapping ErrUndefined, saying "only one class present",
// when all labels are equal.
func AUROC(scores []float64, labels []bool) (float64, error) {
	pos, neg, err := checkBinary("AUROC", scores, labels)
	if err != nil {
		return 0, err
	}
	if pos == 0 || neg == 0 {
		return 0, onlyOneClass("AUROC", pos, neg)
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return scores[order[a]] < scores[order[b]] })
	// Ranks are 1-based; a tie group occupying ranks lo+1..hi gets (lo+1+hi)/2.
	// Sums of midranks are multiples of 1/2 and stay exact in float64.
	var rankSum float64
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && scores[order[hi]] == scores[order[lo]] {
			hi++
		}
		mid := float64(lo+1+hi) / 2
		for _, i := range order[lo:hi] {
			if labels[i] {
				rankSum += mid
			}
		}
		lo = hi
	}
	p, n := float64(pos), float64(neg)
	return (rankSum - p*(p+1)/2) / (p * n), nil
}
