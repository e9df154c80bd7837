#!/usr/bin/python3
"""Generate sklearn_fixtures.json: fixed inputs and scikit-learn's outputs.

Run with Debian's interpreter (apt-get install python3-sklearn):

    /usr/bin/python3 testdata/metrics/make_fixtures.py

The Go tests in cxformer/metrics compare AUROC, AveragePrecision, ROCCurve,
MultiLabel, Percentile and DiceDataset with these values to 1e-12. Scores are
rounded to a few decimals so that the file stays small and ties are common.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, f1_score,
                             roc_auc_score, roc_curve)

rng = np.random.default_rng(20240606)
cases = []


def add(name, scores, labels, curve=True):
    scores = [float(s) for s in scores]
    labels = [int(l) for l in labels]
    case = {"name": name, "scores": scores, "labels": labels}
    y = np.array(labels)
    s = np.array(scores)
    if 0 < y.sum() < len(y):
        case["auroc"] = float(roc_auc_score(y, s))
        if curve:
            fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
            case["fpr"] = fpr.tolist()
            case["tpr"] = tpr.tolist()
            case["thresholds"] = thr.tolist()
    else:
        case["auroc"] = None  # sklearn raises: only one class present
    if y.sum() > 0:
        case["ap"] = float(average_precision_score(y, s))
    else:
        case["ap"] = None  # recall 0/0: sklearn warns and returns 0
    cases.append(case)


# Random scores with ties (3 decimals), balanced labels, many sizes.
for n in [2, 3, 4, 5, 7, 10, 13, 37, 100, 257, 1000]:
    labels = rng.random(n) < 0.5
    labels[0], labels[-1] = True, False  # both classes present
    scores = np.round(rng.random(n) + 0.3 * labels, 3)
    add(f"random_ties_n{n}", scores, labels, curve=n <= 257)

# Heavily rounded scores: few distinct values, many ties across classes.
for n in [20, 150, 1000]:
    labels = rng.random(n) < 0.4
    labels[0], labels[-1] = True, False
    scores = np.round(rng.normal(size=n) + 0.8 * labels, 0) / 2
    add(f"rounded_n{n}", scores, labels, curve=n <= 150)

# Imbalanced labels.
for n, p in [(100, 0.01), (1000, 0.02), (300, 0.95)]:
    labels = rng.random(n) < p
    labels[0] = not labels[0] if labels.all() or not labels.any() else labels[0]
    if labels.all():
        labels[0] = False
    if not labels.any():
        labels[0] = True
    scores = np.round(rng.normal(size=n) + 1.0 * labels, 4)
    add(f"imbalanced_n{n}_p{p}", scores, labels, curve=n <= 300)

# Perfect, inverted and uninformative classifiers; logits of both signs.
labels = np.array([1, 1, 0, 1, 0, 0, 0, 1, 0, 0])
add("perfect", np.where(labels == 1, 0.9, 0.1) + np.arange(10) * 1e-3, labels)
add("inverted", np.where(labels == 1, 0.1, 0.9) + np.arange(10) * 1e-3, labels)
add("all_tied", np.full(10, 0.25), labels)
add("logits", np.round(rng.normal(scale=5, size=40), 2), rng.random(40) < 0.5)
add("one_pos_one_neg_tied", [0.5, 0.5], [1, 0])

# Constant labels: AUROC undefined; AP 1 for all-positive, undefined for none.
add("n1_positive", [0.3], [1])
add("all_positive", [0.1, 0.4, 0.4, 0.9], [1, 1, 1, 1])
add("all_negative", [0.1, 0.4, 0.4, 0.9], [0, 0, 0, 0])

# Multi-label (N, C) with NaN (unknown) labels; per-class over labelled rows.
n, c = 60, 4
ml_scores = np.round(rng.random((n, c)), 2)
ml_labels = (rng.random((n, c)) < 0.35).astype(float)
ml_scores += 0.2 * ml_labels
ml_scores = np.round(ml_scores, 2)
ml_labels[rng.random((n, c)) < 0.2] = np.nan
ml_labels[:, 3] = np.where(np.isnan(ml_labels[:, 3]), np.nan, 0.0)  # class 3: no positive
ml_labels[0, 3] = np.nan
per_class = []
for j in range(c):
    keep = ~np.isnan(ml_labels[:, j])
    y, s = ml_labels[keep, j], ml_scores[keep, j]
    if 0 < y.sum() < len(y):
        per_class.append({"auroc": float(roc_auc_score(y, s)),
                          "ap": float(average_precision_score(y, s))})
    else:
        per_class.append(None)
defined = [p for p in per_class if p is not None]
multilabel = {
    "scores": ml_scores.tolist(),
    "labels": [[None if np.isnan(v) else v for v in row] for row in ml_labels.tolist()],
    "per_class": per_class,
    "macro_auroc": float(np.mean([p["auroc"] for p in defined])),
    "macro_ap": float(np.mean([p["ap"] for p in defined])),
}

# numpy percentiles (linear interpolation), as used for bootstrap intervals.
values = np.round(rng.random(37), 4)
percentiles = {"values": values.tolist(),
               "p": [0, 2.5, 50, 97.5, 100, 33.3],
               "expected": [float(np.percentile(values, p)) for p in [0, 2.5, 50, 97.5, 100, 33.3]]}

# Dice == binary F1 over all pixels; class absent from both maps -> 1.
pred = rng.integers(0, 4, size=300)
truth = np.where(rng.random(300) < 0.7, pred, rng.integers(0, 4, size=300))
pred[pred == 2] = 1  # class 2 never predicted
truth[truth == 2] = 3
pred5, truth5 = pred.copy(), truth.copy()  # 5 classes: class 4 absent from both
dice = [float(f1_score(truth5 == k, pred5 == k, zero_division=1.0)) for k in range(5)]
dice_fx = {"pred": pred5.tolist(), "truth": truth5.tolist(), "classes": 5, "expected": dice}

out = {
    "generator": "make_fixtures.py",
    "sklearn_version": sklearn.__version__,
    "numpy_version": np.__version__,
    "python": sys.version.split()[0],
    "cases": cases,
    "multilabel": multilabel,
    "percentile": percentiles,
    "dice": dice_fx,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_fixtures.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(path, os.path.getsize(path), "bytes,", len(cases), "cases")
