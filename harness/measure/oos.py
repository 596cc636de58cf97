"""Out-of-scope (OOS) metrics: how a text classifier behaves on queries outside its training distribution.

After Larson et al. (EMNLP 2019, the CLINC150 paper):

* **in-scope accuracy** — accuracy on the in-scope test rows; predicting "out of scope" for one is wrong;
* **OOS recall** — the share of out-of-scope rows predicted as out of scope (the failure mode: confidently
  routing "what's the meaning of life" to `transfer_money`);
* **OOS precision** — of the rows predicted out of scope, the share that were.

Intervals: the same seeded, paired percentile bootstrap as `harness.measure.quality` (`bootstrap_counts`), so
candidates scored on one test split share resamples and their OOS figures are comparable.
"""

from __future__ import annotations

import numpy as np

from harness.errors import InputError
from harness.measure.quality import CI_LEVEL, as_resamples, bootstrap_counts
from harness.results import MetricValue

OOS_METRICS: tuple[str, ...] = ("in_scope_accuracy", "oos_recall", "oos_precision")


def _ratios(counts: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Weighted ratio per resample (rows of `counts`); NaN where the denominator is empty in that resample."""
    num = counts @ numerator.astype(np.float64)
    den = counts @ denominator.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def oos_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    oos_index: int,
    *,
    seed: int = 0,
    n_boot: int = 1000,
    keep_resamples: str | None = None,
) -> dict[str, MetricValue]:
    """In-scope accuracy, OOS recall and OOS precision with 95% bootstrap CIs (class indices in, encoded).

    A metric whose denominator is empty on the test set (no OOS rows, or nothing predicted OOS) is left out.
    """
    y = np.asarray(y_true, dtype=np.int64)
    pred = np.asarray(y_pred, dtype=np.int64)
    if y.shape != pred.shape or y.ndim != 1:
        raise ValueError(f"y_true {y.shape} and y_pred {pred.shape} must be equal-length vectors")
    if len(y) == 0:
        raise InputError("test split is empty", where="measure (oos)", fix="use a larger test_fraction")
    is_oos, said_oos = y == oos_index, pred == oos_index
    correct = pred == y
    parts = {
        "in_scope_accuracy": (correct & ~is_oos, ~is_oos),
        "oos_recall": (said_oos & is_oos, is_oos),
        "oos_precision": (said_oos & is_oos, said_oos),
    }
    ones = np.ones((1, len(y)))
    resamples = bootstrap_counts(len(y), n_boot, seed) if n_boot > 0 else []
    tail = (1 - CI_LEVEL) / 2 * 100
    out: dict[str, MetricValue] = {}
    for name, (numerator, denominator) in parts.items():
        if not denominator.any():
            continue
        value = float(_ratios(ones, numerator, denominator)[0])
        low = high = None
        kept = None
        if resamples:
            values = np.concatenate([_ratios(c, numerator, denominator) for c in resamples])
            if name == keep_resamples:
                kept = as_resamples([values])
            values = values[np.isfinite(values)]
            if len(values) >= n_boot / 2:
                low, high = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
        out[name] = MetricValue(
            name=name, value=value, ci_low=low, ci_high=high, greater_is_better=True, resamples=kept
        )
    return out
