"""The conformance check every registered candidate must pass (after scikit-learn's `check_estimator`).

Parametrised over `registry.available()` × task kinds, so candidates registered later are covered without
editing this file. A candidate that needs its own data (text, a QA corpus) returns tiny splits from
`conformance_splits(kind)`; otherwise it gets the shared tiny tabular splits (missing values, unseen
categories at predict time). A candidate whose tiny fit still takes seconds sets `conformance_slow = True`.
"""

from __future__ import annotations

import functools
import inspect
import json
import threading
import time
from typing import Any

import numpy as np
import polars as pl
import pytest

from harness.candidates import registry
from harness.candidates.base import BaseCandidate, TrainingHooks
from harness.dataset import Predictions, Split
from harness.errors import CandidateTimeout, RunCancelled
from harness.types import Family, TaskKind
from tests.candidates.tabular_data import tiny_tabular_splits


def _marks(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow] if registry.candidate_class(name).conformance_slow else []


NAMES = [pytest.param(name, marks=_marks(name), id=name) for name in registry.available()]
CASES = [
    pytest.param((name, kind), marks=_marks(name), id=f"{name}-{kind.value}")
    for name in registry.available()
    for kind in TaskKind
    if kind in registry.candidate_class(name).tasks
]


@functools.cache
def _splits(name: str, kind: TaskKind) -> tuple[Split, Split, Split] | None:
    cls = registry.candidate_class(name)
    if kind not in cls.tasks:
        return None
    own = cls.conformance_splits(kind)
    if own is not None:
        return own
    return None if kind is TaskKind.QA else tiny_tabular_splits(kind)


def _candidate(name: str, kind: TaskKind) -> tuple[BaseCandidate, tuple[Split, Split, Split]]:
    """A fresh candidate and its splits, or a skip when the candidate does not do this kind of task."""
    splits = _splits(name, kind)
    if splits is None:
        pytest.skip(f"{name} has no tiny {kind} data (not one of its tasks, or no conformance_splits)")
    candidate = _new(name, seed=0)
    if not candidate.applicable(splits[0].task):
        pytest.skip(f"{name} is not applicable to its tiny {kind} task in this environment")
    return candidate, splits


def _new(name: str, *, seed: int) -> BaseCandidate:
    """A fresh candidate; generator families get a tiny random-weight GPT-2 built locally (no download)."""
    cls = registry.candidate_class(name)
    if getattr(cls, "needs_generator", False):
        return cls(seed=seed, generator_path=str(_tiny_generator()))  # type: ignore[call-arg]
    return registry.create(name, seed=seed)


@functools.cache
def _tiny_generator() -> Any:
    import tempfile
    from pathlib import Path

    from tests.qa.tiny_models import build_tiny_gpt2

    return build_tiny_gpt2(Path(tempfile.mkdtemp(prefix="archbench-tiny-gpt2-")))


@functools.cache  # one fit per (candidate, kind) shared by the tests below; exceptions are not cached
def _fitted(name: str, kind: TaskKind) -> tuple[BaseCandidate, Any, list[tuple[float, str]], Any]:
    candidate, splits = _candidate(name, kind)
    progress: list[tuple[float, str]] = []
    candidate.hooks = TrainingHooks(on_progress=lambda f, m: progress.append((f, m)))
    returned = candidate.fit(splits[0], splits[1])
    return candidate, splits, progress, returned


def _public_learned(obj: object) -> list[str]:
    return [a for a in vars(obj) if a.endswith("_") and not a.startswith("_")]


def _check_predictions(pred: Predictions, n: int, kind: TaskKind, n_classes: int, where: str) -> None:
    assert isinstance(pred, Predictions), where
    if kind is not TaskKind.QA:
        assert len(pred) == n, f"{where}: {len(pred)} predictions for {n} rows"
    if kind.is_classification:
        assert pred.proba is not None and pred.labels is not None, where
        assert pred.proba.shape == (n, n_classes), f"{where}: proba shape {pred.proba.shape}"
        assert (
            np.all(np.isfinite(pred.proba)) and np.all(pred.proba >= -1e-9) and np.all(pred.proba <= 1 + 1e-9)
        )
        np.testing.assert_allclose(
            pred.proba.sum(axis=1), 1.0, atol=1e-6, err_msg=f"{where}: rows must sum to 1"
        )
        assert pred.labels.shape == (n,)
        assert set(np.unique(pred.labels)) <= set(range(n_classes)), where
    elif kind is TaskKind.REGRESSION:
        assert pred.values is not None and pred.values.shape == (n,), where
        assert np.all(np.isfinite(pred.values)), where
    else:  # QA: answers (and, for retrievers, ranked document ids) in `extra`
        assert len(pred.extra.get("answers", ())) == n, f"{where}: one answer per question"


# ---- the contract -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_matches_class(name: str) -> None:
    cls = registry.candidate_class(name)
    assert issubclass(cls, BaseCandidate)
    assert cls.name == name, f"class {cls.__name__} says name {cls.name!r}, registry says {name!r}"
    assert registry.family_of(name) is cls.family and isinstance(cls.family, Family)
    assert 1 <= cls.complexity <= 5
    assert set(cls.skills) <= set(registry.known_skills()), f"unknown skill in {cls.skills}"
    assert cls.tasks and all(isinstance(k, TaskKind) for k in cls.tasks)


@pytest.mark.parametrize("name", NAMES)
def test_init_only_stores_parameters(name: str) -> None:
    cls = registry.candidate_class(name)
    candidate = registry.create(name, seed=7)  # defaults only: every other parameter must equal its default
    assert candidate.seed == 7
    assert _public_learned(candidate) == [], "learned state (ending in _) must not exist before fit"
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        assert hasattr(candidate, param.name), (
            f"__init__ parameter {param.name!r} is not stored as an attribute"
        )
        if param.name != "seed" and param.default is not param.empty:
            assert getattr(candidate, param.name) == param.default, f"{param.name} changed in __init__"


@pytest.mark.parametrize("case", CASES)
def test_fit_and_predict(case: tuple[str, TaskKind]) -> None:
    name, kind = case
    candidate, (train, _dev, test), progress, returned = _fitted(name, kind)
    assert returned is candidate, "fit must return self"
    assert _public_learned(candidate), "fit must store learned state in attributes ending in _"
    assert progress, "fit must call self._tick so the runner sees progress"
    assert all(0.0 <= f <= 1.0 for f, _ in progress)

    task = train.task
    n_classes = 2 if kind is TaskKind.BINARY else task.n_classes
    pred = candidate.predict(test.X)
    _check_predictions(pred, test.X.height, kind, n_classes, f"{name} on the test split")

    one = candidate.predict(test.X.head(1))
    _check_predictions(one, 1, kind, n_classes, f"{name} on one row")
    if kind.is_classification:
        np.testing.assert_allclose(
            one.proba[0], pred.proba[0], atol=1e-5, err_msg="one row ≠ same row in a batch"
        )
    elif kind is TaskKind.REGRESSION:
        np.testing.assert_allclose(one.values[0], pred.values[0], rtol=1e-5, atol=1e-6)

    size = candidate.size_bytes()
    assert isinstance(size, int) and size > 0
    json.dumps(candidate.details())  # goes into run.json as is


@pytest.mark.parametrize("case", CASES)
def test_same_seed_same_predictions(case: tuple[str, TaskKind]) -> None:
    name, kind = case
    first, (train, dev, test), _, _ = _fitted(name, kind)
    second = _new(name, seed=0).fit(train, dev)
    a, b = first.predict(test.X), second.predict(test.X)
    for field in ("proba", "values"):
        x, y = getattr(a, field), getattr(b, field)
        if x is not None:
            np.testing.assert_allclose(
                x, y, atol=1e-6, err_msg=f"{name}: {field} differ between two seeded fits"
            )
    assert _untimed(first.details()) == _untimed(second.details())


def _untimed(details: dict[str, Any]) -> dict[str, Any]:
    """Details minus wall-clock facts, which legitimately differ between two fits."""

    def timed(key: str) -> bool:
        return "second" in key or "time" in key or key.endswith(("_s", "_ms"))

    return {k: v for k, v in details.items() if not timed(k)}


@pytest.mark.parametrize("case", CASES)
def test_deadline_in_the_past_times_out(case: tuple[str, TaskKind]) -> None:
    candidate, (train, dev, _test) = _candidate(*case)
    candidate.hooks = TrainingHooks(deadline=time.monotonic() - 1.0)
    with pytest.raises(CandidateTimeout):
        candidate.fit(train, dev)


@pytest.mark.parametrize("case", CASES)
def test_cancel_stops_fit(case: tuple[str, TaskKind]) -> None:
    candidate, (train, dev, _test) = _candidate(*case)
    cancel = threading.Event()
    cancel.set()
    candidate.hooks = TrainingHooks(cancel=cancel)
    with pytest.raises(RunCancelled):
        candidate.fit(train, dev)


@pytest.mark.parametrize("case", CASES)
def test_unseen_and_missing_values_at_predict(case: tuple[str, TaskKind]) -> None:
    """Only for the shared tabular data: rows of nothing but nulls and never-seen categories still predict."""
    name, kind = case
    cls = registry.candidate_class(name)
    if kind in cls.tasks and cls.conformance_splits(kind) is not None:
        pytest.skip(f"{name} brings its own data; this check is about tabular columns")
    candidate, (train, _dev, test), _, _ = _fitted(name, kind)
    odd = pl.DataFrame(
        {
            "x_main": [None, None, 1e12],
            "x_other": [None, float("nan"), -1e12],
            "flag": [None, True, False],
            "color": [None, "never-seen", ""],
            "size": pl.Series([None, "XXXL", "S"], dtype=pl.Categorical),
        },
        schema_overrides={"x_main": pl.Float64, "x_other": pl.Float64},
    )
    n_classes = 2 if kind is TaskKind.BINARY else train.task.n_classes
    _check_predictions(candidate.predict(odd), 3, kind, n_classes, f"{name} on nulls and unseen values")
    # Columns arrive in another order and with extra columns in serving: still fine.
    shuffled = test.X.select(list(reversed(test.X.columns))).with_columns(pl.lit("x").alias("unused"))
    _check_predictions(
        candidate.predict(shuffled), test.X.height, kind, n_classes, f"{name} on reordered columns"
    )
