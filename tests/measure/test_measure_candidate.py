"""measure_candidate on a tiny fake candidate: every field of the Measurement is filled from real timings."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import polars as pl

from harness.dataset import Predictions, Split, Task
from harness.measure import measure_candidate
from harness.measure.measurement import concat_predictions
from harness.spec import spec_from_dict
from harness.types import Family, TaskKind


class ThresholdRule:
    """P(positive) = x, clipped: a real (if trivial) model of the planted signal."""

    name = "threshold-rule"
    family = Family.BASELINE
    skills: ClassVar[tuple[str, ...]] = ("sklearn",)
    interpretable = True
    complexity = 1
    requires_gpu = False

    def predict(self, batch: pl.DataFrame) -> Predictions:
        p1 = np.clip(batch["x"].to_numpy(), 0.0, 1.0)
        return Predictions(labels=(p1 > 0.5).astype(int), proba=np.c_[1 - p1, p1], extra={"k": 3})

    def size_bytes(self) -> int:
        return 64

    def details(self) -> dict:
        return {"threshold": 0.5}


def _test_split(n: int = 5000) -> Split:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.3).astype(int)
    x = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1)
    task = Task(TaskKind.BINARY, "y", ("x",), numeric_columns=("x",), classes=(0, 1), positive_index=1)
    return Split("test", task, pl.DataFrame({"x": x}), y)


def test_measure_candidate_fills_the_measurement():
    spec = spec_from_dict(
        {
            "title": "Fraud model",
            "data": {"path": "d.csv", "target": "y"},
            "constraints": {"hardware_usd_per_hour": 3.6},
        }
    )
    progress: list[float] = []
    m = measure_candidate(
        ThresholdRule(),
        _test_split(),
        metric="pr_auc",
        spec=spec,
        seed=0,
        on_progress=lambda fraction, message: progress.append(fraction),
        n_boot=200,
        n_latency_calls=200,
        throughput_min_s=0.05,
    )
    assert m.candidate == "threshold-rule" and m.family is Family.BASELINE and m.ok
    assert next(iter(m.metrics)) == "pr_auc"
    assert {"roc_auc", "f1", "log_loss", "accuracy"} <= set(m.metrics)
    assert 0.5 < m.metrics["roc_auc"].value < 1.0
    assert m.latency.n_calls == 200 and m.latency.p50_ms <= m.latency.p99_ms
    assert m.throughput_rows_per_s > 0 and m.batch_size == 1024
    assert m.cost_usd_per_1k == 3.6 / 3600 / m.throughput_rows_per_s * 1000
    assert m.size_bytes == 64
    assert m.skills == ["sklearn"] and m.interpretable and m.complexity == 1 and not m.requires_gpu
    assert m.details["threshold"] == 0.5 and m.details["score_time_s"] > 0
    assert m.details["timed_on"]["cores"] >= 1 and m.latency.rounds == 7 and m.latency.p99_ci_ms is not None
    assert len(m.metrics["pr_auc"].resamples) == 200  # kept for paired comparisons
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)


def test_concat_predictions_joins_arrays_lists_and_keeps_scalars():
    a = Predictions(labels=np.array([0, 1]), extra={"answers": ["x", "y"], "k": 3, "ids": np.array([1, 2])})
    b = Predictions(labels=np.array([1]), extra={"answers": ["z"], "k": 3, "ids": np.array([3])})
    joined = concat_predictions([a, b])
    assert joined.labels.tolist() == [0, 1, 1] and joined.proba is None
    assert joined.extra["answers"] == ["x", "y", "z"] and joined.extra["k"] == 3
    assert joined.extra["ids"].tolist() == [1, 2, 3]
