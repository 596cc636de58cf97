"""The audit's entry points: the whole table before splitting, the splits, and a Parquet file by streaming."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from harness.audit._frame import encode_target, infer_task, n_rows, sample
from harness.audit.conflicts import label_conflicts
from harness.audit.contamination import exact_contamination, near_contamination, text_contamination
from harness.audit.coverage import coverage_findings
from harness.audit.duplicates import exact_duplicate_rows, near_duplicate_rows, text_duplicates
from harness.audit.entities import entity_findings
from harness.audit.findings import Finding, resolve, sort_findings
from harness.audit.leakage import leakage_findings, time_leakage_findings
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.spec import DecisionSpec
from harness.types import TaskKind


def audit_table(frame: pl.DataFrame | pl.LazyFrame, task: Task | None, spec: DecisionSpec) -> list[Finding]:
    """Audit the table before splitting: duplicates, near-duplicates, leakage, label conflicts, coverage, and
    entities repeated over rows while the spec names no group column.

    A LazyFrame is audited with bounded memory: counts, missingness and exact duplicates stream over all rows;
    leakage, conflicts and near-duplicates use a sample of `[audit] sample_rows` rows. Findings come back
    resolved against the spec (acknowledged / fixed by drop_columns or dedupe), blocking first.
    """
    total = n_rows(frame)
    schema = frame.collect_schema()
    rows = sample(frame, spec.audit.sample_rows, total, spec.seed)
    if task is None:
        task = infer_task(schema, rows, spec)
    sampled_fraction = rows.height / total if total else 1.0
    findings: list[Finding] = []
    findings += coverage_findings(frame, total, task, spec)
    if total == 0:
        return sort_findings(resolve(findings, spec))
    row_id = (spec.data.id_column,) if spec.data.id_column else ()
    found = exact_duplicate_rows(frame, total, ignore=row_id)
    if found:
        findings.append(found)
    tabular = [c for c in task.feature_columns if c in schema and c not in task.text_columns]
    y = encode_target(rows.get_column(task.target), task) if task.target in schema else None
    if tabular:
        near, clusters = near_duplicate_rows(
            rows, tabular, spec.audit, sampled_fraction=sampled_fraction, ignore=row_id
        )
        if near:
            findings.append(near)
        if y is not None and task.is_classification:
            conflict = label_conflicts(
                rows,
                clusters.exact_feature_groups,
                y,
                code="label_conflict:rows",
                what="identical feature rows",
                show=[*tabular, task.target],
            )
            if conflict:
                findings.append(conflict)
    for column in task.text_columns:
        if column not in schema:
            continue
        text_findings, labels = text_duplicates(rows.get_column(column), column, spec.audit, spec.seed)
        findings += text_findings
        if y is not None and task.is_classification:
            conflict = label_conflicts(
                rows,
                labels,
                y,
                code=f"label_conflict:{column}",
                what=f"identical or near-duplicate {column!r} texts",
                show=[column, task.target],
            )
            if conflict:
                findings.append(conflict)
    if task.kind is not TaskKind.QA:
        findings += leakage_findings(rows, task, spec)
        findings += entity_findings(rows, task, spec)
    findings += time_leakage_findings(frame, task, spec)
    return sort_findings(resolve(findings, spec))


def audit_splits(
    train: Split, test: Split, task: Task, spec: DecisionSpec, *, dedupe_done: bool | None = None
) -> list[Finding]:
    """Train/test contamination: test rows whose features (or id) also occur in train, test rows with a near-
    duplicate in train, and shared or near-duplicate texts; each as a share of the test split, blocking at
    `[audit] contamination_blocking_fraction`. `dedupe_done` (default: spec.audit.dedupe) says whether exact
    duplicates were already dropped, which changes the suggested fix."""
    options = spec.audit
    done = options.dedupe if dedupe_done is None else dedupe_done
    findings: list[Finding] = []
    tabular = [c for c in task.feature_columns if c in test.X.columns and c not in task.text_columns]
    found = exact_contamination(
        train.X.select(tabular),
        test.X.select(tabular),
        options,
        done,
        train.extra.get("ids"),
        test.extra.get("ids"),
    )
    if found:
        findings.append(found)
    if tabular:
        found = near_contamination(train.X, test.X, tabular, options)
        if found:
            findings.append(found)
    for column in task.text_columns:
        if column in train.X.columns and column in test.X.columns:
            findings += text_contamination(
                train.X.get_column(column), test.X.get_column(column), column, options, spec.seed
            )
    # Contamination measured on the splits is real: dedupe has already run, so it cannot be resolved by it.
    for f in findings:
        f.fixed_by_dedupe = f.fixed_by_dedupe and not done
    return sort_findings(resolve(findings, spec))


def audit_parquet(path: str | Path, spec: DecisionSpec, task: Task | None = None) -> list[Finding]:
    """Audit a Parquet file without loading it (polars lazy scan + streaming aggregations + a sample)."""
    p = Path(path)
    if not p.exists():
        raise InputError("data file not found", where=str(p), fix="check data.path")
    return audit_table(pl.scan_parquet(p), task, spec)


def deduplicate(df: pl.DataFrame, ignore: Sequence[str] = ()) -> tuple[pl.DataFrame, int]:
    """Drop exact duplicate rows (keep the first) like `[audit] dedupe = true`: equal in every column but
    `ignore` (the row id: a copy re-issued a new id is still a copy). Returns (frame, dropped)."""
    subset = [c for c in df.columns if c not in ignore]
    out = df.unique(subset=subset or None, maintain_order=True, keep="first")
    return out, df.height - out.height


def effective_rows(findings: list[Finding], rows: int) -> int:
    """Training-set size after removing exact and near duplicates, from the findings' evidence."""
    best = rows
    for f in findings:
        value = f.evidence.get("effective_rows")
        if isinstance(value, int | np.integer):
            best = min(best, int(value))
    return best
