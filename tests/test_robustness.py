"""Robustness (harness.evidence.robustness): a model that cannot take missing fields is reported as failing
that perturbation, and a declared directional expectation catches a score that moves the wrong way."""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.dataset import Predictions, Split, Task
from harness.evidence.context import EvidenceContext
from harness.evidence.robustness import measure_robustness
from harness.results import Decision, Measurement
from harness.spec import spec_from_dict
from harness.types import Family, TaskKind

TASK = Task(
    kind=TaskKind.BINARY,
    target="y",
    feature_columns=("amount", "shop"),
    numeric_columns=("amount",),
    categorical_columns=("shop",),
    classes=(0, 1),
    positive_index=1,
)


class FallsWithAmount:
    """Scores fraud *down* as the amount rises, and cannot take a missing amount."""

    name = "falls"

    def predict(self, X: pl.DataFrame) -> Predictions:
        amount = X.get_column("amount")
        if amount.null_count():
            raise ValueError("amount has missing values")
        p = 1 / (1 + np.exp(amount.to_numpy() / 50.0 - 1))
        return Predictions(labels=(p >= 0.5).astype(int), proba=np.column_stack([1 - p, p]))


def _split(name: str, n: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 40.0, n)
    y = (rng.random(n) < 1 / (1 + np.exp(amount / 50.0 - 1))).astype(int)
    X = pl.DataFrame({"amount": amount, "shop": rng.choice(["a", "b", "c"], n)})
    return Split(name, TASK, X, y)


def test_a_model_that_fails_on_missing_fields_and_moves_the_wrong_way_is_reported() -> None:
    spec = spec_from_dict(
        {
            "title": "Robustness",
            "data": {"path": "d.csv", "target": "y"},
            "evidence": {"directional": {"amount": "increasing"}},
        }
    )
    model = FallsWithAmount()
    test = _split("test", 600, 3)
    m = Measurement(candidate="falls", family=Family.LINEAR)
    ctx = EvidenceContext(
        spec=spec,
        metric="roc_auc",
        train=_split("train", 600, 1),
        dev=_split("dev", 200, 2),
        test=test,
        decision=Decision(
            metric="roc_auc", recommended="falls", justified=True, best_baseline=None, because="", verdicts=[]
        ),
        measurements={"falls": m},
        models={"falls": model},
        dev_models={"falls": model},
        test_preds={"falls": model.predict(test.X)},
    )
    results, why = measure_robustness(ctx, budget_s=60)
    assert why is None
    by = {p.name: p for p in results[0].perturbations}
    assert "predict failed" in by["fields missing"].detail and by["fields missing"].score is None
    assert by["numeric noise"].drop is not None and by["numeric noise"].changed is not None
    assert by["unseen categories"].drop == 0.0  # the model ignores the shop
    directional = by["amount up → score not down"]
    assert directional.violations == 1.0  # every row's score fell when its amount rose
