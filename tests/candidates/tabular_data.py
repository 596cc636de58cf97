"""Tiny synthetic tabular splits built straight from numpy/polars (no loader involved).

Every split has numeric columns with missing values, a boolean, a string categorical with nulls and a
pl.Categorical column. The test split additionally holds category values never seen in train.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.dataset import Split, Task
from harness.types import TaskKind

NUMERIC = ("x_main", "x_other", "flag")
CATEGORICAL = ("color", "size")
COLORS = np.array(["red", "green", "blue", "black"])
SIZES = np.array(["S", "M", "L"])


def _frame(n: int, rng: np.random.Generator, *, unseen: bool) -> tuple[pl.DataFrame, np.ndarray]:
    x_main = rng.normal(size=n)
    x_other = rng.normal(size=n)
    flag = rng.random(n) < 0.4
    color = rng.choice(COLORS, size=n).astype(object)
    size = rng.choice(SIZES, size=n)
    signal = 1.5 * x_main + np.where(color == "red", 1.0, -0.3) + 0.5 * flag
    x_main_with_nulls = np.where(rng.random(n) < 0.1, np.nan, x_main)
    color[rng.random(n) < 0.05] = None
    if unseen:
        color[: n // 10] = "purple"  # never in train
        size[: n // 10] = "XXL"
    frame = pl.DataFrame(
        {
            "x_main": x_main_with_nulls,
            "x_other": x_other,
            "flag": flag,
            "color": pl.Series(color, dtype=pl.String),
            "size": pl.Series(size, dtype=pl.Categorical),
        }
    ).with_columns(pl.col("x_main").fill_nan(None))
    return frame, signal


def tiny_tabular_splits(kind: TaskKind, *, seed: int = 0, n_train: int = 300) -> tuple[Split, Split, Split]:
    """(train, dev, test) of `kind` (binary, multiclass, regression); learnable from x_main and color."""
    rng = np.random.default_rng(seed)
    frames = [
        _frame(n, rng, unseen=name == "test") for name, n in (("train", n_train), ("dev", 100), ("test", 100))
    ]
    if kind is TaskKind.REGRESSION:
        classes: tuple[object, ...] = ()
        targets = [signal + rng.normal(scale=0.3, size=len(signal)) for _, signal in frames]
    elif kind is TaskKind.BINARY:
        classes = ("no", "yes")
        targets = [(signal + rng.logistic(size=len(signal)) > 0).astype(np.int64) for _, signal in frames]
    else:
        classes = ("low", "mid", "high")
        targets = [
            np.digitize(signal + rng.normal(scale=0.3, size=len(signal)), [-0.5, 0.8]) for _, signal in frames
        ]
    task = Task(
        kind=kind,
        target="target",
        feature_columns=NUMERIC + CATEGORICAL,
        numeric_columns=NUMERIC,
        categorical_columns=CATEGORICAL,
        classes=classes,
        positive_index=1 if kind is TaskKind.BINARY else None,
    )
    names = ("train", "dev", "test")
    return tuple(  # type: ignore[return-value]
        Split(name, task, frame, np.asarray(y))
        for name, (frame, _), y in zip(names, frames, targets, strict=True)
    )
