"""Duplicates: exact rows (streaming hash counts), near-duplicate rows and near-duplicate texts.

A near-duplicate row equals another on every feature except at most one number, which differs by at most
`near_duplicate_numeric_tolerance` (relative), e.g. a double-submitted payment a few seconds later with the
amount off by a cent and a new id. Found by leave-one-column-out hashing: rows that share the hash of all
features but column c are compared on c only, so the cost is one hash per column and one sort per numeric
column of the rows that share half their features with another row (usually few), not a pairwise scan.
Near-duplicate texts use MinHash LSH (`minhash.py`). Train/test contamination is `contamination.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from harness.audit._frame import EXAMPLES, ROW_HASH_SEED, collect, example_rows, is_numeric, row_key
from harness.audit.findings import Finding
from harness.audit.minhash import find_near_duplicates, normalize_texts
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
