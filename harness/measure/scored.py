"""What a metric is computed from (`Scored`: a scoring call's validated, encoded inputs and the arrays several
metrics share) and what a metric is (`MetricFunction`: a point estimate and its vectorised bootstrap form).
Every metric module — tables, QA, out of scope, judged — builds on these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.types import TaskKind


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


def prepare(
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


# ---- what a metric is --------------------------------------------------------------------------------------
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
