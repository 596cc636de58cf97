"""Entity repeats, third kind of evidence: blocks of consecutive rows that look like one entity each (a file
sorted by entity, no id; see `entities.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.audit._entity_stats import (
    MAX_ROWS,
    MIN_ENTITIES,
    MIN_PAIRS,
    _combine,
    _Grouping,
    _keys,
    _labels,
    _likeness,
    _likeness_apart,
    _mostly_copies,
    _next_pairs,
    _noise_floor,
)
from harness.audit._frame import is_numeric

ADJACENT_AGREEMENT = 0.5  # neighbouring rows agree this much beyond chance (Cohen's kappa): a stable column
CORE_SHARE = 0.85  # ... and the columns with at least this share of the best such agreement mark entities
COUNTS_UP = 0.7  # a year-like column grows from one row to the next this often ...
STARTS_AGAIN = 0.02  # ... and falls back at least this often (a new entity's first year)
MAX_COUNTER_VALUES = 100  # a year-like column has few values ...
REGULAR_STEP_SHARE = 0.6  # ... and counts up by the same step at least this often


@dataclass
class _Blocks:
    stable: list[str]  # columns neighbouring rows agree on
    counting: list[str]  # year-like columns that count up within a block
    grouping: _Grouping
    within: float
    apart: float  # likeness of rows with the same stable values (or the same year) in different blocks
    neighbours_within: float  # likeness of next rows in one block ...
    neighbours_across: float  # ... and across a block's edge

    @property
    def effect(self) -> float:
        return min(self.within - self.apart, self.neighbours_within - self.neighbours_across)

    @property
    def convincing(self) -> bool:
        return self.effect >= _noise_floor(int(np.sum(self.grouping.sizes >= 2)))


def _regular_steps(steps: np.ndarray) -> bool:
    """A year, a wave or an age counts up in one step size (1, or 2 for every other year) most of the time; a
    sorted measurement (a price) does not."""
    return len(steps) > 0 and np.unique(steps, return_counts=True)[1].max() >= REGULAR_STEP_SHARE * len(steps)


def _row_blocks(rows: pl.DataFrame, discrete: list[str], z: np.ndarray, row_id: str | None) -> _Blocks | None:
    """Runs of consecutive rows that look like one entity each (the rows in file order)."""
    n = min(rows.height, MAX_ROWS)
    rows, z = rows.head(n), z[:n]
    stable: list[tuple[float, str, np.ndarray]] = []  # (agreement of neighbours, column, where it changes)
    counting: list[tuple[float, str, np.ndarray]] = []  # (share counting up, column, where it does not)
    for column in discrete:
        values = rows.get_column(column)
        if not 2 <= values.n_unique() <= n // 2:
            continue
        keys = _keys(values)
        changes = keys[1:] != keys[:-1]
        shares = np.unique(keys, return_counts=True)[1] / n
        chance = float(np.sum(shares**2))
        kappa = ((1 - changes.mean()) - chance) / (1 - chance)
        if kappa >= ADJACENT_AGREEMENT:
            stable.append((kappa, column, changes))
        elif is_numeric(values.dtype) and 3 <= values.n_unique() <= MAX_COUNTER_VALUES:
            step = np.diff(values.cast(pl.Float64).fill_null(np.nan).to_numpy())
            up, down = float(np.mean(step > 0)), float(np.mean(step < 0))
            if up >= COUNTS_UP and down >= STARTS_AGAIN and _regular_steps(step[step > 0]):
                counting.append((up, column, ~(step > 0)))
    if not stable and not counting:
        return None
    # A column constant within an entity agrees between neighbours (T-1)/T of the time beyond chance (Cohen's
    # kappa); one that changes within entities (married, union) agrees less: keep the columns near the best.
    core = [(k, c, changes) for k, c, changes in stable if k >= CORE_SHARE * max(k for k, _, _ in stable)]
    core_names = [c for _, c, _ in sorted(core, key=lambda t: -t[0])]
    changed = np.sum([changes for _, _, changes in core], axis=0) if core else np.zeros(n - 1)
    # A new entity starts where the most regular year-like column does not count up (an age may repeat within
    # one entity, a year does not), or where stable columns change: with a year to go by, two at once (one
    # alone is mostly an entity's own change: moved, married).
    counting.sort(key=lambda t: -t[0])
    counted = [c for _, c, _ in counting]
    restart = counting[0][2] if counting else np.zeros(n - 1, dtype=bool)
    boundary = restart | (changed >= (2 if counting else 1))
    grouping = _Grouping(np.concatenate([[0], np.cumsum(boundary)]).astype(np.int64))
    if not grouping.looks_like_entities():
        return None
    within = _likeness(grouping.labels, z)
    # Compare with rows that share the stable values (or the year) but sit in other blocks: a file sorted by
    # a feature keeps each value in one block, leaving nothing to compare. And with the neighbours across a
    # block's edge: in a file sorted by the target (or by something that predicts it) they are alike too.
    outer = core_names if core_names else counted[:1]
    apart = _likeness_apart(
        grouping.labels, _labels(_combine([_keys(rows.get_column(c)) for c in outer], n)), z
    )
    if within is None or apart is None or boundary.sum() < MIN_ENTITIES or (~boundary).sum() < MIN_PAIRS:
        return None
    if _mostly_copies(rows, grouping.labels, row_id):
        return None
    inside, across = _next_pairs(z, ~boundary).likeness, _next_pairs(z, boundary).likeness
    return _Blocks(core_names, counted, grouping, within, apart, inside, across)
