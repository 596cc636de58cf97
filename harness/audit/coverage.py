"""Coverage: missingness, constant columns, high-cardinality categoricals, class balance, out-of-range values.

All statistics come from one streaming aggregation over the table (null counts, approximate distinct counts,
min/max, non-finite counts) plus a streaming group-by of the target, so this runs on data larger than memory.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from harness.audit._frame import collect, is_categorical, is_numeric
from harness.audit.findings import Finding
from harness.dataset import Task
from harness.errors import InputError
from harness.spec import DecisionSpec

HIGH_CARDINALITY_SHARE = 0.5  # distinct values / rows: a categorical above this behaves like an identifier
HIGH_CARDINALITY_MIN = 50
MANY_CATEGORIES = 1_000
IMBALANCE_WARNING = 0.05  # minority class share
IMBALANCE_INFO = 0.2


def column_stats(frame: pl.DataFrame | pl.LazyFrame) -> dict[str, dict[str, Any]]:
    """Per column: nulls (NaN counted as missing), approximate distinct values, min/max, ±inf."""
    schema = frame.collect_schema()
    exprs: list[pl.Expr] = []
    for name, dtype in schema.items():
        col = pl.col(name)
        missing = col.is_null().sum()
        if dtype.is_float():
            missing = missing + col.is_nan().sum()
            exprs.append(col.is_infinite().sum().alias(f"{name}\x00inf"))
        exprs.append(missing.alias(f"{name}\x00missing"))
        exprs.append(col.approx_n_unique().alias(f"{name}\x00distinct"))
        if is_numeric(dtype):
            finite = col.filter(col.is_finite()) if dtype.is_float() else col
            exprs += [finite.min().alias(f"{name}\x00min"), finite.max().alias(f"{name}\x00max")]
    query = frame.select(exprs)
    row = (collect(query) if isinstance(query, pl.LazyFrame) else query).row(0, named=True)
    stats: dict[str, dict[str, Any]] = {name: {} for name in schema}
    for key, value in row.items():
        name, stat = key.split("\x00")
        stats[name][stat] = value
    return stats


def class_counts(frame: pl.DataFrame | pl.LazyFrame, target: str) -> dict[Any, int]:
    query = frame.group_by(target).len()
    counts = collect(query) if isinstance(query, pl.LazyFrame) else query
    return {k: int(v) for k, v in counts.iter_rows() if k is not None}


def coverage_findings(
    frame: pl.DataFrame | pl.LazyFrame, total: int, task: Task, spec: DecisionSpec
) -> list[Finding]:
    if total == 0:
        return [
            Finding(
                "coverage:empty",
                "blocking",
                "the table has no rows",
                fix="point data.path at a non-empty file",
            )
        ]
    schema = frame.collect_schema()
    stats = column_stats(frame)
    findings: list[Finding] = []
    reserved_ids = {c for c in (spec.data.id_column, spec.data.group_column) if c}
    for name, dtype in schema.items():
        s = stats[name]
        missing = int(s.get("missing") or 0)
        distinct = int(s.get("distinct") or 0)
        if missing:
            findings.append(_missing_finding(name, missing, total, task, spec))
        if missing < total and distinct <= 1 and name != task.target:
            findings.append(
                Finding(
                    code=f"constant:{name}",
                    severity="warning",
                    title=f"{name!r} has a single value",
                    evidence={"distinct_values": distinct, "rows": total},
                    fix=f"drop it: drop_columns = ['{name}']",
                    columns=(name,),
                )
            )
        if (
            is_categorical(dtype)
            and dtype != pl.Boolean
            and name not in task.text_columns
            and name not in reserved_ids
            and name != task.target
        ):
            findings += _cardinality_findings(name, distinct, total)
        if int(s.get("inf") or 0):
            findings.append(
                Finding(
                    code=f"non_finite:{name}",
                    severity="warning",
                    title=f"{name!r} holds {int(s['inf']):,} infinite values",
                    evidence={"infinite_rows": int(s["inf"]), "rows": total},
                    fix="replace ±inf at the source (a division by zero?)",
                    columns=(name,),
                )
            )
    findings += _range_findings(frame, stats, total, spec)
    if task.is_classification and task.target in schema:
        findings += _class_findings(class_counts(frame, task.target), total, task, spec)
    return findings


def _missing_finding(name: str, missing: int, total: int, task: Task, spec: DecisionSpec) -> Finding:
    share = missing / total
    heavy = share > spec.audit.max_missing_fraction
    return Finding(
        code=f"missing:{name}",
        severity="warning" if heavy or name == task.target else "info",
        title=f"{name!r} is missing in {missing:,} rows ({share:.1%})",
        evidence={"missing_rows": missing, "rows": total, "fraction": share},
        fix="impute it, or drop it with drop_columns" if heavy else "candidates impute it; check why",
        columns=(name,) if name != task.target else (),
    )


def _cardinality_findings(name: str, distinct: int, total: int) -> list[Finding]:
    """A categorical column with so many values that it behaves like an identifier, or many categories."""
    if distinct >= max(HIGH_CARDINALITY_MIN, HIGH_CARDINALITY_SHARE * total):
        return [
            Finding(
                code=f"high_cardinality:{name}",
                severity="warning",
                title=f"{name!r} has ~{distinct:,} distinct values in {total:,} rows: an identifier?",
                evidence={"distinct_values_approx": distinct, "rows": total},
                fix="declare it as data.id_column or data.text_columns, or drop it",
                columns=(name,),
            )
        ]
    if distinct > MANY_CATEGORIES:
        return [
            Finding(
                code=f"high_cardinality:{name}",
                severity="info",
                title=f"{name!r} has ~{distinct:,} categories",
                evidence={"distinct_values_approx": distinct, "rows": total},
                fix="group rare categories, or use target / hashing encoding",
                columns=(name,),
            )
        ]
    return []


def _range_findings(
    frame: pl.DataFrame | pl.LazyFrame, stats: dict[str, dict[str, Any]], total: int, spec: DecisionSpec
) -> list[Finding]:
    ranges = spec.audit.value_ranges
    schema = frame.collect_schema()
    checks: list[tuple[str, float, float]] = []
    for name, bounds in ranges.items():
        if len(bounds) != 2 or bounds[0] > bounds[1]:
            raise InputError(
                f"value_ranges.{name} must be [min, max]",
                where="[audit] value_ranges",
                fix=f"write {name} = [low, high] with low ≤ high",
            )
        if name not in schema or not is_numeric(schema[name]):
            raise InputError(
                f"value_ranges names {name!r}, which is not a numeric column",
                where="[audit] value_ranges",
                fix="name a numeric column of the data",
            )
        lo, hi = float(bounds[0]), float(bounds[1])
        s = stats[name]
        if (s.get("min") is not None and s["min"] < lo) or (s.get("max") is not None and s["max"] > hi):
            checks.append((name, lo, hi))
    if not checks:
        return []
    query = frame.select([((pl.col(n) < lo) | (pl.col(n) > hi)).sum().alias(n) for n, lo, hi in checks])
    row = (collect(query) if isinstance(query, pl.LazyFrame) else query).row(0, named=True)
    return [
        Finding(
            code=f"out_of_range:{name}",
            severity="warning",
            title=f"{name!r} is outside [{lo:g}, {hi:g}] in {int(row[name]):,} rows",
            evidence={
                "rows_out_of_range": int(row[name]),
                "rows": total,
                "min": stats[name]["min"],
                "max": stats[name]["max"],
                "allowed": [lo, hi],
            },
            fix="correct or remove those rows at the source",
            columns=(name,),
        )
        for name, lo, hi in checks
        if row[name]
    ]


def _class_findings(counts: dict[Any, int], total: int, task: Task, spec: DecisionSpec) -> list[Finding]:
    if len(counts) < 2:
        return []
    findings: list[Finding] = []
    minority, minority_count = min(counts.items(), key=lambda kv: kv[1])
    share = minority_count / total
    if share < IMBALANCE_INFO:
        findings.append(
            Finding(
                code=f"imbalance:{task.target}",
                severity="warning" if share < IMBALANCE_WARNING else "info",
                title=f"class {minority!r} is {share:.2%} of rows",
                evidence={"class_counts": {str(k): v for k, v in counts.items()}, "minority_share": share},
                fix="judge candidates on PR-AUC / balanced metrics and keep the split stratified",
            )
        )
    rare = {str(k): v for k, v in counts.items() if v < spec.audit.min_class_count}
    if rare:
        findings.append(
            Finding(
                code=f"rare_classes:{task.target}",
                severity="warning",
                title=f"{len(rare)} class(es) with fewer than {spec.audit.min_class_count} rows",
                evidence={"rare_classes": rare, "min_class_count": spec.audit.min_class_count},
                fix="collect more rows of those classes, merge them, or drop them",
            )
        )
    return findings
