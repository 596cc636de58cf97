"""Task kinds as objects: what differs between a table, text classification and question answering, decided
in one place instead of `if task.kind is QA` branches across the pipeline.

A kind says how its task is built and its data split (QA brings a corpus: `harness.data.qa` owns that), and
how the rest of the run treats it: whether its families are tuned on CV folds or fitted once with early
stopping on dev, whether dev predictions feed thresholds and calibrators, whether the audit reads the table
as delivered, and whether it carries a corpus the audit checks with the questions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from harness.data import qa, split, task
from harness.dataset import Task
from harness.types import TaskKind

if TYPE_CHECKING:
    from harness.spec import DecisionSpec

Build = Callable[[pl.DataFrame, "DecisionSpec"], tuple[Task, list[str]]]
MakeSplits = Callable[[pl.DataFrame, Task, "DecisionSpec"], split.Splits]


@dataclass(frozen=True)
class Kind:
    name: str
    build: Build
    splits: MakeSplits
    tuned: bool  # families tuned on CV folds; False: fitted once on train, early stopping on dev
    scores_dev: bool  # dev predictions feed thresholds, calibrators and importance
    audits_delivered: bool  # the audit reads the table as delivered (before drop_columns / dedupe)
    has_corpus: bool  # documents to retrieve from, audited with the questions

    def __str__(self) -> str:
        return self.name


def _qa_task(df: pl.DataFrame, spec: DecisionSpec) -> tuple[Task, list[str]]:
    return qa.build_qa_task(df, spec), []


def _table_splits(df: pl.DataFrame, t: Task, spec: DecisionSpec) -> split.Splits:
    return split.make_splits(df, t, spec)


TABULAR = Kind("tabular", task.table_task_with_notes, _table_splits, True, True, True, False)
TEXT = Kind("text classification", task.table_task_with_notes, _table_splits, False, True, True, False)
QA = Kind("question answering", _qa_task, qa.make_qa_splits, False, False, False, True)


def kind_of(t: Task) -> Kind:
    if t.kind is TaskKind.QA:
        return QA
    return TEXT if t.text_columns else TABULAR


def build_task_with_notes(df: pl.DataFrame, spec: DecisionSpec) -> tuple[Task, list[str]]:
    """The `Task` for `df` under `spec`, plus notes on decisions a reader should know (detected kind, skipped
    columns). The declared id / group / time columns are checked first, whatever the kind."""
    task.check_declared_columns(df, spec)
    return (QA if spec.task is TaskKind.QA else TABULAR).build(df, spec)


def build_task(df: pl.DataFrame, spec: DecisionSpec) -> Task:
    return build_task_with_notes(df, spec)[0]


def make_splits(df: pl.DataFrame, t: Task, spec: DecisionSpec, *, n_golden: int = 0) -> split.Splits:
    """Split `df` into train/dev/test under the spec's strategy, fractions and seed (see `split.make_splits`);
    `n_golden` > 0: the last `n_golden` rows are the golden test file, the test split as they are."""
    if n_golden:
        return split.make_splits(df, t, spec, n_golden=n_golden)
    return kind_of(t).splits(df, t, spec)
