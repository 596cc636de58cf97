"""The linear family: logistic regression (classification) or ridge regression, the model a statistician tries
first. Numerics are median-imputed and standardised with missing indicators, categoricals one-hot encoded
(rare and unseen values share one "unknown" column), all fit on train only (`TabularEncoder.for_net`).

The one-hot block is built directly as a sparse matrix from the category codes (offset per column), so a
request of one row costs a few array operations, not a scikit-learn pipeline's per-step validation.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.dataset import Predictions, Split, Task
from harness.types import Family, TaskKind


class LinearCandidate(TabularCandidate):
    """`LogisticRegression` (lbfgs, L2) or `Ridge` on standardised numerics + one-hot categoricals."""

    name: ClassVar[str] = "linear"
    family: ClassVar[Family] = Family.LINEAR
    skills: ClassVar[tuple[str, ...]] = ("sklearn",)
    interpretable: ClassVar[bool] = True  # one coefficient per standardised feature / category
    complexity: ClassVar[int] = 1

    def __init__(self, *, seed: int = 0, C: float = 1.0, alpha: float = 1.0, max_iter: int = 2000) -> None:
        super().__init__(seed=seed)
        self.C = C  # inverse L2 strength (classification)
        self.alpha = alpha  # L2 strength (regression)
        self.max_iter = max_iter

    @staticmethod
    def search_space(trial: Any, task: Task | None = None) -> dict[str, Any]:
        """The regularisation strength on a log scale: C for logistic regression, alpha for ridge."""
        if task is not None and not task.is_classification:
            return {"alpha": trial.suggest_float("alpha", 1e-3, 1e4, log=True)}
        return {"C": trial.suggest_float("C", 1e-4, 1e3, log=True)}

    def fit(self, train: Split, dev: Split) -> Self:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression, Ridge

        self._start_fit(train, dev)
        encoder = self._fit_encoder(train)
        self.offsets_ = np.concatenate([[0], np.cumsum(encoder.n_categories_)[:-1]]).astype(np.int64)
        self.n_onehot_ = int(encoder.n_categories_.sum())
        X = self._design(train.X)
        self._tick(0.2, "solving")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            if self.kind_.is_classification:
                self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
                self.model_.fit(X, train.y.astype(np.int64))
            else:
                self.model_ = Ridge(alpha=self.alpha, random_state=self.seed)
                self.model_.fit(X, np.asarray(train.y, dtype=np.float64))
        self.converged_ = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        self._tick(1.0, "done")
        return self

    def refit_params(self, share: float) -> dict[str, Any]:
        """Nothing to fix for the final refit on train + dev: no early stopping."""
        return {}

    def _design(self, batch: pl.DataFrame) -> Any:
        """[standardised numerics + missing indicators | one-hot categories] as a CSR matrix."""
        from scipy import sparse

        dense, codes = self.encoder_.for_net(batch)
        n = batch.height
        if not self.n_onehot_:
            return dense
        cols = (codes + self.offsets_[None, :]).ravel()
        rows = np.repeat(np.arange(n), codes.shape[1])
        onehot = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n, self.n_onehot_))
        return sparse.hstack([sparse.csr_matrix(dense), onehot], format="csr")

    def predict(self, batch: pl.DataFrame) -> Predictions:
        X = self._design(batch)
        if self.kind_.is_classification:
            proba = self.model_.predict_proba(X)
            if self.kind_ is TaskKind.MULTICLASS and proba.shape[1] != self.n_classes_:
                full = np.zeros((proba.shape[0], self.n_classes_))
                full[:, self.model_.classes_] = proba  # a class absent from train gets probability 0
                proba = full
            return self._classification(np.asarray(proba, dtype=np.float64))
        return Predictions(values=np.asarray(self.model_.predict(X), dtype=np.float64))

    def size_bytes(self) -> int:
        return pickled_size_bytes(self.model_) + pickled_size_bytes(self.encoder_)

    def details(self) -> dict[str, Any]:
        coef = np.atleast_2d(self.model_.coef_)
        names = [f"{c}" for c in self.encoder_.numeric_columns]
        strength = np.abs(coef[:, : len(names)]).max(axis=0) if names else np.zeros(0)
        top = sorted(zip(names, strength.tolist(), strict=True), key=lambda t: -t[1])[:5]
        return {
            "regularisation": {"C": self.C} if self.kind_.is_classification else {"alpha": self.alpha},
            "converged": self.converged_,
            "n_features": int(coef.shape[1]),
            "top_numeric_coefficients": {n: round(v, 4) for n, v in top},
        }
