"""Bagged trees: a random forest or extra-trees ensemble (scikit-learn), the robust default on small tables.

Reads the same encoded matrix as the boosted trees (`TabularEncoder.for_trees`: float32 numerics with NaN for
missing — scikit-learn's forests route missing values natively — then category codes as ordinals). No early
stopping: a forest does not overfit by adding trees, so the tree count is fixed and the search tunes how
random and how deep each tree is.

Serving: one thread for small batches (joblib's pool costs more than one row's prediction), every core for
large ones.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.dataset import Predictions, Split
from harness.threads import SMALL_BATCH_ROWS, training_threads
from harness.types import Family, TaskKind


class RandomForestCandidate(TabularCandidate):
    """`RandomForest*` or `ExtraTrees*` (the `randomised` switch), fixed tree count, tuned randomness."""

    name: ClassVar[str] = "random-forest"
    family: ClassVar[Family] = Family.FOREST
    skills: ClassVar[tuple[str, ...]] = ("sklearn",)
    interpretable: ClassVar[bool] = True  # per-feature impurity importances
    complexity: ClassVar[int] = 2

    def __init__(
        self,
        *,
        seed: int = 0,
        n_estimators: int = 100,
        max_features: float = 0.5,
        min_samples_leaf: int = 1,
        randomised: bool = False,
        train_threads: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.randomised = randomised
        self.train_threads = train_threads

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        """How random and how deep each tree is; the tree count stays fixed (more trees never hurt)."""
        return {
            "max_features": trial.suggest_float("max_features", 0.1, 1.0),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True),
            "randomised": trial.suggest_categorical("randomised", [False, True]),
        }

    def fit(self, train: Split, dev: Split) -> Self:
        from sklearn import ensemble

        self._start_fit(train, dev)
        encoder = self._fit_encoder(train)
        X = encoder.for_trees(train.X)
        classification = self.kind_.is_classification
        cls = {
            (False, True): ensemble.RandomForestClassifier,
            (True, True): ensemble.ExtraTreesClassifier,
            (False, False): ensemble.RandomForestRegressor,
            (True, False): ensemble.ExtraTreesRegressor,
        }[(self.randomised, classification)]
        self.model_ = cls(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            n_jobs=self.train_threads or training_threads(),
            random_state=self.seed,
        )
        self._tick(0.1, f"growing {self.n_estimators} trees")
        self.model_.fit(X, train.y.astype(np.int64) if classification else train.y)
        self._tick(1.0, "done")
        return self

    def refit_params(self, share: float) -> dict[str, Any]:
        """Nothing to fix for the final refit on train + dev: a forest has no early stopping."""
        return {}

    def predict(self, batch: pl.DataFrame) -> Predictions:
        X = self.encoder_.for_trees(batch)
        self.model_.n_jobs = 1 if len(X) < SMALL_BATCH_ROWS else training_threads()
        if self.kind_.is_classification:
            proba = np.asarray(self.model_.predict_proba(X), dtype=np.float64)
            n_classes = 2 if self.kind_ is TaskKind.BINARY else self.n_classes_
            if proba.shape[1] != n_classes:  # a class absent from train gets probability 0
                full = np.zeros((len(X), n_classes))
                full[:, self.model_.classes_.astype(np.int64)] = proba
                proba = full
            return self._classification(proba)
        return Predictions(values=np.asarray(self.model_.predict(X), dtype=np.float64))

    def size_bytes(self) -> int:
        return pickled_size_bytes(self.model_) + pickled_size_bytes(self.encoder_)

    def details(self) -> dict[str, Any]:
        importances = self.model_.feature_importances_
        names = self.encoder_.feature_names
        top = sorted(zip(names, importances.tolist(), strict=True), key=lambda t: -t[1])[:5]
        return {
            "kind": "extra trees" if self.randomised else "random forest",
            "n_estimators": self.n_estimators,
            "top_features_by_impurity": {n: round(v, 4) for n, v in top if v > 0},
        }
