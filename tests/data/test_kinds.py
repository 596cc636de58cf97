"""Task kinds are objects: each kind decides how its task is built and split and how the run treats it, in
one place (`harness.data.kinds`), and the table modules no longer reach into the QA module."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl

from harness.data import QA, TABULAR, TEXT, build_task, kind_of, make_splits
from harness.dataset import Task
from harness.spec import spec_from_dict
from harness.types import TaskKind

DATA = Path(__file__).resolve().parents[2] / "harness" / "data"


def test_each_task_has_one_kind_and_the_kind_says_how_the_run_treats_it() -> None:
    table = Task(TaskKind.BINARY, "y", ("a",), numeric_columns=("a",), classes=(0, 1))
    text = Task(TaskKind.MULTICLASS, "y", ("t",), text_columns=("t",), classes=("a", "b", "c"))
    qa = Task(TaskKind.QA, "answer", ("question",))
    assert (kind_of(table), kind_of(text), kind_of(qa)) == (TABULAR, TEXT, QA)
    assert [k.tuned for k in (TABULAR, TEXT, QA)] == [True, False, False]  # CV-tuned tables only
    assert [k.scores_dev for k in (TABULAR, TEXT, QA)] == [True, True, False]
    assert [k.has_corpus for k in (TABULAR, TEXT, QA)] == [False, False, True]


def test_a_table_is_built_and_split_through_its_kind() -> None:
    df = pl.DataFrame({"a": [(i % 17) * 0.5 for i in range(200)], "y": [i % 2 for i in range(200)]})
    spec = spec_from_dict({"title": "kinds", "data": {"path": "x.csv", "target": "y"}})
    task = build_task(df, spec)
    assert kind_of(task) is TABULAR and task.kind is TaskKind.BINARY
    splits = make_splits(df, task, spec)
    assert len(splits.train) + len(splits.dev) + len(splits.test) == 200


def test_the_table_modules_do_not_import_the_qa_module() -> None:
    """The data/qa ↔ split ↔ task cycle is gone: only `kinds` dispatches to QA."""
    for name in ("task.py", "split.py"):
        tree = ast.parse((DATA / name).read_text(encoding="utf-8"))
        imported = {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }
        assert "harness.data.qa" not in imported, name
