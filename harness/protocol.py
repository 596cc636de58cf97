"""The evaluation protocol, fixed before anything trains and recorded with the run.

Three kinds of rows, each with one job:
- **test** (a held-out split, or the team's golden file `data.test_path`): scored once per candidate, at the
  end; the decision's paired statistics are computed on it. Never trained, tuned or early-stopped on.
- **dev**: early stopping (boosting rounds, epochs) for every fit, in tuning and in the final fit alike.
- **train**: the final fit, and K cross-validation folds (stratified / grouped / time-ordered as the split is)
  on which every family's hyperparameters are searched and on which families are compared for selection
  (the corrected resampled t-test). Folds are sized to the data: K=5 below 10k training rows, 3 below 100k,
  and a single dev-split score above (configurable: `[candidates] cv_folds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.dataset import Split
from harness.spec import DecisionSpec

FOLDS_SMALL, FOLDS_MEDIUM = 5, 3
SMALL_ROWS, MEDIUM_ROWS = 10_000, 100_000
TUNING_S_SMALL, TUNING_S_LARGE = 30.0, 20.0  # default search seconds per family, below / above TUNING_ROWS
TUNING_ROWS = 20_000


@dataclass(frozen=True)
class EvaluationProtocol:
    strategy: str  # stratified | random | group | time
    test: str  # "golden file test.csv" | "held-out split"
    n_train: int
    n_dev: int
    n_test: int
    cv_folds: int  # 1 = no cross-validation: tuning and selection score on dev
    tuning_trials: int
    tuning_time_s: float
    seeds: tuple[int, ...]
    n_boot: int = 1000
    alpha: float = 0.05

    def describe(self) -> list[str]:
        """The protocol as bullet sentences (run log, ADR)."""
        folds = (
            f"{self.cv_folds}-fold {self.strategy} cross-validation on the {self.n_train:,} training rows"
            if self.cv_folds > 1
            else f"the {self.n_dev:,}-row dev split (no cross-validation at this size)"
        )
        seeds = (
            f"seed {self.seeds[0]}" if len(self.seeds) == 1 else f"{len(self.seeds)} seeds ({self.seeds[0]}…)"
        )
        return [
            f"test: {self.test}, {self.n_test:,} rows, scored once per candidate after all tuning",
            f"tuning and selection: {folds}; early stopping on the {self.n_dev:,}-row dev split",
            f"search: up to {self.tuning_trials} Optuna TPE trials or {self.tuning_time_s:g} s per tunable "
            f"family, whichever comes first; trial 0 is the family's defaults; {seeds}",
            f"statistics: paired bootstrap ({self.n_boot:,} resamples of the test rows, shared by every "
            f"candidate) with Holm-corrected p-values at α = {self.alpha:g}; the corrected resampled t-test "
            "(Nadeau & Bengio) across folds",
        ]


def fix_protocol(spec: DecisionSpec, splits: object, *, golden: str | None = None) -> EvaluationProtocol:
    """The protocol for this spec and these splits (`splits` has train/dev/test `Split`s and `strategy`)."""
    train, dev, test = splits.train, splits.dev, splits.test  # type: ignore[attr-defined]
    n_train = len(train)
    folds = spec.candidates.cv_folds
    if folds is None:
        folds = FOLDS_SMALL if n_train < SMALL_ROWS else FOLDS_MEDIUM if n_train < MEDIUM_ROWS else 1
    folds = max(1, min(folds, n_train // 2))
    return EvaluationProtocol(
        strategy=str(splits.strategy),  # type: ignore[attr-defined]
        test=f"the golden file {golden}" if golden else "a held-out split",
        n_train=n_train,
        n_dev=len(dev),
        n_test=len(test),
        cv_folds=folds,
        tuning_trials=spec.candidates.tuning_trials,
        tuning_time_s=spec.candidates.tuning_time_s
        or (TUNING_S_SMALL if n_train < TUNING_ROWS else TUNING_S_LARGE),
        seeds=tuple(spec.seed + i for i in range(spec.seeds)),
    )


def cv_folds(train: Split, protocol: EvaluationProtocol, *, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, scored rows) index pairs into `train`, following the split strategy: stratified on the
    label, grouped (no group on both sides), or time-ordered (always fit on the past, score on the future)."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

    k = protocol.cv_folds
    if k < 2:
        return []
    index = np.arange(len(train))
    strategy = protocol.strategy
    if strategy == "group" and "groups" in train.extra:
        groups = np.asarray(train.extra["groups"])
        k = min(k, len(np.unique(groups)))
        return [
            (a, b)
            for a, b in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(index, groups=groups)
        ]
    if strategy == "time":
        order = (
            np.argsort(np.asarray(train.extra["times"]), kind="stable") if "times" in train.extra else index
        )
        return [(order[a], order[b]) for a, b in TimeSeriesSplit(n_splits=k).split(order)]
    if strategy == "stratified" and train.task.is_classification:
        counts = np.bincount(np.asarray(train.y, dtype=np.int64))
        if counts[counts > 0].min() >= k:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            return list(splitter.split(index, train.y))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(index))


def subset(split: Split, rows: np.ndarray, name: str) -> Split:
    """The rows `rows` of `split` as a new `Split` (extra arrays sliced alike)."""
    extra = {
        key: (value[rows] if isinstance(value, np.ndarray) and len(value) == len(split) else value)
        for key, value in split.extra.items()
    }
    return Split(name=name, task=split.task, X=split.X[rows], y=split.y[rows], extra=extra)


def merge(a: Split, b: Split, name: str) -> Split:
    """Two splits as one (rows of `a`, then `b`): the final refit on every non-test labelled row."""
    extra = {
        key: np.concatenate([value, b.extra[key]])
        for key, value in a.extra.items()
        if isinstance(value, np.ndarray) and isinstance(b.extra.get(key), np.ndarray)
    }
    X = pl.concat([a.X, b.X], how="vertical_relaxed")
    return Split(name=name, task=a.task, X=X, y=np.concatenate([a.y, b.y]), extra=extra)
