"""Duplicates: exact rows (streaming hash counts), near-duplicate rows and texts, and train/test
contamination.

A near-duplicate row equals another on every feature except at most one number, which differs by at most
`near_duplicate_numeric_tolerance` (relative), e.g. a double-submitted payment a few seconds later with the
amount off by a cent and a new id. Found by leave-one-column-out hashing: rows that share the hash of all
features but column c are compared on c only, so the cost is one hash per column and one sort per numeric
column of the rows that share half their features with another row (usually few), not a pairwise scan.
Near-duplicate texts use MinHash LSH (`minhash.py`).

Contamination counts test rows found in train. When the feature space is small (few columns with few values:
were the columns independent, over 1% of rows would equal another by chance), equal rows are natural, so the
share found is held against the share of training rows equal to another training row (the same question
asked leave-one-out within train), and only the excess counts: a shared id always counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.audit._frame import EXAMPLES, ROW_HASH_SEED, collect, example_rows, is_numeric, row_key
from harness.audit.findings import Finding
from harness.audit.minhash import find_near_duplicates, find_near_duplicates_between, normalize_texts
from harness.spec import AuditOptions


# ---- exact duplicate rows (any size, streaming)
# -------------------------------------------------------------
def exact_duplicate_rows(
    frame: pl.DataFrame | pl.LazyFrame, total: int, ignore: Sequence[str] = ()
) -> Finding | None:
    """Rows repeated exactly (every column but `ignore`, the row id: a copy re-issued a new id is still a
    copy): a double-ingested batch."""
    columns = [c for c in frame.collect_schema().names() if c not in ignore]
    key = frame.select(row_key(columns).alias("_key"))
    if isinstance(key, pl.LazyFrame):
        distinct = int(collect(key.select(pl.col("_key").n_unique())).item())
    else:
        distinct = key.get_column("_key").n_unique()
    extra = total - distinct
    if extra <= 0:
        return None
    examples: list[dict] = []
    if isinstance(frame, pl.DataFrame):
        dup = np.flatnonzero(frame.select(row_key(columns).is_duplicated()).to_series().to_numpy())
        examples = example_rows(frame, dup, columns)
    return Finding(
        code="duplicates:rows",
        severity="warning",
        title=f"{extra:,} exact duplicate rows ({extra / total:.2%})",
        evidence={
            "duplicate_rows": extra,
            "rows": total,
            "fraction": extra / total,
            "effective_rows": distinct,
            "examples": examples,
        },
        fix="set [audit] dedupe = true to drop them before splitting (a row-wise split scatters them)",
        fixed_by_dedupe=True,
    )


# ---- near-duplicate rows (in memory, on a sample of large data)
# ---------------------------------------------
@dataclass(frozen=True)
class RowClusters:
    """Cluster label per row: rows linked by equal features or one number within tolerance share one."""

    labels: np.ndarray
    exact_feature_groups: np.ndarray  # label of identical feature vectors

    @property
    def n_clusters(self) -> int:
        return len(np.unique(self.labels)) if len(self.labels) else 0


HASH_BLOCK_CELLS = 4_000_000  # per-column hashes held at once (rows × columns), 32 MB


def _column_terms(df: pl.DataFrame, columns: Sequence[str]) -> Iterator[tuple[int, np.ndarray]]:
    """(position of the block's first column, rows × block array of multiplier · hash) for blocks of columns,
    at most HASH_BLOCK_CELLS hashes at a time. Summed over the columns, the terms are a row hash from which
    one column's term can be taken out (a leave-one-column-out key without rehashing the other columns). The
    multipliers are random odd 64-bit numbers, one per column: with multipliers in arithmetic progression,
    rows differing in several columns by the same pair of values cancel out and collide."""
    multipliers = np.random.default_rng(ROW_HASH_SEED).integers(0, 2**63, len(columns), dtype=np.uint64)
    multipliers = multipliers * np.uint64(2) + np.uint64(1)
    block = max(1, HASH_BLOCK_CELLS // max(df.height, 1))
    for start in range(0, len(columns), block):
        names = list(columns[start : start + block])
        hashes = df.select(pl.col(names).hash(ROW_HASH_SEED)).to_numpy().astype(np.uint64, copy=False)
        with np.errstate(over="ignore"):
            yield start, hashes * multipliers[start : start + len(names)]


def _sharing_rows(df: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Rows that may equal another row on all columns but one: two rows that differ in at most one column
    agree on all of the first half of the columns or on all of the second, so every such row shares the hash
    of one half with another row. Exact (up to 64-bit hash collisions), one hash per column."""
    half = len(columns) // 2
    first = np.zeros(df.height, dtype=np.uint64)
    total = np.zeros(df.height, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start, terms in _column_terms(df, columns):
            total += terms.sum(axis=1, dtype=np.uint64)
            if start < half:
                first += terms[:, : half - start].sum(axis=1, dtype=np.uint64)
        second = total - first
    shared = np.zeros(df.height, dtype=bool)
    for key in (first, second):
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        shared |= counts[inverse.ravel()] >= 2
    return np.flatnonzero(shared)


def near_duplicate_row_clusters(df: pl.DataFrame, features: Sequence[str], tolerance: float) -> RowClusters:
    """Connected components of 'equal on all features but one number within tolerance' (and of equal
    features). Only rows that share the hash of half the features with another row can have such a partner
    (`_sharing_rows`); among those, for each numeric column, rows are sorted by the hash of every other
    column (the row hash less that column's term) and then by the column's value, and neighbours with the
    same key and values within tolerance are linked. Cost: a hash per column and a sort per numeric column of
    the sharing rows, not a hash of all other columns per column (which grew with the square of the width)."""
    n = df.height
    features = [c for c in features if c in df.columns]
    schema = df.schema
    full = df.select(row_key(features)).to_series().to_numpy()
    _, exact_groups = np.unique(full, return_inverse=True)
    sources: list[np.ndarray] = [np.arange(n)]
    targets: list[np.ndarray] = [_first_of_group(exact_groups)]
    numeric = {c for c in features if is_numeric(schema[c])}
    rows = _sharing_rows(df, features) if len(features) >= 2 and numeric else np.zeros(0, dtype=np.int64)
    if len(rows) >= 2:
        sharing = df.select(features)[rows]
        total = np.zeros(len(rows), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for _, terms in _column_terms(sharing, features):
                total += terms.sum(axis=1, dtype=np.uint64)
            for start, terms in _column_terms(sharing, features):
                for j in range(terms.shape[1]):
                    column = features[start + j]
                    if column not in numeric:
                        continue
                    key = total - terms[:, j]
                    value = sharing.get_column(column).cast(pl.Float64).to_numpy()
                    order = np.lexsort((value, key))  # by key, then value (NaN and nulls last)
                    key, value = key[order], value[order]
                    same_key = key[1:] == key[:-1]
                    scale = np.maximum(np.abs(value[1:]), np.abs(value[:-1]))
                    with np.errstate(invalid="ignore"):
                        close = np.abs(value[1:] - value[:-1]) <= tolerance * scale
                    link = np.flatnonzero(same_key & close)
                    sources.append(rows[order[link]])
                    targets.append(rows[order[link + 1]])
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    src, dst = np.concatenate(sources), np.concatenate(targets)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    labels = connected_components(graph, directed=False)[1] if n else np.zeros(0, dtype=np.int64)
    return RowClusters(labels, exact_groups)


def _first_of_group(groups: np.ndarray) -> np.ndarray:
    """For each row, the first row of its group (links every member to one representative)."""
    first = np.full(groups.max() + 1 if len(groups) else 0, -1, dtype=np.int64)
    order = np.arange(len(groups))[::-1]
    first[groups[order]] = order  # last write wins: the smallest index
    return first[groups]


def near_duplicate_rows(
    df: pl.DataFrame,
    features: Sequence[str],
    options: AuditOptions,
    *,
    sampled_fraction: float = 1.0,
    ignore: Sequence[str] = (),
) -> tuple[Finding | None, RowClusters]:
    """Rows that are not exact copies of another row (every column but `ignore`, the row id) but have the same
    or nearly the same features."""
    clusters = near_duplicate_row_clusters(df, features, options.near_duplicate_numeric_tolerance)
    n = df.height
    exact_rows = df.select(row_key([c for c in df.columns if c not in ignore])).to_series().to_numpy()
    distinct_rows = len(np.unique(exact_rows))
    redundant = n - clusters.n_clusters  # rows beyond the first of each cluster
    near = redundant - (n - distinct_rows)
    if near <= 0:
        return None, clusters
    sizes = np.bincount(clusters.labels)
    in_cluster = np.flatnonzero(sizes[clusters.labels] > 1)
    first_cluster = clusters.labels[in_cluster[0]] if len(in_cluster) else -1
    example_idx = np.flatnonzero(clusters.labels == first_cluster)[:EXAMPLES]
    fraction = near / n
    evidence = {
        "near_duplicate_rows": near,
        "rows": n,
        "fraction": fraction,
        "rows_in_clusters": len(in_cluster),
        "effective_rows": clusters.n_clusters,
        "numeric_tolerance": options.near_duplicate_numeric_tolerance,
        "examples": example_rows(df, example_idx, df.columns),
    }
    if sampled_fraction < 1.0:
        evidence["sampled_fraction"] = sampled_fraction
        evidence["note"] = (
            "counted on a sample; pairs split by sampling are missed, so the share is a lower bound"
        )
    return (
        Finding(
            code="near_duplicates:rows",
            severity="warning",
            title=f"{near:,} near-duplicate rows ({fraction:.2%}): same features but one number within "
            f"{options.near_duplicate_numeric_tolerance:.0%}",
            evidence=evidence,
            fix="split by data.group_column so copies stay in one split, or remove the copies at the source",
        ),
        clusters,
    )


# ---- texts -------------------------------------------------------------------------------------------------
def text_duplicates(
    texts: pl.Series, column: str, options: AuditOptions, seed: int
) -> tuple[list[Finding], np.ndarray]:
    """Exact (after normalisation) and near-duplicate texts of one column; returns cluster labels per row."""
    findings: list[Finding] = []
    norm = normalize_texts(texts)
    n = len(norm)
    unique_norm, first_index, inverse = np.unique(
        norm.to_numpy().astype(str), return_index=True, return_inverse=True
    )
    exact_extra = n - len(unique_norm)
    if exact_extra:
        dup_rows = np.flatnonzero(np.bincount(inverse)[inverse] > 1)
        findings.append(
            Finding(
                code=f"duplicates:{column}",
                severity="warning",
                title=f"{exact_extra:,} duplicate texts in {column!r} ({exact_extra / n:.2%})",
                evidence={
                    "duplicate_texts": exact_extra,
                    "texts": n,
                    "fraction": exact_extra / n,
                    "examples": [str(texts[int(i)]) for i in dup_rows[:EXAMPLES]],
                },
                fix="set [audit] dedupe = true (exact rows) or de-duplicate the texts at the source",
                fixed_by_dedupe=True,
            )
        )
    found = find_near_duplicates(
        pl.Series(unique_norm.tolist(), dtype=pl.String),
        threshold=options.near_duplicate_threshold,
        num_perm=options.num_perm,
        shingle_size=options.shingle_size,
        shingle_unit=options.shingle_unit,
        seed=seed,
    )
    unique_labels = found.clusters() if len(found) else np.arange(len(unique_norm))
    labels = unique_labels[inverse]
    if len(found):
        n_clusters = len(np.unique(labels))
        near_extra = (n - n_clusters) - exact_extra
        rows_involved = int(np.isin(inverse, found.items_in_pairs()).sum())
        order = np.argsort(found.jaccard)
        examples = [
            {
                "a": str(texts[int(first_index[i])]),
                "b": str(texts[int(first_index[j])]),
                "jaccard": round(float(found.jaccard[k]), 3),
            }
            for k, (i, j) in zip(order[:EXAMPLES], found.pairs[order[:EXAMPLES]], strict=True)
        ]
        findings.append(
            Finding(
                code=f"near_duplicates:{column}",
                severity="warning",
                title=f"{len(found):,} near-duplicate text pairs in {column!r}; "
                f"{rows_involved / n:.1%} of rows "
                f"have one (effective size {n_clusters:,} of {n:,})",
                evidence={
                    "pairs": len(found),
                    "rows_with_near_duplicate": rows_involved,
                    "fraction_rows": rows_involved / n,
                    "redundant_rows": near_extra,
                    "effective_rows": n_clusters,
                    "rows": n,
                    "threshold": options.near_duplicate_threshold,
                    "shingles": f"{options.shingle_size} {options.shingle_unit}",
                    "examples": examples,
                },
                fix="keep one text per cluster, or split by a group column so paraphrases stay in one split",
            )
        )
    return findings, labels


# ---- contamination -----------------------------------------------------------------------------------------
def _contamination_finding(
    code: str,
    what: str,
    shared: int,
    n_test: int,
    options: AuditOptions,
    evidence: dict,
    fix: str,
    *,
    fixed_by_dedupe: bool = False,
) -> Finding | None:
    if shared == 0 or n_test == 0:
        return None
    fraction = shared / n_test
    blocking = fraction >= options.contamination_blocking_fraction
    return Finding(
        code=code,
        severity="blocking" if blocking else "warning",
        title=f"{shared:,} test rows ({fraction:.1%}) {what}",
        evidence={
            "test_rows_shared": shared,
            "test_rows": n_test,
            "fraction_of_test": fraction,
            "blocking_fraction": options.contamination_blocking_fraction,
            **evidence,
        },
        fix=fix,
        fixed_by_dedupe=fixed_by_dedupe,
    )


# ---- what chance alone puts in both splits -----------------------------------------------------------------
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


def _chance_finding(code: str, what: str, observed: int, n_test: int, chance: ChanceBaseline) -> Finding:
    """Test rows found in train no more often than chance puts them there: information, not contamination."""
    share = observed / n_test
    return Finding(
        code=code,
        severity="info",
        title=f"{share:.1%} of test rows {what}, as expected from {chance.describe()} "
        f"({chance.expected_fraction:.1%} within train): not contamination",
        evidence={
            "test_rows_shared": 0,
            "test_rows": n_test,
            "fraction_of_test": 0.0,
            **chance.evidence(observed, n_test, 0),
        },
        fix="nothing to fix: with so few distinct feature rows, equal rows in train and test are expected "
        "(dedupe would drop real observations)",
    )


def exact_contamination(
    train_x: pl.DataFrame,
    test_x: pl.DataFrame,
    options: AuditOptions,
    dedupe_done: bool,
    train_ids: np.ndarray | None = None,
    test_ids: np.ndarray | None = None,
) -> Finding | None:
    """Test rows whose feature vector, or id, also occurs in train. With a small feature space (few columns
    with few values) equal feature rows are expected by chance: only those beyond the share found within
    train count (a shared id always counts)."""
    columns = [c for c in test_x.columns if c in train_x.columns]
    by_features = np.zeros(test_x.height, dtype=bool)
    if columns:
        train_keys = train_x.select(row_key(columns).alias("k")).get_column("k")
        test_keys = test_x.select(row_key(columns).alias("k")).get_column("k")
        by_features = test_keys.is_in(train_keys.implode()).to_numpy()
    by_id = np.zeros(test_x.height, dtype=bool)
    if train_ids is not None and test_ids is not None and len(test_ids) == test_x.height:
        by_id = np.isin(test_ids, train_ids)
    shared = by_features | by_id
    what = "also appear in train (same features or same id)"
    evidence: dict = {"by_features": int(by_features.sum()), "by_id": int(by_id.sum())}
    counted = int(shared.sum())
    chance = exact_chance(train_x, columns) if by_features.any() else None
    if chance is not None:
        feature_only = int((by_features & ~by_id).sum())
        excess, beyond_noise = chance.judge(feature_only, test_x.height - int(by_id.sum()))
        counted = int(by_id.sum()) + (excess if beyond_noise else 0)
        evidence |= chance.evidence(int(by_features.sum()), test_x.height, excess if beyond_noise else 0)
        if counted == 0:
            return _chance_finding(
                "contamination:exact", "also appear in train", feature_only, test_x.height, chance
            )
        what = (
            f"appear in train beyond chance ({evidence['observed_fraction']:.1%} found vs "
            f"{chance.expected_fraction:.1%} expected from {chance.describe()})"
        )
        if by_id.any():
            what += f", {int(by_id.sum()):,} of them by a shared id"
    evidence["examples"] = example_rows(test_x, np.flatnonzero(shared), columns)
    fix = (
        "split by data.group_column so copies stay together, or acknowledge it"
        if dedupe_done
        else "set [audit] dedupe = true to drop exact copies before splitting, or split by data.group_column"
    )
    return _contamination_finding(
        "contamination:exact",
        what,
        counted,
        test_x.height,
        options,
        evidence,
        fix,
        fixed_by_dedupe=not dedupe_done,
    )


def near_contamination(
    train_x: pl.DataFrame, test_x: pl.DataFrame, features: Sequence[str], options: AuditOptions
) -> Finding | None:
    """Test rows with a near-duplicate (not an exact copy) in train; with a small feature space, only those
    beyond the share of training rows with a near-duplicate in train."""
    features = [c for c in features if c in train_x.columns and c in test_x.columns]
    if not features:
        return None
    both = pl.concat([train_x.select(features), test_x.select(features)], how="vertical_relaxed")
    clusters = near_duplicate_row_clusters(both, features, options.near_duplicate_numeric_tolerance)
    n_train = train_x.height
    in_train = np.zeros(clusters.labels.max() + 1 if len(clusters.labels) else 0, dtype=bool)
    in_train[clusters.labels[:n_train]] = True
    exact_in_train = np.zeros(clusters.exact_feature_groups.max() + 1 if n_train else 0, dtype=bool)
    exact_in_train[clusters.exact_feature_groups[:n_train]] = True
    test_labels = clusters.labels[n_train:]
    near_only = in_train[test_labels] & ~exact_in_train[clusters.exact_feature_groups[n_train:]]
    observed = int(near_only.sum())
    what = "have a near-duplicate in train"
    evidence: dict = {}
    counted = observed
    chance = (
        near_chance(train_x.select(features), features, options.near_duplicate_numeric_tolerance)
        if observed
        else None
    )
    if chance is not None:
        excess, beyond_noise = chance.judge(observed, test_x.height)
        counted = excess if beyond_noise else 0
        evidence |= chance.evidence(observed, test_x.height, counted)
        if counted == 0:
            return _chance_finding(
                "contamination:near_duplicates",
                "have a near-duplicate in train",
                observed,
                test_x.height,
                chance,
            )
        what = (
            f"have a near-duplicate in train beyond chance ({observed / test_x.height:.1%} found vs "
            f"{chance.expected_fraction:.1%} expected from {chance.describe()})"
        )
    evidence["examples"] = example_rows(test_x, np.flatnonzero(near_only), features)
    return _contamination_finding(
        "contamination:near_duplicates",
        what,
        counted,
        test_x.height,
        options,
        evidence,
        "split by data.group_column so near-copies stay in one split, or acknowledge it",
    )


def text_contamination(
    train_texts: pl.Series, test_texts: pl.Series, column: str, options: AuditOptions, seed: int
) -> list[Finding]:
    """Test texts equal (normalised) to a train text, and test texts with a near-duplicate in train."""
    findings: list[Finding] = []
    train_norm, test_norm = normalize_texts(train_texts), normalize_texts(test_texts)
    exact = test_norm.is_in(train_norm.implode()).to_numpy() & (test_norm != "").to_numpy()
    exact_finding = _contamination_finding(
        f"contamination:exact:{column}",
        f"have a {column!r} text identical to a train text",
        int(exact.sum()),
        len(test_norm),
        options,
        {"examples": [str(test_texts[int(i)]) for i in np.flatnonzero(exact)[:EXAMPLES]]},
        "de-duplicate texts before splitting, or split by a group column",
    )
    if exact_finding:
        findings.append(exact_finding)
    near = find_near_duplicates_between(
        train_norm,
        test_norm,
        threshold=options.near_duplicate_threshold,
        num_perm=options.num_perm,
        shingle_size=options.shingle_size,
        shingle_unit=options.shingle_unit,
        seed=seed,
    )
    near_rows = np.zeros(len(test_norm), dtype=bool)
    near_rows[near.pairs[:, 1]] = True
    near_rows &= ~exact
    examples = [
        {"train": str(train_texts[int(i)]), "test": str(test_texts[int(j)])}
        for i, j in near.pairs[near_rows[near.pairs[:, 1]]][:EXAMPLES]
    ]
    found = _contamination_finding(
        f"contamination:near_duplicates:{column}",
        f"have a near-duplicate {column!r} text in train (Jaccard ≥ {options.near_duplicate_threshold})",
        int(near_rows.sum()),
        len(test_norm),
        options,
        {"examples": examples},
        "keep one text per near-duplicate cluster before splitting, or split by a group column",
    )
    if found:
        findings.append(found)
    return findings
