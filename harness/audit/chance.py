"""What chance alone puts in both splits: the share of test rows that would be found in train by chance when
the feature space is small (few columns with few values: were the columns independent, over 1% of rows would
equal another by chance). It is the share of training rows equal to another training row (the same question
asked leave-one-out within train); `contamination.py` counts only the test rows beyond it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.audit._frame import ROW_HASH_SEED, is_numeric, row_key
from harness.audit.duplicates import near_duplicate_row_clusters

CHANCE_GATE = 0.01  # were the columns independent, this share of rows would equal another row by chance


@dataclass(frozen=True)
class ChanceBaseline:
    """The share of test rows that would be found in train by chance alone, when the feature space is small
    (few columns with few values each: survey answers, categories, small counts). Equal feature rows are then
    natural, not copies; only test rows found in train beyond this share are contamination."""

    expected_fraction: float  # within train: the share of rows equal (or near) to another train row
    independence_fraction: float  # the same were the columns independent: the gate that says "small"
    columns: int
    distinct_train_rows: int
    possible_combinations: float  # product of the columns' distinct values in train
    near: bool = False  # equal but for one number

    def judge(self, observed: int, n_test: int) -> tuple[int, bool]:
        """(test rows beyond chance, whether that excess exceeds the binomial noise of the expectation)."""
        p = self.expected_fraction
        excess = observed - p * n_test
        noise = 2.0 * float(np.sqrt(n_test * p * (1 - p))) + 1.0
        return max(0, round(excess)), excess > noise

    def evidence(self, observed: int, n_test: int, excess: int) -> dict:
        return {
            "observed_fraction": observed / n_test if n_test else 0.0,
            "expected_fraction": self.expected_fraction,
            "excess_fraction": excess / n_test if n_test else 0.0,
            "expected_by": "within train: the share of training rows "
            + ("with a near-duplicate in" if self.near else "equal to another row of")
            + " train",
            "independence_fraction": self.independence_fraction,
            "feature_columns": self.columns,
            "distinct_train_rows": self.distinct_train_rows,
            "possible_combinations": self.possible_combinations,
        }

    def describe(self) -> str:
        if self.near:
            return f"{self.columns - 1} low-cardinality columns and one number"
        return f"{self.columns} low-cardinality column{'s' if self.columns != 1 else ''}"


def _agreement(train_x: pl.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the chance that two random rows agree on it (the sum of its values' squared shares), and
    its number of distinct values."""
    n = train_x.height
    agree, distinct = np.ones(len(columns)), np.ones(len(columns))
    for i, c in enumerate(columns):
        counts = np.unique(train_x.get_column(c).hash(ROW_HASH_SEED).to_numpy(), return_counts=True)[1]
        agree[i] = float(np.sum((counts / n) ** 2))
        distinct[i] = len(counts)
    return agree, distinct


def _collision(q: float, n: int) -> float:
    """Share of n rows that would equal another row when two rows agree with probability q."""
    return 1.0 - (1.0 - q) ** max(n - 1, 0)


def _independent_collision(train_x: pl.DataFrame, columns: Sequence[str]) -> tuple[float, float]:
    """(share of rows that would equal another row were the columns independent, product of cardinalities)."""
    agree, distinct = _agreement(train_x, columns)
    return _collision(float(np.prod(agree)), train_x.height), float(np.prod(distinct))


def exact_chance(train_x: pl.DataFrame, columns: Sequence[str]) -> ChanceBaseline | None:
    """The chance baseline of exact matches, or None when the feature space is large (a continuous column,
    many values): then an equal feature row is a copy, not a coincidence."""
    columns = [c for c in columns if c in train_x.columns]
    if train_x.height < 2 or not columns:
        return None
    independent, combinations = _independent_collision(train_x, columns)
    if independent < CHANCE_GATE:
        return None
    keys = train_x.select(row_key(columns)).to_series().to_numpy()
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return ChanceBaseline(
        expected_fraction=float(np.mean(counts[inverse.ravel()] >= 2)),
        independence_fraction=independent,
        columns=len(columns),
        distinct_train_rows=len(counts),
        possible_combinations=combinations,
    )


def near_chance(train_x: pl.DataFrame, features: Sequence[str], tolerance: float) -> ChanceBaseline | None:
    """The chance baseline of near matches (equal but for one number within tolerance), or None when rows
    equal in all columns but one are unlikely by chance."""
    features = [c for c in features if c in train_x.columns]
    schema = train_x.schema
    numeric = [c for c in features if is_numeric(schema[c])]
    if train_x.height < 2 or len(features) < 2 or not numeric:
        return None
    agree, distinct = _agreement(train_x, features)
    # leave one numeric column out: the product of the others' agreement (prefix × suffix products)
    before = np.concatenate([[1.0], np.cumprod(agree)[:-1]])
    after = np.concatenate([np.cumprod(agree[::-1])[::-1][1:], [1.0]])
    position = {c: i for i, c in enumerate(features)}
    independent = max(
        _collision(float(before[position[c]] * after[position[c]]), train_x.height) for c in numeric
    )
    if independent < CHANCE_GATE:
        return None
    clusters = near_duplicate_row_clusters(train_x, features, tolerance)
    exact_size = np.bincount(clusters.exact_feature_groups)[clusters.exact_feature_groups]
    cluster_size = np.bincount(clusters.labels)[clusters.labels]
    return ChanceBaseline(
        expected_fraction=float(np.mean((exact_size == 1) & (cluster_size >= 2))),
        independence_fraction=independent,
        columns=len(features),
        distinct_train_rows=int(clusters.exact_feature_groups.max()) + 1,
        possible_combinations=float(np.prod(distinct)),
        near=True,
    )
