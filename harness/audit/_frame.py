"""Frame plumbing shared by the audit checks: lazy/eager handling, sampling, row keys, target encoding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from harness.dataset import Task
from harness.errors import InputError
from harness.spec import DecisionSpec
from harness.types import TaskKind

ROW_HASH_SEED = 0x5EED
EXAMPLES = 3  # examples kept in a finding's evidence


def collect(lf: pl.LazyFrame) -> pl.DataFrame:
    """Collect with the streaming engine: bounded memory for aggregations over data larger than memory."""
    return lf.collect(engine="streaming")


def row_key(columns: Sequence[str]) -> pl.Expr:
    """A 64-bit hash of the given columns of each row (collisions are negligible below ~10^9 rows)."""
    if not columns:
        return pl.lit(0, dtype=pl.UInt64)
    return pl.struct([pl.col(c) for c in columns]).hash(ROW_HASH_SEED)


def n_rows(frame: pl.DataFrame | pl.LazyFrame) -> int:
    if isinstance(frame, pl.DataFrame):
        return frame.height
    return int(collect(frame.select(pl.len())).item())


def sample(frame: pl.DataFrame | pl.LazyFrame, rows: int, total: int, seed: int) -> pl.DataFrame:
    """At most `rows` rows: all of a small frame; every k-th row (from a seeded offset) of a larger one, read
    in a streaming pass so the whole table is never in memory."""
    if total <= rows:
        return frame if isinstance(frame, pl.DataFrame) else collect(frame)
    step = int(np.ceil(total / rows))
    offset = int(np.random.default_rng(seed).integers(step))
    if isinstance(frame, pl.DataFrame):
        return frame.slice(offset).gather_every(step)
    return collect(frame.slice(offset).gather_every(step))


def is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() and dtype != pl.Boolean


def is_temporal(dtype: pl.DataType) -> bool:
    return dtype.is_temporal() and dtype not in (pl.Duration, pl.Time)


def is_categorical(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical, pl.Boolean) or isinstance(dtype, pl.Enum)


def encode_target(values: pl.Series, task: Task) -> np.ndarray:
    """Class index (by `task.classes`; unknown or missing → -1) or float (regression)."""
    if not task.is_classification:
        return values.cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
    index = {cls: i for i, cls in enumerate(task.classes)}
    mapping = pl.DataFrame(
        {"value": list(index), "code": list(index.values())}, schema_overrides={"code": pl.Int64}
    )
    frame = values.alias("value").to_frame()
    if frame.schema["value"] != mapping.schema["value"]:
        frame = frame.with_columns(pl.col("value").cast(mapping.schema["value"], strict=False))
    joined = frame.join(mapping, on="value", how="left", maintain_order="left")
    return joined.get_column("code").fill_null(-1).to_numpy().astype(np.int64)


def infer_task(schema: pl.Schema, head: pl.DataFrame, spec: DecisionSpec) -> Task:
    """A light `Task` from the schema and a sample, for auditing a file that is not loaded (large Parquet).
    Mirrors `harness.data.task` (reserved columns are not features) without its checks on the full column."""
    data = spec.data
    target = data.target or ""
    if target and target not in schema:
        raise InputError(
            f"data.target {target!r} is not a column", where="[data] target", fix="name an existing column"
        )
    reserved = {c for c in (target, data.id_column, data.group_column, data.time_column) if c}
    features = data.feature_columns or [
        c for c, t in schema.items() if c not in reserved and (is_numeric(t) or is_categorical(t))
    ]
    text = tuple(c for c in data.text_columns if c in features)
    numeric = tuple(c for c in features if c not in text and is_numeric(schema[c]))
    categorical = tuple(c for c in features if c not in text and c not in numeric)
    if spec.task is TaskKind.QA or not target:
        return Task(TaskKind.QA, target, tuple(features), text_columns=text)
    y = head.get_column(target).drop_nulls()
    classes: tuple[Any, ...] = tuple(y.unique().sort().to_list())
    kind = spec.task or (
        TaskKind.BINARY
        if len(classes) <= 2
        else TaskKind.REGRESSION
        if is_numeric(y.dtype) and (y.dtype.is_float() or len(classes) > 20)
        else TaskKind.MULTICLASS
    )
    if kind is TaskKind.REGRESSION:
        classes = ()
    positive = None
    if kind is TaskKind.BINARY and classes:
        positive = classes.index(data.positive_label) if data.positive_label in classes else len(classes) - 1
    return Task(kind, target, tuple(features), numeric, categorical, text, classes, positive)


def example_rows(
    df: pl.DataFrame, indices: Sequence[int] | NDArray[np.integer], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """A few rows as plain dicts (for evidence)."""
    cols = [c for c in columns if c in df.columns][:12]
    picked = [int(i) for i in list(indices)[:EXAMPLES]]
    return [{k: _plain(v) for k, v in row.items()} for row in df[picked].select(cols).to_dicts()]


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)
