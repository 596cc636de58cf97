"""Plumbing shared by the tabular candidates (baselines, GBTs, MLP): applicability, encoder, input checks."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import polars as pl

from harness.candidates.base import BaseCandidate
from harness.data.preprocess import TabularEncoder, tabular_columns
from harness.dataset import Predictions, Split, Task
from harness.errors import InputError
from harness.types import TaskKind


def has_tabular_features(task: Task) -> bool:
    """True when the task has at least one feature that is not a text column."""
    text = set(task.text_columns)
    declared = (*task.numeric_columns, *task.categorical_columns, *task.feature_columns)
    return any(column not in text for column in declared)


def pickled_size_bytes(obj: Any) -> int:
    buffer = io.BytesIO()
    pickle.dump(obj, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.tell()


class TabularCandidate(BaseCandidate):
    """A candidate that learns from numeric and categorical columns (text columns are for text candidates)."""

    def applicable(self, task: Task) -> bool:
        return task.kind in self.tasks and has_tabular_features(task)

    def _start_fit(self, train: Split, dev: Split) -> None:
        """Validate the splits and record what the task is; every tabular `fit` begins here."""
        task = train.task
        if not self.applicable(task):
            raise InputError(
                f"{self.name} cannot learn a {task.kind} task without numeric or categorical features",
                where=f"candidate {self.name}",
                fix="exclude it in [candidates] or add non-text feature columns",
            )
        for split in (train, dev):
            if len(split) == 0 or len(split.y) != len(split):
                raise InputError(
                    f"{split.name} split has {len(split)} rows and {len(split.y)} targets",
                    where=f"candidate {self.name}",
                    fix="give every split at least one row and one target per row",
                )
        self.kind_: TaskKind = task.kind
        if task.is_classification:
            self.n_classes_ = task.n_classes or int(np.max(train.y)) + 1
            if self.kind_ is TaskKind.BINARY:
                self.n_classes_ = 2
        else:
            self.n_classes_ = 0
        self._tick(0.0, "encoding features")

    def _fit_encoder(self, train: Split) -> TabularEncoder:
        numeric, categorical = tabular_columns(train.task, train.X)
        self.encoder_ = TabularEncoder(numeric, categorical).fit(train.X)
        return self.encoder_

    def _classification(self, proba: np.ndarray) -> Predictions:
        return Predictions(labels=proba.argmax(axis=1), proba=proba)

    def _check_batch(self, batch: pl.DataFrame) -> None:
        if not hasattr(self, "kind_"):
            raise RuntimeError(f"{self.name}: predict called before fit")
