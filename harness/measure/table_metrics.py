"""The table metrics (classification and regression): point estimates from scikit-learn, and their bootstrap
forms as count-weighted sums, every resample of a chunk at once (see `harness.measure.quality`). Checked
against sklearn with `sample_weight` in `tests/measure/test_quality.py`."""

from __future__ import annotations

import numpy as np

from harness.measure.scored import MetricFunction, Scored
from harness.types import TaskKind


# classification: sklearn for the point estimate ------------------------------------------------------------
def _sk_roc_auc(s: Scored) -> float:
    from sklearn.metrics import roc_auc_score

    if s.task.kind is TaskKind.BINARY:
        return float(roc_auc_score(s.y_positive(), s.positive_score()))
    # one-vs-rest, macro: sklearn's multi_class="ovr" average, restricted to classes present in y_true
    proba = s.need_proba()
    aucs = [roc_auc_score(s.y_true == k, proba[:, k]) for k in classes_with_both(s)]
    return float(np.mean(aucs))


def _sk_pr_auc(s: Scored) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(s.y_positive(), s.positive_score()))


def _sk_f1(s: Scored) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(s.y_true, s.need_labels(), pos_label=s.positive_index, zero_division=0.0))


def _sk_macro_f1(s: Scored) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(s.y_true, s.need_labels(), average="macro", zero_division=0.0))


def _sk_accuracy(s: Scored) -> float:
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(s.y_true, s.need_labels()))


def _sk_balanced_accuracy(s: Scored) -> float:
    # classes predicted but absent from y_true only add a warning; sklearn ignores them, as do we
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(balanced_accuracy_score(s.y_true, s.need_labels()))


def _sk_log_loss(s: Scored) -> float:
    from sklearn.metrics import log_loss

    proba = s.need_proba()
    return float(log_loss(s.y_true, proba, labels=list(range(proba.shape[1]))))


# regression -------------------------------------------------------------------------------------------------
def _sk_rmse(s: Scored) -> float:
    from sklearn.metrics import root_mean_squared_error

    return float(root_mean_squared_error(s.y_true, s.need_values()))


def _sk_mae(s: Scored) -> float:
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(s.y_true, s.need_values()))


def _sk_r2(s: Scored) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(s.y_true, s.need_values()))


# vectorised weighted versions (one row of `counts` = one resample) ------------------------------------------
def classes_with_both(s: Scored) -> list[int]:
    present = np.bincount(s.y_true, minlength=s.need_proba().shape[1])
    return [k for k in range(len(present)) if 0 < present[k] < s.n]


def _binary_curve(score: np.ndarray, y_pos: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted cumulative (true positives, false positives) at each distinct score, highest score first —
    sklearn's `_binary_clf_curve`, for many weight vectors at once. Returns two B × T arrays.

    Counts are integers below 2**24, so float32 cumulative sums are exact and move half the memory; true
    positives are summed over the positive columns only (the rare class is usually the positive one).
    """
    order = np.argsort(-score, kind="stable")
    ends = np.flatnonzero(np.r_[np.diff(score[order]) != 0, True])  # last row of each tied group
    w = counts[:, order]
    positive = y_pos[order] > 0
    seen = np.cumsum(w, axis=1, dtype=np.float32)[:, ends]
    tp_running = np.zeros((len(w), int(positive.sum()) + 1), dtype=np.float32)
    np.cumsum(w[:, positive], axis=1, out=tp_running[:, 1:])
    tps = tp_running[:, np.cumsum(positive)[ends]]
    return tps.astype(np.float64), (seen - tps).astype(np.float64)


def _positive_curve(s: Scored, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The binary curve of this chunk, shared by ROC-AUC and PR-AUC (one sort and gather, not two)."""
    memo = s._cache.get("positive_curve")
    if memo is None or memo[0] is not counts:
        memo = (counts, _binary_curve(s.positive_score(), s.y_positive(), counts))
        s._cache["positive_curve"] = memo
    return memo[1]


def _auc_from_curve(tps: np.ndarray, fps: np.ndarray) -> np.ndarray:
    """Mann–Whitney form of the trapezoidal ROC-AUC: a negative scores 1 per positive ranked strictly above it
    and ½ per positive tied with it."""
    tp_group = np.diff(tps, axis=1, prepend=0.0)
    fp_group = np.diff(fps, axis=1, prepend=0.0)
    above = tps - tp_group
    n_pos, n_neg = tps[:, -1], fps[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (fp_group * (above + tp_group / 2)).sum(axis=1) / (n_pos * n_neg)
    auc[(n_pos == 0) | (n_neg == 0)] = np.nan
    return auc


def _rs_roc_auc(s: Scored, counts: np.ndarray) -> np.ndarray:
    if s.task.kind is TaskKind.BINARY:
        return _auc_from_curve(*_positive_curve(s, counts))
    proba = s.need_proba()
    per_class = [
        _auc_from_curve(*_binary_curve(proba[:, k], (s.y_true == k).astype(np.float64), counts))
        for k in classes_with_both(s)
    ]
    # a class absent from one resample is left out of that resample's macro average (sklearn would raise)
    stacked = np.vstack(per_class)
    defined = np.isfinite(stacked)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, stacked, 0.0).sum(axis=0) / defined.sum(axis=0)


def _rs_pr_auc(s: Scored, counts: np.ndarray) -> np.ndarray:
    tps, fps = _positive_curve(s, counts)
    n_pos = tps[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tps + fps > 0, tps / (tps + fps), 1.0)
        recall = tps / n_pos
    step = np.diff(recall, axis=1, prepend=0.0)
    ap = (step * precision).sum(axis=1)
    ap[n_pos[:, 0] == 0] = np.nan
    return ap


def _confusion(s: Scored, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted per-class (true positives, actual totals, predicted totals), each B × K."""
    k = max(s.task.n_classes, 2, int(s.y_true.max()) + 1, int(s.need_labels().max()) + 1)
    true_1hot, pred_1hot = s.cached(
        "one_hot",
        lambda: (np.eye(k)[s.y_true], np.eye(k)[s.need_labels()]),
    )
    return counts @ (true_1hot * pred_1hot), counts @ true_1hot, counts @ pred_1hot


def _rs_f1(s: Scored, counts: np.ndarray) -> np.ndarray:
    tp, actual, predicted = _confusion(s, counts)
    p = s.positive_index
    denominator = actual[:, p] + predicted[:, p]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * tp[:, p] / denominator, 0.0)


def _rs_macro_f1(s: Scored, counts: np.ndarray) -> np.ndarray:
    tp, actual, predicted = _confusion(s, counts)
    present = (actual + predicted) > 0  # sklearn averages over the labels seen in y_true ∪ y_pred
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2 * tp / (actual + predicted), 0.0)
    return f1.sum(axis=1) / present.sum(axis=1)


def _rs_balanced_accuracy(s: Scored, counts: np.ndarray) -> np.ndarray:
    tp, actual, _ = _confusion(s, counts)
    present = actual > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(present, tp / actual, 0.0)
    return recall.sum(axis=1) / present.sum(axis=1)


def _rs_accuracy(s: Scored, counts: np.ndarray) -> np.ndarray:
    correct = s.cached("correct", lambda: (s.need_labels() == s.y_true).astype(np.float64))
    return counts @ correct / counts.sum(axis=1)


def _row_log_loss(s: Scored) -> np.ndarray:
    proba = s.need_proba()
    eps = np.finfo(proba.dtype).eps  # sklearn's clipping
    return -np.log(np.clip(proba[np.arange(s.n), s.y_true], eps, 1 - eps))


def _rs_log_loss(s: Scored, counts: np.ndarray) -> np.ndarray:
    return counts @ s.cached("row_log_loss", lambda: _row_log_loss(s)) / counts.sum(axis=1)


def _residuals(s: Scored) -> np.ndarray:
    return s.cached("residuals", lambda: s.y_true - s.need_values())


def _rs_rmse(s: Scored, counts: np.ndarray) -> np.ndarray:
    return np.sqrt(counts @ _residuals(s) ** 2 / counts.sum(axis=1))


def _rs_mae(s: Scored, counts: np.ndarray) -> np.ndarray:
    return counts @ np.abs(_residuals(s)) / counts.sum(axis=1)


def _rs_r2(s: Scored, counts: np.ndarray) -> np.ndarray:
    centred = s.y_true - s.y_true.mean()  # centring first keeps the one-pass variance numerically stable
    total = counts.sum(axis=1)
    ss_tot = counts @ centred**2 - (counts @ centred) ** 2 / total
    ss_res = counts @ _residuals(s) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    r2[ss_tot <= 1e-12 * max(float(np.abs(centred).max()) ** 2, 1e-300)] = (
        np.nan
    )  # constant target: undefined
    return r2


FUNCTIONS: dict[str, MetricFunction] = {
    "roc_auc": MetricFunction(_sk_roc_auc, _rs_roc_auc),
    "pr_auc": MetricFunction(_sk_pr_auc, _rs_pr_auc),
    "f1": MetricFunction(_sk_f1, _rs_f1),
    "macro_f1": MetricFunction(_sk_macro_f1, _rs_macro_f1),
    "accuracy": MetricFunction(_sk_accuracy, _rs_accuracy),
    "balanced_accuracy": MetricFunction(_sk_balanced_accuracy, _rs_balanced_accuracy),
    "log_loss": MetricFunction(_sk_log_loss, _rs_log_loss),
    "rmse": MetricFunction(_sk_rmse, _rs_rmse),
    "mae": MetricFunction(_sk_mae, _rs_mae),
    "r2": MetricFunction(_sk_r2, _rs_r2),
}
