package metrics

import (
	"fmt"
	"math"
)

// ClassMetrics holds one label's AUROC and average precision.
type ClassMetrics struct {
	AUROC, AUPRC float64 // NaN when Defined is false
	// Positives and Negatives count the rows with label 1 and 0; rows whose
	// label is NaN (unknown) are left out of this class.
	Positives, Negatives int
	Defined              bool // both classes present, so both metrics exist
}

// Report is the multi-label evaluation of a (N, C) score matrix.
type Report struct {
	PerClass []ClassMetrics // one per column
	// MacroAUROC and MacroAUPRC are unweighted means over the Defined
	// classes (spec §9.5 "macro").
	MacroAUROC, MacroAUPRC float64
	Defined                int // number of classes that entered the macro means
}

// MultiLabel evaluates scores (N rows, C columns) against labels of the same
// shape, where a label is 1 (positive), 0 (negative) or NaN (unknown: that
// row is ignored for that class only). Per class it computes AUROC and
// AveragePrecision over the labelled rows; a class whose labelled rows are
// all of one class is reported with Defined = false and NaN metrics and is
// left out of the macro means (scikit-learn's macro roc_auc_score raises an
// error instead). It returns an error for ragged or mismatched shapes, labels
// other than 0, 1 and NaN, non-finite scores, and (wrapping ErrUndefined)
// when no class is defined.
func MultiLabel(scores, labels [][]float64) (Report, error) {
	if _, err := checkMultiLabel(scores, labels); err != nil {
		return Report{}, err
	}
	return multiLabelRows(scores, labels, nil)
}

// checkMultiLabel validates the matrices and returns the number of columns.
func checkMultiLabel(scores, labels [][]float64) (int, error) {
	if len(scores) != len(labels) {
		return 0, fmt.Errorf("metrics.MultiLabel: %d score rows but %d label rows", len(scores), len(labels))
	}
	if len(scores) == 0 {
		return 0, fmt.Errorf("metrics.MultiLabel: no rows: %w", ErrUndefined)
	}
	c := len(scores[0])
	if c == 0 {
		return 0, fmt.Errorf("metrics.MultiLabel: rows have no columns")
	}
	for i := range scores {
		if len(scores[i]) != c || len(labels[i]) != c {
			return 0, fmt.Errorf("metrics.MultiLabel: row %d has %d scores and %d labels, want %d of each",
				i, len(scores[i]), len(labels[i]), c)
		}
		for j := 0; j < c; j++ {
			if s := scores[i][j]; math.IsNaN(s) || math.IsInf(s, 0) {
				return 0, fmt.Errorf("metrics.MultiLabel: score [%d][%d] is %v (scores must be finite)", i, j, s)
			}
			if l := labels[i][j]; l != 0 && l != 1 && !math.IsNaN(l) {
				return 0, fmt.Errorf("metrics.MultiLabel: label [%d][%d] is %v (want 0, 1 or NaN)", i, j, l)
			}
		}
	}
	return c, nil
}

// multiLabelRows evaluates the rows listed in rows (all rows when nil,
// repeats allowed) of already validated matrices.
func multiLabelRows(scores, labels [][]float64, rows []int) (Report, error) {
	c := len(scores[0])
	n := len(scores)
	if rows != nil {
		n = len(rows)
	}
	rep := Report{PerClass: make([]ClassMetrics, c)}
	col := make([]float64, 0, n)
	lab := make([]bool, 0, n)
	for j := 0; j < c; j++ {
		col, lab = col[:0], lab[:0]
		for k := 0; k < n; k++ {
			i := k
			if rows != nil {
				i = rows[k]
			}
			if l := labels[i][j]; !math.IsNaN(l) {
				col = append(col, scores[i][j])
				lab = append(lab, l == 1)
			}
		}
		m := ClassMetrics{AUROC: math.NaN(), AUPRC: math.NaN()}
		for _, l := range lab {
			if l {
				m.Positives++
			} else {
				m.Negatives++
			}
		}
		if m.Positives > 0 && m.Negatives > 0 {
			// Both calls are defined here and the inputs are validated.
			m.AUROC, _ = AUROC(col, lab)
			m.AUPRC, _ = AveragePrecision(col, lab)
			m.Defined = true
			rep.MacroAUROC += m.AUROC
			rep.MacroAUPRC += m.AUPRC
			rep.Defined++
		}
		rep.PerClass[j] = m
	}
	if rep.Defined == 0 {
		return rep, fmt.Errorf("metrics.MultiLabel: no class has both positive and negative labels: %w", ErrUndefined)
	}
	rep.MacroAUROC /= float64(rep.Defined)
	rep.MacroAUPRC /= float64(rep.Defined)
	return rep, nil
}
