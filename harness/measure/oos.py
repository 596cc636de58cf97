"""Out-of-scope (OOS) metrics: how a text classifier behaves on queries outside its training distribution.

After Larson et al. (EMNLP 2019, the CLINC150 paper):

* **in-scope accuracy** — accuracy on the in-scope test rows; predicting "out of scope" for one is wrong;
* **OOS recall** — the share of out-of-scope rows predicted as out of scope (the failure mode: confidently
  routing "what's the meaning of life" to `transfer_money`);
* **OOS precision** — of the rows predicted out of scope, the share that were.

They are registered metrics (`harness.measure.catalog`, needs: labels and an out-of-scope class) computed by
`harness.measure.quality.score` like any other, so their intervals are the same seeded, paired percentile
bootstrap: candidates scored on one test split share resamples and their OOS figures are comparable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.measure.quality import score
from harness.measure.scored import MetricFunction, MetricUnavailable, Scored
from harness.results import MetricValue
from harness.types import TaskKind

OOS_METRICS: tuple[str, ...] = ("in_scope_accuracy", "oos_recall", "oos_precision")

Parts = Callable[[Scored], tuple[np.ndarray, np.ndarray]]  # (numerator rows, denominator rows), 0/1


def _ratios(counts: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Weighted ratio per resample (rows of `counts`); NaN where the denominator is empty in that resample."""
    num = counts @ numerator.astype(np.float64)
    den = counts @ denominator.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _rows(s: Scored) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if s.oos_index is None:
        raise MetricUnavailable("needs an out-of-scope class (set data.oos_label)")
    pred = s.need_labels()
    is_oos, said_oos = s.y_true == s.oos_index, pred == s.oos_index
    return is_oos, said_oos, pred == s.y_true


def _in_scope_accuracy(s: Scored) -> tuple[np.ndarray, np.ndarray]:
    is_oos, _said, correct = _rows(s)
    return correct & ~is_oos, ~is_oos


def _oos_recall(s: Scored) -> tuple[np.ndarray, np.ndarray]:
    is_oos, said_oos, _correct = _rows(s)
    return said_oos & is_oos, is_oos


def _oos_precision(s: Scored) -> tuple[np.ndarray, np.ndarray]:
    is_oos, said_oos, _correct = _rows(s)
    return said_oos & is_oos, said_oos


def _ratio_metric(parts: Parts, empty: str) -> MetricFunction:
    """A share of rows (numerator / denominator, both 0/1 per row); unavailable when the denominator is empty
    on the test set (`empty` says which rows are missing)."""

    def point(s: Scored) -> float:
        numerator, denominator = parts(s)
        if not denominator.any():
            raise MetricUnavailable(f"needs {empty} in the test split")
        return float(_ratios(np.ones((1, s.n)), numerator, denominator)[0])

    def resampled(s: Scored, counts: np.ndarray) -> np.ndarray:
        numerator, denominator = parts(s)
        return _ratios(counts, numerator, denominator)

    return MetricFunction(point, resampled)


FUNCTIONS: dict[str, MetricFunction] = {  # the registry's out-of-scope entries (harness.measure.catalog)
    "in_scope_accuracy": _ratio_metric(_in_scope_accuracy, "in-scope rows"),
    "oos_recall": _ratio_metric(_oos_recall, "out-of-scope rows"),
    "oos_precision": _ratio_metric(_oos_precision, "rows predicted out of scope"),
}


def oos_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    oos_index: int,
    *,
    seed: int = 0,
    n_boot: int = 1000,
    keep_resamples: str | None = None,
) -> dict[str, MetricValue]:
    """In-scope accuracy, OOS recall and OOS precision with 95% bootstrap CIs (class indices in, encoded), for
    callers that hold labels only (the CLINC150 benchmark). A metric whose denominator is empty on the test
    set (no OOS rows, or nothing predicted OOS) is left out; `keep_resamples` names the one whose resamples
    are kept (the optimizing metric)."""
    y = np.asarray(y_true, dtype=np.int64)
    pred = np.asarray(y_pred, dtype=np.int64)
    if y.shape != pred.shape or y.ndim != 1:
        raise ValueError(f"y_true {y.shape} and y_pred {pred.shape} must be equal-length vectors")
    if len(y) == 0:
        raise InputError("test split is empty", where="measure (oos)", fix="use a larger test_fraction")
    n_classes = int(max(y.max(), pred.max(), oos_index)) + 1
    task = Task(TaskKind.MULTICLASS, "label", (), classes=tuple(range(n_classes)))
    preds = Predictions(labels=pred)
    kept = keep_resamples if keep_resamples in OOS_METRICS else None
    try:
        return score(
            task, y, preds, OOS_METRICS, seed=seed, n_boot=n_boot, optimizing=kept, oos_index=oos_index
        )
    except ValueError:  # the metric to keep is undefined on this test set: left out like the others
        return score(task, y, preds, OOS_METRICS, seed=seed, n_boot=n_boot, oos_index=oos_index)
