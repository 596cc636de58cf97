"""What the evidence steps read: the fitted models and their predictions, kept by the runner until the
evidence is measured, plus small helpers to score a subset of rows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.dataset import Predictions, Split, Task
from harness.measure.catalog import METRICS
from harness.results import Decision, Measurement, MetricValue
from harness.spec import DecisionSpec


@dataclass
class EvidenceContext:
    spec: DecisionSpec
    metric: str
    train: Split
    dev: Split
    test: Split
    decision: Decision
    measurements: dict[str, Measurement]
    models: dict[str, Any]  # the fitted models that were scored on test (train + dev refit where done)
    dev_models: dict[str, Any]  # the same configuration fitted on train only: dev is unseen by them
    test_preds: dict[str, Predictions]
    dev_preds: dict[str, Predictions] = field(default_factory=dict)
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None
    strategy: str = "stratified"  # how test was split off: time | group | stratified | random
    seed: int = 0
    deadline: float = float("inf")  # time.monotonic() value; steps past it are skipped and say so

    @property
    def task(self) -> Task:
        return self.test.task

    @property
    def greater_is_better(self) -> bool:
        return METRICS[self.metric].greater_is_better

    @property
    def chosen(self) -> str | None:
        """Whose failure modes and monitoring the ADR describes: the recommendation, else the leader."""
        d = self.decision
        for name in (d.recommended, d.leader, d.best_baseline):
            if name and name in self.models:
                return name
        return None

    @property
    def best_model(self) -> str | None:
        """The model whose lift the leak check explains: the recommendation unless that is a baseline, else
        the best-ranked non-baseline candidate (a baseline has no lift over itself to explain)."""
        from harness.types import Family

        d = self.decision
        non_baseline = [
            v.candidate
            for v in sorted(d.verdicts, key=lambda v: v.rank if v.rank is not None else 999)
            if v.family is not Family.BASELINE and v.candidate in self.dev_models
        ]
        if d.recommended in non_baseline:
            return d.recommended
        return non_baseline[0] if non_baseline else None

    @property
    def baseline(self) -> str | None:
        name = self.decision.best_baseline
        return name if name in self.test_preds else None

    def ranked(self) -> list[str]:
        """Candidates with test predictions, recommended first, then by rank, baselines last."""
        order = {v.candidate: (v.rank if v.rank is not None else 999) for v in self.decision.verdicts}
        names = [n for n in self.test_preds]
        chosen = self.chosen
        return sorted(names, key=lambda n: (n != chosen, n == self.baseline, order.get(n, 999), n))

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


def take(preds: Predictions, rows: np.ndarray) -> Predictions:
    """The predictions of `rows` only (arrays in `extra` sliced alike)."""

    def cut(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else np.asarray(a)[rows]

    n = len(preds)
    extra = {
        k: (np.asarray(v)[rows] if isinstance(v, np.ndarray) and len(v) == n else v)
        for k, v in preds.extra.items()
    }
    return Predictions(
        labels=cut(preds.labels), proba=cut(preds.proba), values=cut(preds.values), extra=extra
    )


def metric_on(
    task: Task, y: np.ndarray, preds: Predictions, metric: str, *, seed: int, n_boot: int = 0
) -> MetricValue | None:
    """The metric on these rows (with resamples when `n_boot`); None where it is undefined there."""
    from harness.errors import InputError
    from harness.measure.quality import score

    try:
        return score(task, y, preds, [], seed=seed, n_boot=n_boot, optimizing=metric)[metric]
    except (ValueError, InputError, ZeroDivisionError):
        return None


def advantage(value: float, reference: float, greater_is_better: bool) -> float:
    """How much better `value` is than `reference` in the metric's direction."""
    return value - reference if greater_is_better else reference - value
