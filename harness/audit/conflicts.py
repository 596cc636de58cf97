"""Label conflicts: identical or near-identical inputs with different labels (the wrong teacher)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from harness.audit._frame import EXAMPLES, example_rows
from harness.audit.findings import Finding


def conflicting_groups(groups: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Group ids (of `groups`, one per row) whose rows carry more than one distinct label."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    frame = pl.DataFrame({"g": groups, "y": labels})
    distinct = frame.group_by("g").agg(pl.col("y").n_unique().alias("n"))
    return np.sort(distinct.filter(pl.col("n") > 1).get_column("g").to_numpy())


def label_conflicts(
    df: pl.DataFrame, groups: np.ndarray, labels: np.ndarray, *, code: str, what: str, show: Sequence[str]
) -> Finding | None:
    """One finding for all groups of inputs (`groups[i]` per row) that disagree on the label."""
    bad = conflicting_groups(groups, labels)
    if len(bad) == 0:
        return None
    rows = np.flatnonzero(np.isin(groups, bad))
    examples = []
    for g in bad[:EXAMPLES]:
        members = np.flatnonzero(groups == g)[:4]
        examples.append(example_rows(df, members, show))
    return Finding(
        code=code,
        severity="warning",
        title=f"{len(bad):,} groups of {what} carry different labels ({len(rows):,} rows)",
        evidence={
            "conflicting_groups": len(bad),
            "rows": len(rows),
            "fraction_rows": len(rows) / len(groups),
            "examples": examples,
        },
        fix="review these rows: relabel the wrong ones or drop them (a model cannot fit both labels)",
    )
