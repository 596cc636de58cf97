"""The baselines every decision is measured against: the zero rule and the best single-feature rule.

A model that cannot beat these is not worth its serving cost; a single feature that nearly matches a GBT is
either the whole story or a leak (the audit reuses `score_single_features` for its leakage check).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.candidates.base import BaseCandidate
from harness.data.preprocess import TabularEncoder, tabular_columns
from harness.dataset import Predictions, Split, Task
from harness.errors import InputError
from harness.types import Family, TaskKind


class ZeroRule(BaseCandidate):
    """Majority class with the class priors as probabilities, or the train mean. Uses no feature at all,
    so it applies to every classification or regression task (text-only ones included)."""

    name: ClassVar[str] = "zero-rule"
    family: ClassVar[Family] = Family.BASELINE
    skills: ClassVar[tuple[str, ...]] = ()
    interpretable: ClassVar[bool] = True
    complexity: ClassVar[int] = 1

    def fit(self, train: Split, dev: Split) -> Self:
        self._tick(0.0, "counting the target")
        if len(train.y) == 0:
            raise InputError("train split is empty", where="candidate zero-rule", fix="give it training rows")
        self.kind_ = train.task.kind
        if self.kind_.is_classification:
            n_classes = 2 if self.kind_ is TaskKind.BINARY else train.task.n_classes or int(train.y.max()) + 1
            counts = np.bincount(train.y.astype(np.int64), minlength=n_classes).astype(np.float64)
            self.prior_ = counts / counts.sum()
        else:
            self.mean_ = float(np.mean(train.y))
        self._tick(1.0, "done")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        n = batch.height
        if self.kind_.is_classification:
            proba = np.tile(self.prior_, (n, 1))
            return Predictions(labels=np.full(n, int(self.prior_.argmax())), proba=proba)
        return Predictions(values=np.full(n, self.mean_))

    def size_bytes(self) -> int:
        return pickled_size_bytes(self.prior_ if self.kind_.is_classification else self.mean_)

    def details(self) -> dict[str, Any]:
        if self.kind_.is_classification:
            return {"class_prior": [round(float(p), 6) for p in self.prior_]}
        return {"train_mean": self.mean_}


# ---- one-feature lookup tables ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureScore:
    """Dev (or held-out) score of a lookup table over one feature. Unset metrics do not apply or are undefined
    (ROC-AUC needs every class present)."""

    column: str
    column_kind: str  # numeric | categorical
    n_bins: int
    roc_auc: float | None = None
    log_loss: float | None = None
    rmse: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _numeric_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Inner quantile edges of the non-missing train values (duplicates dropped: ties make fewer bins)."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return np.zeros(0)
    return np.unique(np.quantile(present, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))


def _numeric_bins(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index 0..len(edges) by value; missing values get their own last bin, len(edges) + 1."""
    bins = np.searchsorted(edges, values, side="right")
    bins[np.isnan(values)] = len(edges) + 1
    return bins


def _fit_table(bins: np.ndarray, y: np.ndarray, n_bins: int, n_classes: int, smoothing: float) -> np.ndarray:
    """Per-bin class distribution (n_bins × K) or mean (n_bins), shrunk toward the train prior by `smoothing`
    pseudo-rows so a bin seen a handful of times (or never) falls back to the prior instead of 0 or 1."""
    sizes = np.bincount(bins, minlength=n_bins).astype(np.float64)
    if n_classes:
        counts = np.bincount(bins * n_classes + y.astype(np.int64), minlength=n_bins * n_classes)
        counts = counts.reshape(n_bins, n_classes).astype(np.float64)
        prior = counts.sum(axis=0) / counts.sum()
        return (counts + smoothing * prior) / (sizes[:, None] + smoothing)
    sums = np.bincount(bins, weights=y.astype(np.float64), minlength=n_bins)
    return (sums + smoothing * float(np.mean(y))) / (sizes + smoothing)


def _score(table_out: np.ndarray, y: np.ndarray, n_classes: int) -> dict[str, float | None]:
    # one call per column: sklearn's values without its per-call validation where that dominates (wide tables)
    from sklearn.metrics import roc_auc_score, root_mean_squared_error

    from harness.measure.fast import binary_auc, log_loss

    if not n_classes:
        return {"rmse": float(root_mean_squared_error(y, table_out))}
    labels = list(range(n_classes))
    scores: dict[str, float | None] = {"log_loss": log_loss(y, table_out)}
    present = np.unique(y)
    try:
        if n_classes == 2:
            scores["roc_auc"] = binary_auc(y, table_out[:, 1]) if present.size == 2 else None
        else:
            scores["roc_auc"] = float(roc_auc_score(y, table_out, multi_class="ovr", labels=labels))
    except ValueError:  # a class absent from the scored rows: ROC-AUC is undefined there
        scores["roc_auc"] = None
    return scores


def score_single_features(
    train: Split, evaluate: Split, *, n_bins: int = 10, smoothing: float = 10.0
) -> list[FeatureScore]:
    """Fit a one-feature lookup table per tabular feature on `train` and score it on `evaluate`.

    Classification: log loss and ROC-AUC (binary: of the positive class; multiclass: one-vs-rest macro).
    Regression: RMSE. Returned in column order. The audit's leakage check uses the ROC-AUC per column.
    """
    task = train.task
    n_classes = _n_classes(task, train.y)
    encoder = _fit_encoder(task, train.X)
    train_numeric, eval_numeric = encoder.numeric(train.X), encoder.numeric(evaluate.X)
    train_codes, eval_codes = encoder.codes(train.X), encoder.codes(evaluate.X)
    scores: list[FeatureScore] = []
    for j, column in enumerate(encoder.numeric_columns):
        edges = _numeric_edges(train_numeric[:, j], n_bins)
        size = len(edges) + 2
        table = _fit_table(_numeric_bins(train_numeric[:, j], edges), train.y, size, n_classes, smoothing)
        out = table[_numeric_bins(eval_numeric[:, j], edges)]
        scores.append(FeatureScore(column, "numeric", size, **_score(out, evaluate.y, n_classes)))
    for j, column in enumerate(encoder.categorical_columns):
        size = int(encoder.n_categories_[j])
        table = _fit_table(train_codes[:, j], train.y, size, n_classes, smoothing)
        out = table[eval_codes[:, j]]
        scores.append(FeatureScore(column, "categorical", size, **_score(out, evaluate.y, n_classes)))
    return scores


def _n_classes(task: Task, y: np.ndarray) -> int:
    if task.kind is TaskKind.BINARY:
        return 2
    if task.kind is TaskKind.MULTICLASS:
        return task.n_classes or int(np.max(y)) + 1
    return 0


def _fit_encoder(task: Task, X: pl.DataFrame) -> TabularEncoder:
    numeric, categorical = tabular_columns(task, X)
    return TabularEncoder(numeric, categorical).fit(X)


def _selection_key(score: FeatureScore) -> float:
    """Lower is better. Log loss for classification: a proper score, defined for any number of classes and
    even when the dev split lacks a class (ROC-AUC is not); RMSE for regression."""
    return score.rmse if score.rmse is not None else score.log_loss  # type: ignore[return-value]


class SingleFeatureRule(TabularCandidate):
    """The best one-feature model: a lookup table over quantile bins (numeric) or categories, smoothed toward
    the prior, for the feature with the best dev score. Serving reads that one column only."""

    name: ClassVar[str] = "single-feature-rule"
    family: ClassVar[Family] = Family.BASELINE
    skills: ClassVar[tuple[str, ...]] = ()
    interpretable: ClassVar[bool] = True
    complexity: ClassVar[int] = 1

    def __init__(self, *, seed: int = 0, n_bins: int = 10, smoothing: float = 10.0) -> None:
        super().__init__(seed=seed)
        self.n_bins = n_bins
        self.smoothing = smoothing

    def fit(self, train: Split, dev: Split) -> Self:
        self._start_fit(train, dev)
        scores = score_single_features(train, dev, n_bins=self.n_bins, smoothing=self.smoothing)
        self._tick(0.8, f"scored {len(scores)} features on dev")
        ranked = sorted(scores, key=_selection_key)
        best = ranked[0]
        self.feature_ = best.column
        self.score_ = best
        self.runner_up_ = ranked[1] if len(ranked) > 1 else None

        # Refit the chosen feature alone: serving needs one column's encoder and one table, nothing else.
        numeric = (best.column,) if best.column_kind == "numeric" else ()
        categorical = (best.column,) if best.column_kind == "categorical" else ()
        self.encoder_ = TabularEncoder(numeric, categorical).fit(train.X)  # reads that column only
        if numeric:
            values = self.encoder_.numeric(train.X)[:, 0]
            self.edges_: np.ndarray | None = _numeric_edges(values, self.n_bins)
            bins, size = _numeric_bins(values, self.edges_), len(self.edges_) + 2
        else:
            self.edges_ = None
            bins, size = self.encoder_.codes(train.X)[:, 0], int(self.encoder_.n_categories_[0])
        self.table_ = _fit_table(bins, train.y, size, self.n_classes_, self.smoothing)
        self._tick(1.0, f"chose {best.column!r}")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        if self.edges_ is not None:
            bins = _numeric_bins(self.encoder_.numeric(batch)[:, 0], self.edges_)
        else:
            bins = np.asarray(self.encoder_.column_codes(batch, 0, self.feature_), dtype=np.int64)
        out = self.table_[bins]
        if self.n_classes_:
            return self._classification(out)
        return Predictions(values=out)

    def size_bytes(self) -> int:
        return pickled_size_bytes((self.encoder_, self.edges_, self.table_))

    def details(self) -> dict[str, Any]:
        sc = self.score_
        bins = f"{sc.n_bins} quantile bins" if sc.column_kind == "numeric" else f"its {sc.n_bins} categories"
        target = "the class rates" if self.kind_.is_classification else "the mean target"
        facts: dict[str, Any] = {
            "feature": self.feature_,
            "rule": f"a lookup table over `{self.feature_}` ({bins}) giving {target} seen in training",
            "dev_score": sc.as_dict(),
        }
        if self.runner_up_ is not None:
            facts["runner_up"] = self.runner_up_.as_dict()
        return facts
