"""Entity repeats: rows that are one entity (a person, a firm, a state) observed several times, while the spec
names no `data.group_column`. A row-wise split then puts the same entity in train and test, and the test score
measures how well a model recognises entities it has seen, not how well it predicts new ones.

Three kinds of evidence, each held against what chance would give:

- **an id-like column**: many values, most rows' value repeats 2–30 times, and the rows of one value look like
  one entity's: two other columns are constant within them far more often than in random groups of the same
  sizes (sex, school, ethnicity; one is enough for a column named like an id, customer_id), or a column takes
  a different value in each where random groups would repeat one (year, wave, age) and its own groups are less
  alike in the target (else it is the entity and the first column the time). A declared `data.id_column` that
  repeats needs no more evidence.
- **a combination of stable columns** (no id at all): rows that agree on a set of columns (sex, birth year,
  race, region) are more alike in the target than rows that agree on all of them but any one — an effect of
  the whole combination that no single column explains, as an entity's own level would be. Natural
  duplicates of low-cardinality features do not show it: their likeness in the target comes from the
  columns' effects, which pairs differing in only one column mostly share.
- **blocks of consecutive rows** (a file sorted by entity, no id): neighbouring rows agree on some columns
  far more often than random pairs (or a year-like column counts up and starts again), in short blocks, and
  rows of one block are more alike in the target than rows with the same values in other blocks. A file
  sorted by a feature has each value in one long block, so there is nothing to compare and no finding.

Likeness is a pooled within-group correlation of the target (numbers as standardised ranks, classes as
centred one-hot vectors: 0 is chance, 1 identical), from per-group sums: no pairwise loop. An effect counts
when it is at least 0.2 and three standard errors (the groups, not the rows, are the unit). Rows that are
exact copies of each other are duplicates (`duplicates:rows`), not entities. At most 50,000 rows are searched
(whole entities of an id-like column; a random subset for combinations; the first rows for blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from harness.audit._frame import encode_target, is_categorical, is_numeric
from harness.audit.findings import Finding
from harness.dataset import Task
from harness.spec import DecisionSpec

MIN_ENTITIES = 20  # fewer apparent entities than this: a category, not an entity id
MAX_ROWS_PER_ENTITY = 30  # an entity observed more often than this looks like a category
MIN_REPEATED_SHARE = 0.5  # share of rows whose entity occurs 2..MAX_ROWS_PER_ENTITY times
STABLE_WITHIN = 0.9  # a column constant (or all different) within at least this share of the groups ...
CHANCE_AT_MOST = 0.5  # ... where random groups of the same sizes would be at most this
MIN_ENTITY_EFFECT = 0.2  # likeness in the target of an entity's rows beyond that of comparable rows
ADJACENT_AGREEMENT = 0.5  # neighbouring rows agree this much beyond chance (Cohen's kappa): a stable column
CORE_SHARE = 0.85  # ... and the columns with at least this share of the best such agreement mark entities
COUNTS_UP = 0.7  # a year-like column grows from one row to the next this often ...
STARTS_AGAIN = 0.02  # ... and falls back at least this often (a new entity's first year)
MAX_COUNTER_VALUES = 100  # a year-like column has few values ...
REGULAR_STEP_SHARE = 0.6  # ... and counts up by the same step at least this often
MIN_PAIRS = 50
NOISE_MULTIPLE = 3.0  # an effect must also exceed this many standard errors (about 1/sqrt(groups))
MAX_ROWS = 50_000  # rows searched (a random subset for combinations, the first rows for blocks)
MAX_COMBINATION_COLUMNS = 16  # discrete columns considered for a combination
MAX_COMBINATION_SIZE = 8
HASH_SEED = 0xE17
ID_NAME = re.compile(r"(?i:(^|[_\s.\-])(id|key|nr|no)$)|[a-z](Id|ID)$")  # customer_id, PersonID, nr


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


# ---- an id-like column -------------------------------------------------------------------------------------
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


# ---- blocks of consecutive rows ----------------------------------------------------------------------------
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


# ---- the finding -------------------------------------------------------------------------------------------
def entity_findings(rows: pl.DataFrame, task: Task, spec: DecisionSpec) -> list[Finding]:
    """Evidence that rows repeat entities while the spec names no `data.group_column` (on the audit rows,
    in file order). At most one finding: an id-like column, else a combination of columns, else blocks."""
    data = spec.data
    if data.group_column or rows.height < 4 * MIN_ENTITIES:
        return []
    columns = [c for c in rows.columns if c not in {task.target, *task.text_columns}]
    discrete = [c for c in columns if _is_discrete(rows.get_column(c))]
    stable_candidates = [c for c in discrete if c not in (data.id_column, data.time_column)]
    time_split = data.split == "time" or (data.split == "auto" and data.time_column is not None)
    z = None
    if task.target and task.target in rows.columns:
        z = _target_vectors(rows.get_column(task.target), task)
    ids = [
        found
        for column in discrete
        if column != data.time_column
        and (found := _id_column(rows, column, columns, column == data.id_column, z, spec.seed)) is not None
    ]
    if ids:
        ids.sort(key=lambda f: f.strength, reverse=True)
        return [_id_finding(ids[0], [f.column for f in ids[1:]], time_split)]
    if z is None:
        return []
    combination = _combination(rows, stable_candidates, z, spec.seed, data.id_column)
    if combination is not None and combination.convincing:
        return [_combination_finding(combination, task.target, time_split)]
    blocks = _row_blocks(rows, [c for c in discrete if c != data.id_column], z, data.id_column)
    if blocks is not None and blocks.convincing:
        return [_blocks_finding(blocks, task.target, time_split)]
    return []


def _names(columns: list[str], limit: int = 4) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def _split_note(time_split: bool) -> str:
    if not time_split:
        return ""
    return (
        "; the split is by time, so the same entities appear before and after the cut: right only if the "
        "model will score entities it has already seen"
    )


def _id_finding(found: _IdColumn, others: list[str], time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    evidence: dict[str, Any] = {"column": found.column, **shape}
    if found.stable:
        evidence["constant_within_entity"] = {c: {"within": w, "chance": p} for c, w, p in found.stable}
    if found.varying:
        evidence["different_within_entity"] = {c: {"within": w, "chance": p} for c, w, p in found.varying}
    if found.target_likeness is not None:
        evidence["target_likeness_within_entity"] = round(found.target_likeness, 3)
    if others:
        evidence["other_id_like_columns"] = others
    why = []
    if found.declared:
        why.append("it is data.id_column")
    if found.stable:
        why.append(f"{_names([c for c, _, _ in found.stable])} constant within each")
    if found.varying:
        why.append(f"{_names([c for c, _, _ in found.varying])} different in each of its rows")
    return Finding(
        code=f"entity_repeats:{found.column}",
        severity="info" if time_split else "warning",
        title=f"{found.column!r} looks like an entity id: {shape['apparent_entities']:,} values with "
        f"{shape['rows_per_entity_median']:g} rows each (median) hold {share:.0%} of rows; " + "; ".join(why),
        evidence=evidence,
        fix=f"set [data] group_column = {found.column!r} so each entity's rows stay in one split (a row-wise "
        "split puts the same entity in train and test and rewards memorising it)" + _split_note(time_split),
    )


def _derive_fix(how: str, time_split: bool) -> str:
    return (
        f"add a column that identifies the entity ({how}) and set [data] group_column to it, so each "
        "entity's rows stay in one split; if the rows really are different entities, acknowledge this finding"
        + _split_note(time_split)
    )


def _combination_finding(found: _Combination, target: str, time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    names = _names(found.columns, limit=len(found.columns))
    return Finding(
        code="entity_repeats:combination",
        severity="info" if time_split else "warning",
        title=f"rows look like repeated entities: the combination of {names} recurs in "
        f"{shape['apparent_entities']:,} groups of {shape['rows_per_entity_median']:g} rows (median) holding "
        f"{share:.0%} of rows, alike in {target!r} ({found.within:.2f}) far beyond rows that differ in one "
        f"of these columns ({found.apart:.2f})",
        evidence={
            "columns": list(found.columns),
            **shape,
            "target_likeness_within": round(found.within, 3),
            "target_likeness_one_column_apart": round(found.apart, 3),
            "entity_effect": round(found.effect, 3),
        },
        fix=_derive_fix(f"e.g. the combination of {names}", time_split),
    )


def _blocks_finding(found: _Blocks, target: str, time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    signs = []
    if found.stable:
        signs.append(f"mostly share {_names(found.stable)}")
    if found.counting:
        signs.append(f"count up in {_names(found.counting)}")
    compared = "the same values" if found.stable else f"the same {found.counting[0]!r}"
    where = (
        f"wherever {found.counting[0]!r} starts again"
        if found.counting
        else f"wherever {_names(found.stable)} change"
    )
    return Finding(
        code="entity_repeats:row_blocks",
        severity="info" if time_split else "warning",
        title=f"rows look like repeated entities stored one after another: {shape['apparent_entities']:,} "
        f"blocks of {shape['rows_per_entity_median']:g} consecutive rows (median, {share:.0%} of rows) "
        f"{' and '.join(signs)}, alike in {target!r} ({found.within:.2f}) far beyond rows with {compared} in "
        f"other blocks ({found.apart:.2f})",
        evidence={
            **shape,
            "stable_between_neighbours": list(found.stable),
            "counting_up_within_block": list(found.counting),
            "target_likeness_within_block": round(found.within, 3),
            "target_likeness_other_blocks": round(found.apart, 3),
            "target_likeness_next_row_same_block": round(found.neighbours_within, 3),
            "target_likeness_next_row_across_edge": round(found.neighbours_across, 3),
            "entity_effect": round(found.effect, 3),
        },
        fix=_derive_fix(f"e.g. a number that goes up by one {where}", time_split),
    )
