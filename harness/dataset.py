"""The data types every layer shares: the task (what is predicted from what), a split of the data, and the
predictions a candidate returns. The bottom layer: it imports nothing of harness but its enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from harness.errors import InputError
from harness.types import TaskKind


@dataclass(frozen=True)
class Task:
    """What is predicted from what. `y` everywhere is encoded: class index 0..K-1, or float for regression."""

    kind: TaskKind
    target: str
    feature_columns: tuple[str, ...]
    numeric_columns: tuple[str, ...] = ()
    categorical_columns: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()
    classes: tuple[Any, ...] = ()  # original label values, index = encoded class
    positive_index: int | None = None  # binary: index of the positive class in `classes`

    @property
    def is_classification(self) -> bool:
        return self.kind.is_classification

    @property
    def n_classes(self) -> int:
        return len(self.classes)


@dataclass
class Split:
    """One split of the data: raw feature columns (polars) and the encoded target."""

    name: str
    task: Task
    X: pl.DataFrame
    y: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. ids, groups, QA corpus

    def __len__(self) -> int:
        return self.X.height


@dataclass
class Predictions:
    """What `predict` returns. Classification: `labels` (class indices) and `proba` (n × K).
    Regression: `values`. QA candidates may add `answers`/`retrieved` in `extra`."""

    labels: np.ndarray | None = None
    proba: np.ndarray | None = None
    values: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        for arr in (self.labels, self.values, self.proba):
            if arr is not None:
                return len(arr)
        return 0


# Labels that mean "none of the above" when the spec does not name its out-of-scope label.
OOS_LABEL_NAMES: tuple[str, ...] = (
    "oos",
    "out_of_scope",
    "out-of-scope",
    "outofscope",
    "other",
    "none",
    "unknown",
)


def resolve_oos_index(task: Task, oos_label: Any | None) -> int | None:
    """Index of the out-of-scope class: the spec's `oos_label`, else a conventional name; None when absent."""
    labels = [str(c) for c in task.classes]
    if oos_label is not None:
        if str(oos_label) in labels:
            return labels.index(str(oos_label))
        raise InputError(
            f"oos_label {oos_label!r} is not a class of the target",
            where="data.oos_label",
            fix=f"use one of: {', '.join(labels[:10])}{' …' if len(labels) > 10 else ''}",
        )
    lowered = [label.lower() for label in labels]
    for name in OOS_LABEL_NAMES:
        if name in lowered:
            return lowered.index(name)
    return None
