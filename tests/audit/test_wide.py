"""The audit on a wide table (300 rows × 2,000 columns): what it finds on a narrow table it finds among 2,000
columns too. The near-duplicate search hashes each column once (no longer a hash of all other columns per
column), and the leakage check scores every column; neither is sampled or capped, so the planted problems are
found exactly. (Timing: benchmarks/bench_wide.py.)"""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.audit import audit_splits, audit_table
from harness.audit.duplicates import near_duplicate_row_clusters
from harness.data import build_task, make_splits
from harness.spec import spec_from_dict

ROWS, COLUMNS = 300, 2_000
NEAR_COPIES = 6


def _wide(seed: int = 0) -> pl.DataFrame:
    """Noise columns, a label, `leaky` (the label with 1% of it flipped) somewhere in the middle, and
    NEAR_COPIES rows copied with one number 0.1% off (and a new id)."""
    rng = np.random.default_rng(seed)
    label = (rng.random(ROWS) < 0.3).astype(np.int64)
    numbers = rng.normal(size=(ROWS, COLUMNS))
    columns: dict[str, object] = {f"x{i:04d}": numbers[:, i] for i in range(COLUMNS)}
    columns["leaky"] = np.where(rng.random(ROWS) < 0.01, 1 - label, label)
    columns = dict(sorted(columns.items()))  # x0000 … x1999, then leaky: not first, not alone
    df = pl.DataFrame({"row_id": np.arange(ROWS), **columns, "label": label})
    source = rng.choice(ROWS, NEAR_COPIES, replace=False)
    copies = df[source].with_columns(
        (pl.col("x1234") * 1.001).alias("x1234"), (pl.col("row_id") + 10_000).alias("row_id")
    )
    return pl.concat([df, copies])


def _spec():
    return spec_from_dict(
        {"title": "wide", "data": {"path": "x.parquet", "target": "label", "id_column": "row_id"}}
    )


def test_a_one_feature_leak_and_near_copies_are_found_among_2000_columns() -> None:
    df, spec = _wide(), _spec()
    found = {f.code: f for f in audit_table(df, build_task(df, spec), spec)}
    leak = found["leakage:leaky"]
    assert leak.severity == "blocking" and leak.evidence["value"] >= 0.98
    assert not [code for code in found if code.startswith("leakage:x")]  # noise columns are not leaks
    near = found["near_duplicates:rows"]
    assert near.evidence["near_duplicate_rows"] == NEAR_COPIES
    assert near.evidence["effective_rows"] == ROWS
    # contamination is measured on the wide splits too: a test row whose near-copy is in train is found
    task = build_task(df, spec)
    splits = make_splits(df, task, spec)
    train, test = set(splits.train.extra["ids"].tolist()), set(splits.test.extra["ids"].tolist())
    pairs = [(int(i) - 10_000, int(i)) for i in df["row_id"][ROWS:]]
    across = sum(1 for a, b in pairs if (a in train and b in test) or (b in train and a in test))
    contamination = {f.code: f for f in audit_splits(splits.train, splits.test, task, spec)}
    if across:
        found_near = contamination["contamination:near_duplicates"]
        assert found_near.evidence["test_rows_shared"] == across
    else:
        assert "contamination:near_duplicates" not in contamination


def test_rows_differing_in_several_columns_by_the_same_values_are_not_linked() -> None:
    """Leave-one-column-out keys are sums of per-column terms: rows that differ in several columns by the
    same pair of values must not cancel out (they did with multipliers in arithmetic progression)."""
    a = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    b = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    rows = [a, b, [*a[:3], 1.0, 1.0, 5.0], [*b[:3], 8.0, 8.0, 8.0]]  # each shares a half with another row
    df = pl.DataFrame(rows, schema=[f"c{i}" for i in range(6)], orient="row")
    clusters = near_duplicate_row_clusters(df, df.columns, 0.01)
    assert clusters.labels[0] != clusters.labels[1]  # four columns apart
    assert clusters.labels[0] != clusters.labels[2]  # one column apart, but 0 vs 5 is not within 1%
    near = pl.DataFrame([a, [*a[:3], 1.005, *a[4:]]], schema=df.columns, orient="row")  # one number 0.5% off
    assert near_duplicate_row_clusters(near, near.columns, 0.01).labels.tolist() == [0, 0]
