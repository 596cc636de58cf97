"""The metric registry: one catalog entry per metric (name, label, direction, tasks, needs, module), every
entry computable, nothing registered as an import side effect, and `needs` true to what each metric uses."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.dataset import Predictions, Task
from harness.measure.catalog import METRICS
from harness.measure.oos import OOS_METRICS, oos_scores
from harness.measure.quality import METRIC_FUNCTIONS, metric_function, score
from harness.measure.scored import MetricFunction
from harness.types import TaskKind

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_metric_has_its_function_in_the_module_it_names() -> None:
    modules = {info.module for info in METRICS.values()}
    for name in METRICS:
        assert isinstance(metric_function(name), MetricFunction), name
        assert name in METRIC_FUNCTIONS
    for module in modules:  # and no module computes a metric the catalog does not list there
        functions = importlib.import_module(module).FUNCTIONS
        assert {n for n in functions} == {n for n, i in METRICS.items() if i.module == module}, module


def test_the_registry_needs_no_import_order() -> None:
    """In a fresh interpreter, the QA and judged metrics are found without importing their modules first."""
    code = (
        "from harness.measure.quality import METRIC_FUNCTIONS\n"
        "names = ('exact_match', 'mrr', 'faithfulness', 'oos_recall')\n"
        "print(sorted(n for n in names if n in METRIC_FUNCTIONS))\n"
        "print(type(METRIC_FUNCTIONS['mrr']).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[:2] == [
        "['exact_match', 'faithfulness', 'mrr', 'oos_recall']",
        "MetricFunction",
    ]


@pytest.mark.parametrize("kind", [TaskKind.BINARY, TaskKind.MULTICLASS])
def test_metrics_that_need_probabilities_are_left_out_for_labels_only(kind: TaskKind) -> None:
    rng = np.random.default_rng(0)
    k = 2 if kind is TaskKind.BINARY else 3
    task = Task(kind, "y", ("x",), classes=tuple(range(k)), positive_index=1 if k == 2 else None)
    y = rng.integers(0, k, 200)
    labels = np.where(rng.random(200) < 0.7, y, rng.integers(0, k, 200))
    applicable = [n for n, i in METRICS.items() if kind in i.tasks and "oos_class" not in i.needs]
    got = score(task, y, Predictions(labels=labels), applicable, seed=0, n_boot=0)
    for name in applicable:
        assert (name in got) == ("proba" not in METRICS[name].needs), name


def test_out_of_scope_metrics_are_registered_ratios_with_paired_resamples() -> None:
    """Planted: 4 in-scope rows (3 right), 4 out-of-scope rows (2 caught), 3 rows predicted OOS (2 right)."""
    oos = 3
    y = np.array([0, 1, 2, 0, 3, 3, 3, 3])
    pred = np.array([0, 1, 2, 3, 3, 3, 1, 2])
    task = Task(TaskKind.MULTICLASS, "y", ("x",), classes=(0, 1, 2, 3))
    got = score(task, y, Predictions(labels=pred), OOS_METRICS, seed=4, n_boot=200, oos_index=oos)
    assert got["in_scope_accuracy"].value == pytest.approx(3 / 4)
    assert got["oos_recall"].value == pytest.approx(2 / 4)
    assert got["oos_precision"].value == pytest.approx(2 / 3)
    same = oos_scores(y, pred, oos, seed=4, n_boot=200, keep_resamples="oos_recall")
    assert same["oos_recall"].resamples is not None  # kept for the optimizing metric, as score() keeps them
    assert same["oos_recall"].ci_low == got["oos_recall"].ci_low  # the same resamples: paired
    without = score(task, y, Predictions(labels=pred), OOS_METRICS, seed=4, n_boot=0)
    assert not set(OOS_METRICS) & set(without)  # no out-of-scope class: left out, not guessed
