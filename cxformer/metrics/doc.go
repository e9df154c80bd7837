// Package metrics computes the evaluation numbers of the CXformer downstream
// tasks (spec §9.5): ROC curves, AUROC and average precision (AUPRC) for
// binary and multi-label classification, bootstrap confidence intervals, and
// dataset-level Dice for segmentation class maps.
//
// The binary metrics reproduce scikit-learn's roc_curve, roc_auc_score and
// average_precision_score, including their treatment of tied scores; the
// tests compare them with values that scikit-learn computed on fixed inputs
// (testdata/metrics/sklearn_fixtures.json, made by make_fixtures.py in the
// same folder).
//
// Metrics that are undefined on the data they are given (a ROC curve or AUROC
// when only one class is present, average precision without any positive)
// return an error that wraps ErrUndefined, so that Bootstrap can skip such
// resamples while still reporting any other error.
//
// Conventions: labels are bool for the binary functions; the multi-label
// functions take float64 labels where 1 is positive, 0 negative and NaN
// unknown (the row is ignored for that class only). Scores may be
// probabilities or logits: only their order matters.
package metrics
