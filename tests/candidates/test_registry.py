"""The registry: lazy, honours include/exclude by candidate or family name, and filters by applicability."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.candidates import registry
from harness.dataset import Task
from harness.errors import InputError
from harness.spec import spec_from_dict
from harness.types import Family, TaskKind

TABULAR = ("zero-rule", "single-feature-rule", "xgboost", "lightgbm", "torch-mlp")
TABULAR_TASK = Task(TaskKind.BINARY, "y", ("a", "b"), numeric_columns=("a",), categorical_columns=("b",))
TEXT_ONLY_TASK = Task(TaskKind.BINARY, "y", ("review",), text_columns=("review",), classes=(0, 1))


def _spec(include: list[str] | None = None, exclude: list[str] | None = None, seed: int = 5):
    return spec_from_dict(
        {
            "title": "registry test",
            "seed": seed,
            "data": {"path": "data.csv", "target": "y"},
            "candidates": {"include": include or [], "exclude": exclude or []},
        }
    )


def test_importing_the_registry_imports_no_model_library() -> None:
    code = (
        "import sys, harness.candidates, harness.candidates.registry as r\n"
        "r.available(); r.family_of('xgboost')\n"
        "heavy = {'torch', 'xgboost', 'lightgbm', 'sklearn', 'sentence_transformers', 'textual'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    assert out.strip() == "[]"


def test_the_tabular_candidates_are_registered_with_their_families() -> None:
    names = registry.available()
    assert set(TABULAR) <= set(names)
    assert [registry.family_of(n) for n in TABULAR] == [
        Family.BASELINE,
        Family.BASELINE,
        Family.GBT,
        Family.GBT,
        Family.NEURAL,
    ]


def test_unknown_names_are_input_errors_listing_what_exists() -> None:
    with pytest.raises(InputError, match=r"unknown candidate 'no-such-model'.*xgboost"):
        registry.create("no-such-model", seed=0)
    with pytest.raises(InputError, match=r"candidates\.include: unknown candidate or family 'svm'.*gbt"):
        registry.select(_spec(include=["svm"]), TABULAR_TASK)
    with pytest.raises(InputError, match=r"candidates\.exclude"):
        registry.select(_spec(exclude=["nope"]), TABULAR_TASK)


def _applicable(families: set[Family], task: Task, *, but: tuple[str, ...] = ()) -> list[str]:
    """What the registry holds of these families for this task, in registry order: derived, not listed, so a
    family added later needs no edit here."""
    return [
        n
        for n in registry.available()
        if registry.family_of(n) in families
        and n not in but
        and registry.candidate_class(n)(seed=0).applicable(task)
    ]


def test_select_by_candidate_and_family_names() -> None:
    chosen = registry.select(_spec(include=["gbt", "zero-rule"]), TABULAR_TASK)
    # registry order; every applicable baseline comes along (the reference), unless excluded
    expected = _applicable({Family.BASELINE, Family.GBT}, TABULAR_TASK)
    assert [c.name for c in chosen] == expected
    assert {"zero-rule", "single-feature-rule", "xgboost", "lightgbm"} <= set(expected)
    only = registry.select(_spec(include=["xgboost"], exclude=["single-feature-rule"]), TABULAR_TASK)
    baselines = _applicable({Family.BASELINE}, TABULAR_TASK, but=("single-feature-rule",))
    assert [c.name for c in only] == [*baselines, "xgboost"]
    assert all(c.seed == 5 for c in chosen)
    chosen = registry.select(
        _spec(include=["baseline", "gbt", "neural"], exclude=["lightgbm", "baseline"]), TABULAR_TASK
    )
    assert [c.name for c in chosen] == _applicable(
        {Family.GBT, Family.NEURAL}, TABULAR_TASK, but=("lightgbm",)
    )
    assert {"xgboost", "torch-mlp"} <= {c.name for c in chosen}


def test_select_keeps_only_applicable_candidates() -> None:
    tabular = [c.name for c in registry.select(_spec(include=list(TABULAR)), TABULAR_TASK)]
    assert tabular == list(TABULAR)
    # Text-only data: no tabular learner applies; the zero rule (no features at all) still does.
    text_only = [c.name for c in registry.select(_spec(include=list(TABULAR)), TEXT_ONLY_TASK)]
    assert text_only == ["zero-rule", "tfidf-logreg"]  # the text baseline is always measured
    qa = Task(TaskKind.QA, "", ("question",), text_columns=("question",))
    assert [c.name for c in registry.select(_spec(include=list(TABULAR)), qa)] == ["bm25"]
