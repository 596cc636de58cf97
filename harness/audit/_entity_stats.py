"""What the entity checks (`entities.py`) measure with: row keys from column hashes, each row's target as a
vector, the likeness in the target of pairs of rows from per-group sums (no pairwise loop), the smallest
effect that counts, and rows grouped as apparent entities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from harness.audit._frame import encode_target, is_categorical
from harness.dataset import Task

MIN_ENTITIES = 20  # fewer apparent entities than this: a category, not an entity id
MAX_ROWS_PER_ENTITY = 30  # an entity observed more often than this looks like a category
MIN_REPEATED_SHARE = 0.5  # share of rows whose entity occurs 2..MAX_ROWS_PER_ENTITY times
MIN_ENTITY_EFFECT = 0.2  # likeness in the target of an entity's rows beyond that of comparable rows
MIN_PAIRS = 50
NOISE_MULTIPLE = 3.0  # an effect must also exceed this many standard errors (about 1/sqrt(groups))
MAX_ROWS = 50_000  # rows searched (a random subset for combinations, the first rows for blocks)
HASH_SEED = 0xE17


# ---- plumbing ----------------------------------------------------------------------------------------------
def _keys(series: pl.Series) -> np.ndarray:
    """A 64-bit hash per value (nulls hash alike), to group rows by one column or a combination."""
    return series.hash(HASH_SEED).to_numpy().astype(np.uint64)


def _multiplier(i: int) -> np.uint64:
    return np.uint64((0x9E3779B97F4A7C15 * (2 * i + 1)) % 2**64 | 1)


def _combine(keys: list[np.ndarray], n: int) -> np.ndarray:
    """Hash of a combination of columns: per-column hashes times distinct odd multipliers, summed mod 2^64."""
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, k in enumerate(keys):
            out += k * _multiplier(i)
    return out


def _labels(keys: np.ndarray) -> np.ndarray:
    return np.unique(keys, return_inverse=True)[1].ravel().astype(np.int64)


def _is_discrete(series: pl.Series) -> bool:
    """Categories, flags, integers, and floats that only hold whole numbers (ids read as float)."""
    dtype = series.dtype
    if is_categorical(dtype) or dtype.is_integer():
        return True
    if dtype.is_float():
        values = series.drop_nulls().drop_nans().to_numpy()
        return len(values) > 0 and bool(np.all(np.isfinite(values) & (values == np.round(values))))
    return False


def _target_vectors(y: pl.Series, task: Task) -> np.ndarray | None:
    """Each row's target as a vector (n × K) whose dot products give pairwise likeness: standardised ranks of
    a number; centred one-hot of a class (random pairs score 0 on average)."""
    if task.is_classification:
        codes = np.unique(encode_target(y, task), return_inverse=True)[1].ravel()
        onehot = np.zeros((len(codes), int(codes.max()) + 1 if len(codes) else 0))
        onehot[np.arange(len(codes)), codes] = 1.0
        p = onehot.mean(axis=0)
        purity = float(np.sum(p**2))
        return (onehot - p) / np.sqrt(1.0 - purity) if purity < 1.0 else None
    ranks = y.cast(pl.Float64, strict=False).fill_nan(None).rank("average").to_numpy().astype(np.float64)
    ok = np.isfinite(ranks)
    if ok.sum() < 2 or np.std(ranks[ok]) == 0:
        return None
    z = np.zeros(len(ranks))
    z[ok] = (ranks[ok] - ranks[ok].mean()) / ranks[ok].std()
    return z[:, None]


@dataclass(frozen=True)
class _Pairs:
    """Sums over a set of ordered pairs of different rows: Σ z_i·z_j, Σ (|z_i|² + |z_j|²) / 2, and the count.
    Their ratio is the pairs' likeness: 1 for identical targets, 0 on average for random pairs. Additive, so
    the pairs of one set but not of a subset are a difference."""

    cross: float = 0.0
    square: float = 0.0
    count: float = 0.0

    def __add__(self, other: _Pairs) -> _Pairs:
        return _Pairs(self.cross + other.cross, self.square + other.square, self.count + other.count)

    def __sub__(self, other: _Pairs) -> _Pairs:
        return _Pairs(self.cross - other.cross, self.square - other.square, self.count - other.count)

    @property
    def enough(self) -> bool:
        return self.count >= 2 * MIN_PAIRS and self.square > 0

    @property
    def likeness(self) -> float:
        return self.cross / self.square if self.square > 0 else 0.0


def _pairs(labels: np.ndarray, z: np.ndarray) -> _Pairs:
    """The sums over all pairs of rows in one group, from per-group sums (no pairwise loop)."""
    groups = int(labels.max()) + 1 if len(labels) else 0
    sizes = np.bincount(labels, minlength=groups).astype(np.float64)
    norms = np.sum(z**2, axis=1)
    cross = 0.0
    for k in range(z.shape[1]):
        sums = np.bincount(labels, weights=z[:, k], minlength=groups)
        cross += float(np.sum(sums**2))
    cross -= float(np.sum(norms))
    square = float(np.sum((sizes - 1) * np.bincount(labels, weights=norms, minlength=groups)))
    return _Pairs(cross, square, float(np.sum(sizes * (sizes - 1))))


def _next_pairs(z: np.ndarray, where: np.ndarray) -> _Pairs:
    """The sums over the pairs (row i, row i + 1) for the positions i in `where`."""
    a, b = z[:-1][where], z[1:][where]
    return _Pairs(float(np.sum(a * b)), float(np.sum(a**2) + np.sum(b**2)) / 2, float(where.sum()))


def _likeness(labels: np.ndarray, z: np.ndarray) -> float | None:
    pairs = _pairs(labels, z)
    return pairs.likeness if pairs.enough else None


def _likeness_apart(inner: np.ndarray, outer: np.ndarray, z: np.ndarray) -> float | None:
    """Likeness of the pairs in one `outer` group but not in one `inner` group."""
    apart = _pairs(outer, z) - _pairs(_labels(inner * (int(outer.max()) + 1) + outer), z)
    return apart.likeness if apart.enough else None


def _noise_floor(groups: int) -> float:
    """The smallest entity effect that counts: MIN_ENTITY_EFFECT, or NOISE_MULTIPLE standard errors of a
    likeness measured on this many groups (rows of one group are not independent: the group is the unit)."""
    return max(MIN_ENTITY_EFFECT, NOISE_MULTIPLE / np.sqrt(max(groups, 1)))


def _mostly_copies(rows: pl.DataFrame, labels: np.ndarray, row_id: str | None) -> bool:
    """Most rows of the multi-row groups have an exact copy (every column but the row id) in their group:
    duplicated records (`duplicates:rows`, fixed by dedupe), not one entity seen at different times."""
    record = pl.struct(pl.all().exclude(row_id) if row_id in rows.columns else pl.all())
    full = _labels(rows.select(record.hash(HASH_SEED)).to_series().to_numpy().astype(np.uint64))
    sizes = np.bincount(labels)
    in_multi = sizes[labels] >= 2
    _, inverse, counts = np.unique(
        labels * (int(full.max()) + 1) + full, return_inverse=True, return_counts=True
    )
    copied = counts[inverse.ravel()] >= 2
    return bool(in_multi.any()) and float(np.mean(copied[in_multi])) >= 0.5


@dataclass
class _Grouping:
    """Rows grouped as apparent entities: a label per row."""

    labels: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.bincount(self.labels)

    def _entity_sizes(self) -> np.ndarray:
        sizes = self.sizes
        return sizes[(sizes >= 2) & (sizes <= MAX_ROWS_PER_ENTITY)]

    def repeated_share(self) -> float:
        size = self.sizes[self.labels]
        return float(np.mean((size >= 2) & (size <= MAX_ROWS_PER_ENTITY))) if len(size) else 0.0

    def looks_like_entities(self) -> bool:
        return len(self._entity_sizes()) >= MIN_ENTITIES and self.repeated_share() >= MIN_REPEATED_SHARE

    def shape(self) -> dict[str, Any]:
        sizes = self._entity_sizes()
        return {
            "share_of_rows_in_repeated_entities": round(self.repeated_share(), 4),
            "apparent_entities": len(sizes),
            "rows_per_entity_median": float(np.median(sizes)) if len(sizes) else 0.0,
            "rows_per_entity_max": int(sizes.max()) if len(sizes) else 0,
        }
