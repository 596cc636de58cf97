"""From a table and the spec to a `Task`: which column is predicted, what kind of task it is, which columns
are features and of what kind, and how labels are encoded.

Nothing here drops rows or guesses silently: a missing target value, an unknown column or a one-class target
is an `InputError` naming the fix. Only the *shape* of the data is read here, no statistic a model learns.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from harness.data.load import did_you_mean, list_columns
from harness.dataset import Task
from harness.errors import InputError
from harness.types import TaskKind

if TYPE_CHECKING:
    from harness.spec import DecisionSpec

# An integer target is a class label when it has few distinct values, absolutely and relative to the rows.
MAX_INTEGER_CLASSES = 50
MAX_INTEGER_CLASS_SHARE = 0.05

_FEATURE_FIX = "set data.feature_columns to the columns to use"


def check_declared_columns(df: pl.DataFrame, spec: DecisionSpec) -> None:
    """The id / group / time columns the spec declares are columns of the table."""
    for key in ("id_column", "group_column", "time_column"):
        name = getattr(spec.data, key)
        if name is not None:
            _require_column(df, name, f"data.{key}")


def table_task_with_notes(df: pl.DataFrame, spec: DecisionSpec) -> tuple[Task, list[str]]:
    """The task of a table (tabular or text classification, or regression), plus notes on decisions a reader
    should know (detected kind, skipped columns). QA tasks are `harness.data.qa`'s; dispatch by kind is
    `harness.data.kinds`."""
    data = spec.data
    notes: list[str] = []
    target = data.target
    if target is None:  # the spec validator already demands it for every non-QA task
        raise InputError("data.target is not set", where="[data]", fix="name the column to predict")
    _require_column(df, target, "data.target")
    y = df.get_column(target)
    n_missing = y.null_count() + (int(y.is_nan().sum()) if y.dtype.is_float() else 0)
    if n_missing:
        raise InputError(
            f"target {target!r} is missing in {n_missing:,} of {df.height:,} rows",
            where="[data] target",
            fix="label those rows or remove them from the file (archbench does not drop rows silently)",
        )
    _check_target_values(y, target, df.height)

    kind = spec.task or detect_kind(y)
    if spec.task is None:
        notes.append(f"task detected from target {target!r}: {kind} ({y.n_unique():,} distinct values)")
    classes: tuple[Any, ...] = ()
    positive_index: int | None = None
    if kind.is_classification:
        classes = tuple(y.unique().sort().to_list())
        _check_classes(kind, classes, target, y)
        positive_index = _positive_index(kind, classes, data.positive_label, y)
    else:
        _check_regression_target(y, target)
        if data.positive_label is not None:
            raise InputError(
                "data.positive_label is set but the task is regression",
                where="[data] positive_label",
                fix="remove positive_label, or set task = 'binary'",
            )

    features = _feature_columns(df, spec, notes)
    _check_finite(df, features)
    text = tuple(c for c in data.text_columns if c in features)
    if not data.text_columns and data.detect_text:
        text = _detect_text_columns(df, features, notes)
    numeric, categorical = [], []
    schema = df.schema  # once: a wide frame's schema costs milliseconds per call
    for name in features:
        if name in text:
            continue
        dtype = schema[name]
        if dtype.is_numeric() or dtype.is_temporal():
            numeric.append(name)
        else:
            categorical.append(name)
    task = Task(
        kind=kind,
        target=target,
        feature_columns=tuple(features),
        numeric_columns=tuple(numeric),
        categorical_columns=tuple(categorical),
        text_columns=text,
        classes=classes,
        positive_index=positive_index,
    )
    return task, notes


def encode_target(df: pl.DataFrame, task: Task) -> np.ndarray:
    """Class indices into `task.classes` (int64) for classification, float64 values for regression."""
    if task.target not in df.columns:
        raise InputError(
            f"target column {task.target!r} is not in this table",
            fix="pass the table the task was built from",
        )
    y = df.get_column(task.target)
    if task.is_classification:
        codes = y.replace_strict(
            list(task.classes), list(range(len(task.classes))), default=None, return_dtype=pl.Int64
        )
        unknown = codes.is_null() & y.is_not_null()
        if int(codes.null_count()):
            example = y.filter(unknown)[0] if unknown.any() else None
            raise InputError(
                f"target {task.target!r} has {codes.null_count():,} value(s) outside the task's classes "
                f"{list(task.classes)} (e.g. {example!r})",
                fix="build the task from the same table, or label those rows with a known class",
            )
        return codes.to_numpy().astype(np.int64, copy=False)
    values = y.cast(pl.Float64, strict=False)
    if values.null_count() or bool(values.is_nan().any()):
        raise InputError(
            f"target {task.target!r} has missing or non-numeric values",
            fix="fill or remove those rows; a regression target must be a number in every row",
        )
    return values.to_numpy().astype(np.float64, copy=False)


# ---- detection -------------------------------------------------------------------------------------------


def detect_kind(y: pl.Series) -> TaskKind:
    """binary, multiclass or regression, from the target's type and its distinct values."""
    n_distinct = y.n_unique()
    if y.dtype == pl.Boolean or n_distinct == 2:
        return TaskKind.BINARY
    if n_distinct < 2:
        return TaskKind.BINARY  # _check_classes reports the single class
    if y.dtype in (pl.String, pl.Categorical) or isinstance(y.dtype, pl.Enum):
        return TaskKind.MULTICLASS
    if (
        y.dtype.is_integer()
        and n_distinct <= MAX_INTEGER_CLASSES
        and n_distinct <= MAX_INTEGER_CLASS_SHARE * len(y)
    ):
        return TaskKind.MULTICLASS
    if y.dtype.is_numeric():
        return TaskKind.REGRESSION
    raise InputError(
        f"cannot tell the task from target {y.name!r} of type {y.dtype}",
        where="[data] target",
        fix="set task = 'binary', 'multiclass' or 'regression' in the spec, or convert the column",
    )


def _check_classes(kind: TaskKind, classes: tuple[Any, ...], target: str, y: pl.Series) -> None:
    if len(classes) < 2:
        only = classes[0] if classes else None
        raise InputError(
            f"target {target!r} has a single class ({only!r}) in all {len(y):,} rows",
            where="[data] target",
            fix="add rows of the other class(es), or pick another target column",
        )
    if kind is TaskKind.BINARY and len(classes) != 2:
        raise InputError(
            f"task is binary but target {target!r} has {len(classes):,} distinct values",
            where="task",
            fix="set task = 'multiclass' (or 'regression'), or map the target to two values",
        )
    if y.dtype.is_float() and kind is TaskKind.MULTICLASS and len(classes) > MAX_INTEGER_CLASSES:
        raise InputError(
            f"task is multiclass but target {target!r} is a float with {len(classes):,} distinct values",
            where="task",
            fix="set task = 'regression', or bin the target into classes",
        )


def _positive_index(
    kind: TaskKind, classes: tuple[Any, ...], positive_label: Any, y: pl.Series
) -> int | None:
    if positive_label is not None:
        if kind is not TaskKind.BINARY:
            raise InputError(
                "data.positive_label only applies to a binary target",
                where="[data] positive_label",
                fix="remove positive_label for a multiclass task",
            )
        for i, c in enumerate(classes):  # exact match first, then by text ("1" in TOML for an integer 1)
            if c == positive_label and type(c) is type(positive_label):
                return i
        for i, c in enumerate(classes):
            if str(c).lower() == str(positive_label).lower():
                return i
        raise InputError(
            f"data.positive_label {positive_label!r} is not a value of the target; "
            f"its values are {list(classes)}",
            where="[data] positive_label",
            fix="set positive_label to one of those values",
        )
    if kind is not TaskKind.BINARY:
        return None
    if classes in ((0, 1), (False, True)):
        return 1
    counts = y.value_counts()
    count_of = dict(zip(counts[y.name].to_list(), counts["count"].to_list(), strict=True))
    # The minority class is the one worth finding; on a tie, the later one in sorted order.
    return min(range(len(classes)), key=lambda i: (count_of[classes[i]], -i))


# Text that stands for a missing value: as a label it would become a class of its own ('nan').
MISSING_MARKERS = frozenset({"", "nan", "null", "n/a", "#n/a"})


def _check_target_values(y: pl.Series, target: str, n_rows: int) -> None:
    """Refuse infinite numbers and missing values written as text ('nan', 'NaN', 'null', '', ...)."""
    if y.dtype.is_float():
        bad = y.is_infinite()
        what = "is infinite (inf or -inf)"
    elif y.dtype == pl.String:
        bad = y.str.strip_chars().str.to_lowercase().is_in(list(MISSING_MARKERS))
        what = "holds a missing value written as text (it would become a class of its own)"
    else:
        return
    n_bad = int(bad.sum())
    if not n_bad:
        return
    first = int(bad.arg_true()[0])
    raise InputError(
        f"target {target!r} {what} in {n_bad:,} of {n_rows:,} rows, e.g. {y[first]!r} at row {first}",
        where="[data] target",
        fix="label those rows with real values, or remove them from the file (archbench does not drop rows "
        "silently)",
    )


def _check_finite(df: pl.DataFrame, features: list[str]) -> None:
    """Refuse ±inf in a numeric feature: candidates disagree on what it means (some crash natively)."""
    for name in features:
        col = df.get_column(name)
        if not col.dtype.is_float():
            continue
        bad = col.is_infinite()
        n_bad = int(bad.sum())
        if n_bad:
            first = int(bad.arg_true()[0])
            raise InputError(
                f"feature {name!r} is infinite (inf or -inf) in {n_bad:,} of {df.height:,} rows, e.g. "
                f"{col[first]} at row {first}",
                fix=f"replace them in {name!r} with numbers or leave those cells empty (missing), or drop "
                "the column with [audit] drop_columns",
            )


def _check_regression_target(y: pl.Series, target: str) -> None:
    if not y.dtype.is_numeric():
        raise InputError(
            f"task is regression but target {target!r} is {y.dtype}, not a number",
            where="task",
            fix="set task = 'binary' or 'multiclass', or convert the target to numbers",
        )
    if y.n_unique() < 2:
        raise InputError(
            f"regression target {target!r} is constant ({y[0]!r})",
            where="[data] target",
            fix="pick another target",
        )


# ---- columns ---------------------------------------------------------------------------------------------


def _feature_columns(df: pl.DataFrame, spec: DecisionSpec, notes: list[str]) -> list[str]:
    data = spec.data
    reserved = {c for c in (data.target, data.id_column, data.group_column, data.time_column) if c}
    for name in data.text_columns:
        _require_column(df, name, "data.text_columns")
        if df.schema[name] == pl.Null or (
            df.schema[name] == pl.String
            and not bool(df.get_column(name).str.strip_chars().str.len_chars().gt(0).any())
        ):
            raise InputError(
                f"text column {name!r} is empty in all {df.height:,} rows",
                where="[data] text_columns",
                fix=f"export the data again with its texts, or remove {name!r} from text_columns",
            )
        if df.schema[name] != pl.String:
            raise InputError(
                f"text column {name!r} holds {df.schema[name]}, not text",
                where="[data] text_columns",
                fix=f"remove {name!r} from text_columns (it is used as a numeric/categorical feature)",
            )
    if data.feature_columns is not None:
        if not data.feature_columns:
            raise InputError(
                "data.feature_columns is empty", where="[data] feature_columns", fix=_FEATURE_FIX
            )
        schema = df.schema
        for name in data.feature_columns:
            _require_column(df, name, "data.feature_columns")
            if name in reserved:
                raise InputError(
                    f"data.feature_columns includes {name!r}, which is the target or an id/group/time column",
                    where="[data] feature_columns",
                    fix=f"remove {name!r} from feature_columns",
                )
            if not _usable(schema[name]):
                raise InputError(
                    f"feature {name!r} has type {schema[name]}, which no candidate can use",
                    where="[data] feature_columns",
                    fix=f"convert {name!r} to a number or text, or remove it from feature_columns",
                )
        return list(dict.fromkeys(data.feature_columns))

    features: list[str] = []
    skipped: list[str] = []
    dates: list[str] = []
    for name, dtype in df.schema.items():
        if name in reserved:
            continue
        if dtype.is_temporal() and name not in data.text_columns:
            dates.append(name)
        (features if _usable(dtype) or name in data.text_columns else skipped).append(name)
    ids = id_like_columns(df, [c for c in features if c not in data.text_columns])
    if ids:
        features = [c for c in features if c not in ids]
        notes.append(
            "not used as features, because they look like identifiers: "
            + "; ".join(f"{name!r} ({why})" for name, why in ids.items())
            + " — set data.id_column (or group_column, for an entity seen in many rows), or list them in "
            "data.feature_columns to use them"
        )
    if dates := [name for name in dates if name in features]:  # an id-like one is left out above
        notes.append(date_columns_note(df, dates))
    if skipped:
        notes.append(
            f"not used as features (type not numeric, text or boolean): {', '.join(skipped)}; "
            "convert them or list data.feature_columns to include derived columns"
        )
    if not features:
        raise InputError("no feature columns left besides the target and id/group/time", fix=_FEATURE_FIX)
    return features


# Named like a row or entity identifier: id, uuid, row_id, customer-id, "order id", customerID, userId, index.
_ID_NAME = re.compile(
    r"(?i)(?:^|[_\s.-])(?:id|uuid|guid)$|^(?:index|unnamed: ?0|row_?(?:num|number|nr|no)|row\.?names?)$"
)
_CAMEL_ID = re.compile(r"[a-z0-9](?:Id|ID)$")
# Distinct values per row at or above which an integer or single-token text column is an identifier.
ID_UNIQUE_SHARE = 0.98
ID_MIN_ROWS = 20


def looks_like_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name) or _CAMEL_ID.search(name))


def id_like_columns(df: pl.DataFrame, columns: list[str]) -> dict[str, str]:
    """The columns among `columns` that look like identifiers, each with why: named like one, or unique (or
    nearly) per row — short text (names, codes) or whole numbers counting up like row numbers. Decimals are
    measurements, never ids; free text (several words) is text. An id as a feature is memorised noise (or a
    leak of the row order), so these are not used unless the spec lists them."""
    found: dict[str, str] = {}
    schema = df.schema
    for name in columns:
        dtype = schema[name]
        if looks_like_id_name(name) and not dtype.is_float():
            found[name] = "named like an id"
            continue
        if df.height < ID_MIN_ROWS or not (dtype.is_integer() or dtype in (pl.String, pl.Categorical)):
            continue
        values = df.get_column(name).drop_nulls()
        distinct = values.n_unique()
        if distinct < ID_UNIQUE_SHARE * df.height:
            continue
        if dtype.is_integer():
            high, low = values.max(), values.min()
            assert isinstance(high, int) and isinstance(low, int)  # an integer column with values
            span = high - low + 1
            if span <= 1.1 * distinct:  # 1, 2, 3, … (with few gaps): a row number
                found[name] = f"{distinct:,} distinct whole numbers in {df.height:,} rows, counting up"
            continue
        words = _median_words(values.cast(pl.String))
        if words < TEXT_MIN_MEDIAN_WORDS:  # names and codes, not prose
            found[name] = f"{distinct:,} distinct values in {df.height:,} rows"
    return found


def _median_words(texts: pl.Series) -> float:
    """The median number of whitespace-separated words of a string column (0 when it is empty)."""
    median = texts.str.count_matches(r"\S+").median()
    assert median is None or isinstance(median, int | float)  # the median of word counts
    return float(median or 0.0)


def date_columns_note(df: pl.DataFrame, dates: list[str]) -> str:
    """What the ADR's context says of the date/time columns a run uses as features (the calendar parts are
    derived in `harness.data.preprocess`: those that vary on train)."""
    from harness.data.preprocess import CALENDAR_PARTS, calendar_parts_used, is_calendar_dtype

    said = []
    for name in dates:
        column = df.get_column(name)
        if is_calendar_dtype(column.dtype):
            parts = ", ".join(CALENDAR_PARTS[p] for p in calendar_parts_used(column.drop_nulls()))
            said.append(f"{name!r} ({parts})")
        else:
            said.append(f"{name!r} (as a number: {column.dtype})")
    return (
        f"date/time column(s) used as calendar features by the tabular families: {'; '.join(said)} — the "
        "parts that vary in the data, derived at serving time from the raw column; set data.time_column to "
        "split by time instead, or list data.feature_columns without them to leave them out"
    )


def _usable(dtype: pl.DataType) -> bool:
    return (
        dtype.is_numeric()
        or dtype.is_temporal()  # dates: calendar features (harness.data.preprocess); others: numbers
        or dtype in (pl.String, pl.Categorical, pl.Boolean)
        or isinstance(dtype, pl.Enum)
    )


def _require_column(df: pl.DataFrame, name: str, key: str) -> None:
    if name in df.columns:
        return
    raise InputError(
        f"{key} {name!r} is not a column{did_you_mean(name, df.columns)}",
        where=f"[data] {key.removeprefix('data.')}",
        fix=f"use one of: {list_columns(df.columns)}",
    )


TEXT_MIN_MEDIAN_WORDS = 4  # "cancel my order please" is text; "Visa Gold" or "DE-BY" is a category
TEXT_MIN_DISTINCT_SHARE = 0.5


def _detect_text_columns(df: pl.DataFrame, features: list[str], notes: list[str]) -> tuple[str, ...]:
    """String features that read as prose: a median of ≥ 4 words and mostly distinct values (on a sample).

    Why: left as categoricals, free-text columns become one category per row and every tabular model learns
    nothing from them — a silent failure. Detected columns are reported; `detect_text = false` or an explicit
    `text_columns` list turns this off."""
    found: list[str] = []
    schema = df.schema
    for name in features:
        if schema[name] not in (pl.String, pl.Utf8):
            continue
        values = df.get_column(name).drop_nulls()
        if values.len() == 0:
            continue
        sample = values.sample(min(values.len(), 5_000), seed=0) if values.len() > 5_000 else values
        median_words = _median_words(sample)
        distinct = sample.n_unique() / sample.len()
        if median_words >= TEXT_MIN_MEDIAN_WORDS and distinct >= TEXT_MIN_DISTINCT_SHARE:
            found.append(name)
            notes.append(
                f"column {name!r} reads as free text (median {median_words:.0f} words, "
                f"{distinct:.0%} distinct): treated as a text column — set data.text_columns, "
                "or detect_text = false, to choose yourself"
            )
    return tuple(found)
