"""Entity repeats, first kind of evidence: an id-like column whose rows of one value look like one entity's
(see `entities.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from harness.audit._entity_stats import (
    MAX_ROWS,
    MIN_ENTITIES,
    MIN_REPEATED_SHARE,
    _Grouping,
    _is_discrete,
    _keys,
    _labels,
    _likeness,
)

STABLE_WITHIN = 0.9  # a column constant (or all different) within at least this share of the groups ...
CHANCE_AT_MOST = 0.5  # ... where random groups of the same sizes would be at most this
ID_NAME = re.compile(r"(?i:(^|[_\s.\-])(id|key|nr|no)$)|[a-z](Id|ID)$")  # customer_id, PersonID, nr


def _within(labels: np.ndarray, keys: np.ndarray, multi: np.ndarray) -> tuple[float, float]:
    """Share of the multi-row groups in which a column is constant, and in which it is all different."""
    codes = _labels(keys)
    width = int(codes.max()) + 1
    distinct = np.bincount(np.unique(labels * width + codes) // width, minlength=len(multi))
    sizes = np.bincount(labels, minlength=len(multi))
    return float(np.mean(distinct[multi] == 1)), float(np.mean(distinct[multi] == sizes[multi]))


@dataclass
class _IdColumn:
    column: str
    grouping: _Grouping
    declared: bool
    named: bool  # named like an id: customer_id, PersonID, nr
    stable: list[tuple[str, float, float]] = field(default_factory=list)  # column, within, chance
    varying: list[tuple[str, float, float]] = field(default_factory=list)  # different in each row: year
    target_likeness: float | None = None

    @property
    def convincing(self) -> bool:
        return self.declared or bool(self.varying) or len(self.stable) >= (1 if self.named else 2)

    @property
    def strength(self) -> tuple[int, int, float]:
        return (self.declared, len(self.stable) + 2 * len(self.varying), self.grouping.repeated_share())


def _id_column(
    rows: pl.DataFrame, column: str, others: list[str], declared: bool, z: np.ndarray | None, seed: int
) -> _IdColumn | None:
    """The column as an entity id, with the columns that behave as they would within one entity's rows."""
    series = rows.get_column(column)
    if series.n_unique() < MIN_ENTITIES:
        return None
    present = series.is_not_null().to_numpy()
    if present.mean() < MIN_REPEATED_SHARE:
        return None
    shape = _Grouping(_labels(_keys(series.filter(pl.Series(present)))))
    if not shape.looks_like_entities():
        return None
    found = _IdColumn(column, shape, declared, bool(ID_NAME.search(column)))
    keep = present
    if rows.height > MAX_ROWS:  # whole entities: the rows of every k-th value (by hash), not every k-th row
        keep = keep & (_keys(series) % np.uint64(-(-rows.height // MAX_ROWS)) == 0)
    rows, z = rows.filter(pl.Series(keep)), (z[keep] if z is not None else None)
    grouping = _Grouping(_labels(_keys(rows.get_column(column))))
    found.target_likeness = _likeness(grouping.labels, z) if z is not None else None
    multi = grouping.sizes >= 2
    rng = np.random.default_rng(seed)
    for other in others:
        values = rows.get_column(other)
        if other == column or values.n_unique() < 2:
            continue
        keys = _keys(values)
        constant, different = _within(grouping.labels, keys, multi)
        chance_constant, chance_different = _within(grouping.labels, keys[rng.permutation(len(keys))], multi)
        if constant >= STABLE_WITHIN and chance_constant <= CHANCE_AT_MOST:
            found.stable.append((other, round(constant, 3), round(chance_constant, 3)))
        elif different >= STABLE_WITHIN and chance_different <= CHANCE_AT_MOST and _is_discrete(values):
            # A balanced panel is symmetric: firms differ within a year as years differ within a firm. The
            # entity is the side whose rows are more alike in the target.
            theirs = _likeness(_labels(keys), z) if z is not None else None
            if theirs is None or found.target_likeness is None or found.target_likeness > theirs:
                found.varying.append((other, round(different, 3), round(chance_different, 3)))
    return found if found.convincing else None
