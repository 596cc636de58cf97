"""Quality metrics with seeded, paired bootstrap 95% confidence intervals.

Point estimates come from scikit-learn. The intervals come from a percentile bootstrap over test rows, written
as *count weighting*: a resample that draws row i c_i times has the same metric as the full test set scored
with `sample_weight=c`. Every metric here is a function of weighted sums (confusion counts, cumulative
true/false positives along the score ordering, weighted residual sums), so all resamples of a chunk are
evaluated at once with matrix products and one cumulative sum — the rows are sorted by score once, not once
per resample.

Why not `scipy.stats.bootstrap`: it hands the statistic resampled *arrays*, so ROC-AUC / PR-AUC would re-sort
every resample — 1000 sklearn `average_precision_score` calls on 12k rows took ~5 s; this path ~0.5 s with
the resamples drawn (shared 2-core machine) — and its BCa default breaks on the degenerate resamples a rare
class produces. The weighted versions
are checked against sklearn with `sample_weight` in `tests/measure/test_quality.py`.

Comparability: the resampled row indices depend only on (seed, number of rows, n_boot), so every candidate
scored on the same test split with the same seed sees the *same* resamples (a paired bootstrap).

The registry is `harness.measure.catalog.METRICS`: each entry names the module whose `FUNCTIONS` dict holds
its `MetricFunction` (a point estimate and its vectorised resampled form); `metric_function(name)` finds it on
first use, so no module registers anything as a side effect of being imported. The table metrics live here;
QA (`harness.measure.qa`), out-of-scope (`harness.measure.oos`) and judged metrics (`harness.measure.judge`)
in their modules. A metric that is a mean of a per-row score is `MetricFunction.per_row_mean(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.measure.catalog import METRICS
from harness.results import MetricValue
from harness.types import TaskKind

CI_LEVEL = 0.95
_CHUNK_CELLS = 3_000_000  # resamples × rows evaluated at once (≈ 24 MB per float64 array)


class MetricUnavailable(Exception):
    """The predictions lack what a metric needs (labels only, no probabilities; no retrieved ids; …).

    Raised by metric functions; `score` leaves such a secondary metric out, and fails only when it is the
    optimizing metric."""


# ---- inputs ------------------------------------------------------------------------------------------------
@dataclass
class Scored:
    """Validated, encoded inputs of one scoring call, plus derived arrays shared by several metrics."""

    task: Task
    y_true: np.ndarray
    labels: np.ndarray | None = None  # predicted class indices
    proba: np.ndarray | None = None  # n × K, rows sum to 1
    values: np.ndarray | None = None  # regression predictions
    extra: dict[str, Any] = field(default_factory=dict)  # QA answers, retrieved ids, …
    oos_index: int | None = None  # the out-of-scope class, when the task has one
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.y_true)

    @property
    def positive_index(self) -> int:
        return 1 if self.task.positive_index is None else self.task.positive_index

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # derived arrays ---------------------------------------------------------------------------------------
    def y_positive(self) -> np.ndarray:
        return self.cached("y_positive", lambda: (self.y_true == self.positive_index).astype(np.float64))

    def positive_score(self) -> np.ndarray:
        return self.need_proba()[:, self.positive_index]

    def need_proba(self) -> np.ndarray:
        if self.proba is None:
            raise MetricUnavailable("needs class probabilities (Predictions.proba)")
        return self.proba

    def need_labels(self) -> np.ndarray:
        if self.labels is None:
            raise MetricUnavailable("needs class labels (Predictions.labels or .proba)")
        return self.labels

    def need_values(self) -> np.ndarray:
        if self.values is None:
            raise MetricUnavailable("needs predicted values (Predictions.values)")
        return self.values


def _prepare(
    task: Task,
    y_true: np.ndarray,
    preds: Predictions,
    threshold: float | None = None,
    oos_index: int | None = None,
) -> Scored:
    y = np.asarray(y_true)
    n = len(y)
    if n == 0:
        raise InputError(
            "test split is empty", where="measure", fix="use a larger test_fraction or more data"
        )
    if len(preds) != n:
        raise ValueError(f"{len(preds)} predictions for {n} test rows")
    if task.kind is TaskKind.QA:
        return Scored(task, y, preds.labels, preds.proba, preds.values, dict(preds.extra))
    if task.kind is TaskKind.REGRESSION:
        values = np.asarray(preds.values, dtype=np.float64) if preds.values is not None else None
        if values is not None and not np.all(np.isfinite(values)):
            raise ValueError("regression predictions contain NaN or infinity")
        return Scored(task, y.astype(np.float64), values=values, extra=dict(preds.extra))
    y = y.astype(np.int64)
    proba = None
    if preds.proba is not None:
        proba = np.asarray(preds.proba, dtype=np.float64)
        if proba.ndim != 2 or proba.shape[1] != max(task.n_classes, 2):
            raise ValueError(f"proba has shape {proba.shape}; expected ({n}, {max(task.n_classes, 2)})")
        sums = proba.sum(axis=1, keepdims=True)
        if not np.all(np.isfinite(proba)) or np.any(proba < 0) or np.any(sums <= 0):
            raise ValueError("proba must be finite, non-negative, with a positive sum per row")
        proba = proba / sums  # float32 softmax rounding would otherwise trip sklearn's sum-to-one check
    labels = np.asarray(preds.labels, dtype=np.int64) if preds.labels is not None else None
    if threshold is not None and proba is not None and task.kind is TaskKind.BINARY:
        positive = 1 if task.positive_index is None else task.positive_index
        labels = np.where(proba[:, positive] >= threshold, positive, 1 - positive)
    elif labels is None and proba is not None:
        labels = proba.argmax(axis=1)
    return Scored(task, y, labels, proba, extra=dict(preds.extra), oos_index=oos_index)


# ---- the metric registry -----------------------------------------------------------------------------------
PointFn = Callable[[Scored], float]
ResampledFn = Callable[
    [Scored, np.ndarray], np.ndarray
]  # (inputs, counts B × n) -> B values, NaN = undefined


@dataclass(frozen=True)
class MetricFunction:
    """How to compute one catalog metric: on the test set, and on a chunk of bootstrap resamples."""

    point: PointFn
    resampled: ResampledFn

    @classmethod
    def per_row_mean(cls, per_row: Callable[[Scored], np.ndarray]) -> MetricFunction:
        """A metric that is the mean of a per-row score (exact match, ROUGE-L, recall@k, …)."""

        def point(s: Scored) -> float:
            return float(np.mean(per_row(s)))

        def resampled(s: Scored, counts: np.ndarray) -> np.ndarray:
            rows = s.cached(f"per_row:{id(per_row)}", lambda: np.asarray(per_row(s), dtype=np.float64))
            return counts @ rows / counts.sum(axis=1)

        return cls(point, resampled)


# classification: sklearn for the point estimate ------------------------------------------------------------
def _sk_roc_auc(s: Scored) -> float:
    from sklearn.metrics import roc_auc_score

    if s.task.kind is TaskKind.BINARY:
        return float(roc_auc_score(s.y_positive(), s.positive_score()))
    # one-vs-rest, macro: sklearn's multi_class="ovr" average, restricted to classes present in y_true
    proba = s.need_proba()
    aucs = [roc_auc_score(s.y_true == k, proba[:, k]) for k in _classes_with_both(s)]
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
def _classes_with_both(s: Scored) -> list[int]:
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
        for k in _classes_with_both(s)
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


def metric_function(name: str) -> MetricFunction:
    """The registered computation of a catalog metric (KeyError when it has none)."""
    import importlib

    info = METRICS[name]
    functions: dict[str, MetricFunction] = importlib.import_module(info.module).FUNCTIONS
    return functions[name]


class _Registry(Mapping[str, MetricFunction]):
    """Every catalog metric with a computation, read through the catalog (nothing registers on import)."""

    def __getitem__(self, name: str) -> MetricFunction:
        if name not in METRICS:
            raise KeyError(name)
        return metric_function(name)

    def __iter__(self) -> Iterator[str]:
        return iter(METRICS)

    def __len__(self) -> int:
        return len(METRICS)


METRIC_FUNCTIONS: Mapping[str, MetricFunction] = _Registry()


# ---- bootstrap ---------------------------------------------------------------------------------------------
def bootstrap_counts(n_rows: int, n_boot: int, seed: int) -> list[np.ndarray]:
    """The resamples as count matrices (chunks of B × n_rows, float64), identical for identical
    (n_rows, n_boot, seed): candidates scored on one test split share them."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, min(n_boot, _CHUNK_CELLS // max(n_rows, 1)))
    chunks = []
    done = 0
    while done < n_boot:
        b = min(per_chunk, n_boot - done)
        idx = rng.integers(0, n_rows, size=(b, n_rows))
        flat = (idx + (np.arange(b) * n_rows)[:, None]).ravel()
        chunks.append(np.bincount(flat, minlength=b * n_rows).reshape(b, n_rows).astype(np.float64))
        done += b
    return chunks


def _check_defined(name: str, s: Scored) -> None:
    """Metrics that need both classes on the test set: say so instead of letting sklearn raise."""
    if name in ("roc_auc", "pr_auc"):
        one_class = (
            int(s.y_positive().sum()) in (0, s.n)
            if s.task.kind is TaskKind.BINARY
            else not _classes_with_both(s)
        )
        if one_class:
            raise InputError(
                f"{METRICS[name].label} is undefined: the test split has only one class",
                where="test split",
                fix="use more data, a larger test_fraction, or a stratified split",
            )


def score(
    task: Task,
    y_true: np.ndarray,
    preds: Predictions,
    metrics: Sequence[str],
    *,
    seed: int,
    n_boot: int = 1000,
    optimizing: str | None = None,
    threshold: float | None = None,
    oos_index: int | None = None,
) -> dict[str, MetricValue]:
    """Each metric's value on the test set with a percentile-bootstrap 95% CI (`n_boot=0`: no CI).

    `threshold` (binary, with probabilities): labels are "positive score ≥ threshold" — a threshold chosen on
    dev (`harness.measure.threshold`) instead of the model's own 0.5. `oos_index`: the out-of-scope class, for
    the out-of-scope metrics.

    The optimizing metric is always included (first). A secondary metric the predictions cannot support
    (`MetricUnavailable`, e.g. labels without probabilities) is left out; for the optimizing metric that is a
    `ValueError` naming what is missing. Resamples where a metric is undefined (e.g. no positive row drawn)
    are left out of its interval; if fewer than half remain, the interval is omitted.
    """
    names = list(dict.fromkeys([*([optimizing] if optimizing else []), *metrics]))
    for name in names:
        if name not in METRICS:
            raise InputError(
                f"unknown metric {name!r}", where="metric", fix=f"use one of: {', '.join(METRICS)}"
            )
        if task.kind not in METRICS[name].tasks:
            raise InputError(f"metric {name!r} does not apply to a {task.kind} task", where="metric")
    functions = {name: metric_function(name) for name in names}
    s = _prepare(task, y_true, preds, threshold, oos_index)
    points: dict[str, float] = {}
    for name in names:
        try:
            _check_defined(name, s)
            points[name] = functions[name].point(s)
        except MetricUnavailable as exc:
            if name == optimizing:
                raise ValueError(f"cannot compute {METRICS[name].label}: it {exc}") from None
    names = [name for name in names if name in points]

    resampled: dict[str, list[np.ndarray]] = {name: [] for name in names}
    if n_boot > 0:
        for counts in bootstrap_counts(s.n, n_boot, seed):
            for name in names:
                resampled[name].append(functions[name].resampled(s, counts))

    out: dict[str, MetricValue] = {}
    tail = (1 - CI_LEVEL) / 2 * 100
    for name in names:
        low = high = None
        if n_boot > 0:
            values = np.concatenate(resampled[name])
            values = values[np.isfinite(values)]
            if len(values) >= n_boot / 2:
                low, high = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
        out[name] = MetricValue(
            name=name,
            value=points[name],
            ci_low=low,
            ci_high=high,
            greater_is_better=METRICS[name].greater_is_better,
            resamples=as_resamples(resampled[name]) if name == optimizing and n_boot > 0 else None,
        )
    return out


def as_resamples(chunks: list[np.ndarray]) -> list[float | None]:
    """Resampled values for the record: rounded, NaN (undefined on that resample) as None."""
    values = np.concatenate(chunks) if chunks else np.zeros(0)
    return [round(float(v), 8) if np.isfinite(v) else None for v in values]
