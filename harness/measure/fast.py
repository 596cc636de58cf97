"""sklearn's scores one column at a time, without sklearn's per-call validation: on a wide table the audit's
leakage check and the single-feature rule score thousands of columns, and validation (type_of_target, label
binarising, array checks) costs a millisecond or more per call while the score itself takes microseconds.

Each function computes what sklearn does for the inputs the callers give (labels 0..K-1, float64 scores): the
log loss with the same operations in the same order (the same float), the ROC-AUC as the Mann–Whitney
statistic with average ranks for ties (sklearn's value to rounding, ~1e-16).
"""

from __future__ import annotations

import numpy as np


def binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC of 0/1 labels (both present) against a score."""
    from scipy.stats import rankdata

    positive = np.asarray(y) == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    """sklearn's `log_loss(y, proba, labels=range(K))` for class indices `y` and float64 rows `proba` (n × K):
    probabilities clipped to [eps, 1 - eps], the mean over rows of −Σ onehot · log p."""
    eps = np.finfo(proba.dtype).eps
    clipped = np.clip(proba, eps, 1 - eps)
    onehot = np.zeros_like(clipped)
    onehot[np.arange(len(y)), np.asarray(y, dtype=np.int64)] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = onehot * np.log(clipped)  # sklearn's xlogy: x·log(y), 0 where x is 0
    terms = np.where(onehot == 0.0, 0.0, terms)
    return float(np.average(-np.sum(terms, axis=1)))
