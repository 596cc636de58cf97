"""Entity repeats, second kind of evidence: a combination of stable columns whose rows are more alike in the
target than rows that differ in any one of them (see `entities.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.audit._entity_stats import (
    MAX_ROWS,
    _combine,
    _Grouping,
    _keys,
    _labels,
    _mostly_copies,
    _multiplier,
    _noise_floor,
    _Pairs,
    _pairs,
)
from harness.audit._frame import is_numeric

MAX_COMBINATION_COLUMNS = 16  # discrete columns considered for a combination
MAX_COMBINATION_SIZE = 8


# ---- a combination of stable columns -----------------------------------------------------------------------
@dataclass
class _Combination:
    columns: list[str]
    effect: float  # likeness of combination-mates beyond pairs differing in any one column
    within: float  # likeness of combination-mates
    apart: float  # likeness of pairs that differ in exactly one of the columns (the closest such)
    grouping: _Grouping
    measured_groups: int  # groups of two or more rows the effect was measured on

    @property
    def convincing(self) -> bool:
        return self.effect >= _noise_floor(self.measured_groups) and self.grouping.looks_like_entities()


class _CombinationSearch:
    """Greedy search for the discrete columns whose combination behaves most like an entity: the best pair,
    then one column at a time while the entity effect grows.

    The effect is the target likeness of rows that share the whole combination minus that of the closest rows
    that do not: rows sharing all columns but one, and for a number (birth year, a score) differing in it by
    one step only (the next value). An interaction of features is smooth (a pixel one shade darker, a year
    more of service predict much the same), an entity's own level is not (the person born a year later is
    someone else)."""

    def __init__(self, columns: dict[str, pl.Series], z: np.ndarray) -> None:
        self.names = list(columns)
        self.n = len(z)
        self.z = z
        self.keys: dict[str, np.ndarray] = {}
        self.steps: dict[str, list[np.ndarray]] = {}  # a number's values paired with their next value
        with np.errstate(over="ignore"):
            for i, (c, values) in enumerate(columns.items()):
                self.keys[c] = _keys(values) * _multiplier(i)
                if is_numeric(values.dtype) and values.n_unique() >= 3:
                    rank = values.rank("dense").fill_null(0).to_numpy().astype(np.int64)
                    self.steps[c] = [
                        _keys(pl.Series((rank + offset) // 2)) * _multiplier(i) for offset in (0, 1)
                    ]

    def _key(self, columns: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for c in columns:
                out += self.keys[c]
        return out

    def effect(self, columns: list[str]) -> tuple[float, float, float] | None:
        """(effect, likeness within, likeness of the closest rows apart), or None when there are too few pairs
        to tell."""
        key = self._key(columns)
        inside = _pairs(_labels(key), self.z)
        if not inside.enough:
            return None
        closest = -np.inf
        for j in columns:
            with np.errstate(over="ignore"):
                rest = key - self.keys[j]
                coarser = [rest + step for step in self.steps[j]] if j in self.steps else [rest]
            apart = _Pairs()
            for k in coarser:
                apart = apart + (_pairs(_labels(k), self.z) - inside)
            if not apart.enough:
                return None  # too few rows apart in j to tell whether j alone explains the likeness
            closest = max(closest, apart.likeness)
        return inside.likeness - closest, inside.likeness, closest

    def run(self) -> list[str] | None:
        best: tuple[tuple[float, float, float], list[str]] | None = None
        for i, a in enumerate(self.names):
            for b in self.names[i + 1 :]:
                found = self.effect([a, b])
                if found is not None and (best is None or found[0] > best[0][0]):
                    best = (found, [a, b])
        while best is not None and len(best[1]) < MAX_COMBINATION_SIZE:
            step = None
            for c in self.names:
                if c in best[1]:
                    continue
                found = self.effect([*best[1], c])
                if (
                    found is not None
                    and found[0] > best[0][0] + 0.01
                    and (step is None or found[0] > step[0][0])
                ):
                    step = (found, [*best[1], c])
            if step is None:
                break
            best = step
        return best[1] if best is not None else None


def _combination(
    rows: pl.DataFrame, discrete: list[str], z: np.ndarray, seed: int, row_id: str | None
) -> _Combination | None:
    """The most entity-like combination of discrete columns: searched on a random half of the rows, its effect
    measured on the other half (the best of many combinations is flattered by noise on the rows that chose
    it). Random subsets keep these pairwise statistics unbiased."""
    rng = np.random.default_rng(seed)
    if rows.height > MAX_ROWS:
        keep = np.sort(rng.choice(rows.height, MAX_ROWS, replace=False))
        rows, z = rows[keep], z[keep]
    candidates = [c for c in discrete if 2 <= rows.get_column(c).n_unique() <= rows.height // 2]
    # the most varied first: a combination of few-valued columns cannot single out many entities
    candidates = sorted(candidates, key=lambda c: -rows.get_column(c).n_unique())[:MAX_COMBINATION_COLUMNS]
    if len(candidates) < 2:
        return None
    half = np.zeros(rows.height, dtype=bool)
    half[rng.permutation(rows.height)[: rows.height // 2]] = True
    search, confirm = pl.Series(half), pl.Series(~half)
    found = _CombinationSearch({c: rows.get_column(c).filter(search) for c in candidates}, z[half]).run()
    if found is None:
        return None
    confirming = _CombinationSearch({c: rows.get_column(c).filter(confirm) for c in found}, z[~half])
    measured = confirming.effect(found)
    if measured is None:
        return None
    effect, within, apart = measured
    measured_groups = int(np.sum(np.bincount(_labels(confirming._key(found))) >= 2))
    grouping = _Grouping(_labels(_combine([_keys(rows.get_column(c)) for c in found], rows.height)))
    if _mostly_copies(rows, grouping.labels, row_id):
        return None
    return _Combination(found, effect, within, apart, grouping, measured_groups)
