"""Feature encoding for the tabular candidates, fit on the training split only.

Statistics learned in `fit` (from train, never from dev or test):

* per categorical column: a vocabulary, value → code 1..n, for values seen at least `min_category_count` times
  (most frequent first, at most `max_categories`). Everything else — rarer values, values never seen in train,
  nulls — is code 0, "unknown". Grouping rare values with unknown (as scikit-learn's `min_frequency` does)
  means the unknown code is trained on real rows, so a value first met at serving time lands somewhere
  sensible.
* per numeric column: the median (imputation for the net), the mean and standard deviation after imputation
  (standardisation for the net), and whether train had missing values there (then the net gets a
  missing-indicator column; a column complete in train gets none — its indicator would be a constant).

* per date / datetime column: calendar features, each a numeric column of its own named `<column>.<part>`:
  year, month, day, weekday (1 = Monday), day_of_year, and hour for datetimes — the parts that vary on train
  (monthly data has no `day`, dates without a time of day no `hour`). A target that depends on the weekday or
  the season is then learnable by every tabular family; the derived names are what `numeric_columns` holds
  after `fit` (and what feature importances and the single-feature rule name), and serving derives them from
  the raw column of the request.

Trees get numeric values as float32 with NaN for missing (XGBoost and LightGBM route missing values natively)
followed by the category codes. The net gets standardised numerics + indicators, and the codes for its
embeddings.

Serving latency is measured on batches of one row, so `transform` avoids polars expression building per call:
a per-column `to_numpy` for numerics and a dict lookup per value for categoricals (~20 µs for 10 + 5 columns
on one row, where `replace_strict` costs ~100 µs fixed). Past `_VECTORISED_FROM_ROWS` rows the vectorised
`replace_strict` wins (0.7 ms vs 3.2 ms for 10k rows × 5 columns) and is used instead.
See `benchmarks/bench_predict_latency.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

import numpy as np
import polars as pl

from harness.errors import InputError

if TYPE_CHECKING:
    from harness.dataset import Task

UNKNOWN_CODE = 0
_VECTORISED_FROM_ROWS = 256

# Calendar parts of a date/datetime column, in the order its derived columns take, with the words for them.
CALENDAR_PARTS: dict[str, str] = {
    "year": "year",
    "month": "month",
    "day": "day of month",
    "weekday": "day of week",
    "day_of_year": "day of year",
    "hour": "hour",
}
_DATE_ONLY_PARTS = ("year", "month", "day", "weekday", "day_of_year")


def is_calendar_dtype(dtype: pl.DataType) -> bool:
    """Dates and datetimes get calendar features; other temporal types (times of day, durations): numbers."""
    return dtype == pl.Date or isinstance(dtype, pl.Datetime)


def calendar_part(series: pl.Series, part: str) -> np.ndarray:
    """One calendar part of a date/datetime series, float64 with NaN for missing (or unparsable text)."""
    values = _as_datetime(series)
    if values is None:
        return np.full(len(series), np.nan)
    dt = values.dt
    derived = {
        "year": dt.year,
        "month": dt.month,
        "day": dt.day,
        "weekday": dt.weekday,
        "day_of_year": dt.ordinal_day,
        "hour": dt.hour,
    }[part]()
    return derived.cast(pl.Float64).to_numpy()


def _as_datetime(series: pl.Series) -> pl.Series | None:
    """The series as a date/datetime: as it is, or parsed from text (a JSON request carries dates as
    strings); None when it cannot be read as one."""
    if is_calendar_dtype(series.dtype):
        return series
    if series.dtype == pl.Null:
        return pl.Series(series.name, [None] * len(series), dtype=pl.Datetime)
    try:
        text = series.cast(pl.String)
        return text.str.to_datetime(strict=False)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return None


def calendar_parts_used(series: pl.Series) -> list[str]:
    """The calendar parts of a training column that vary there (a constant part teaches nothing); `year` when
    none does, so the column keeps one feature."""
    candidates = _DATE_ONLY_PARTS if series.dtype == pl.Date else tuple(CALENDAR_PARTS)
    varying = [p for p in candidates if np.unique(_finite(calendar_part(series, p))).size > 1]
    return varying or ["year"]


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def calendar_name(column: str, part: str) -> str:
    return f"{column}.{part}"


class TabularEncoder:
    """Numeric + categorical columns → arrays for trees or for a neural net. Fit on train only."""

    def __init__(
        self,
        numeric_columns: Sequence[str],
        categorical_columns: Sequence[str],
        *,
        min_category_count: int = 2,
        max_categories: int = 1000,
    ) -> None:
        self.numeric_columns = tuple(numeric_columns)  # after `fit`: date columns replaced by their parts
        self.categorical_columns = tuple(categorical_columns)
        self._numeric_inputs = self.numeric_columns
        self.min_category_count = min_category_count
        self.max_categories = max_categories

    # ---- fitting ------------------------------------------------------------------------------------------
    def fit(self, X: pl.DataFrame) -> Self:
        """Learn vocabularies and numeric statistics from the training frame `X`."""
        if not self.numeric_columns and not self.categorical_columns:
            raise InputError(
                "no numeric or categorical feature columns to encode",
                where="tabular encoder",
                fix="declare at least one non-text feature column",
            )
        schema = X.schema  # once: a wide frame's schema costs milliseconds per call
        # a derived calendar name given as input (the single-feature rule refits one) reads its source column
        self.calendar_: dict[str, tuple[str, str]] = {
            c: derived for c in self._numeric_inputs if (derived := _derived(c, schema)) is not None
        }
        raw = tuple(c for c in self._numeric_inputs if c not in self.calendar_)
        _require_columns(X, raw + self.categorical_columns, where="training data")
        numeric_columns: list[str] = []
        for column in self._numeric_inputs:
            if column in self.calendar_:
                numeric_columns.append(column)
                continue
            dtype = schema[column]
            if not (dtype.is_numeric() or dtype == pl.Boolean or dtype.is_temporal()):
                raise InputError(
                    f"column {column!r} is treated as numeric but has dtype {dtype}",
                    where="training data",
                    fix="declare it categorical (or text), or cast it to a number",
                )
            if not is_calendar_dtype(dtype):
                numeric_columns.append(column)
                continue
            for part in calendar_parts_used(X.get_column(column)):
                self.calendar_[calendar_name(column, part)] = (column, part)
                numeric_columns.append(calendar_name(column, part))
        self.numeric_columns = tuple(numeric_columns)

        self.vocabularies_: list[dict[str, int]] = []
        for column in self.categorical_columns:
            counts = (
                X.get_column(column)
                .cast(pl.String)
                .drop_nulls()
                .value_counts(sort=True, name="count")
                .filter(pl.col("count") >= self.min_category_count)
                .head(self.max_categories)
            )
            # Ties in frequency are broken by value so the codes do not depend on row order.
            values = counts.sort(["count", column], descending=[True, False]).get_column(column).to_list()
            self.vocabularies_.append({value: code for code, value in enumerate(values, start=1)})
        # pl.Series pairs for the vectorised path on large batches.
        self._replace_pairs = [_replace_pair(v) for v in self.vocabularies_]
        self.n_categories_ = np.array([len(v) + 1 for v in self.vocabularies_], dtype=np.int64)  # + unknown

        numeric = self.numeric(X)
        missing = np.isnan(numeric)
        with np.errstate(all="ignore"):
            medians = np.nanmedian(numeric, axis=0) if numeric.shape[1] else np.zeros(0)
        self.medians_ = np.where(np.isnan(medians), 0.0, medians)  # an all-missing column imputes to 0
        imputed = np.where(missing, self.medians_, numeric)
        self.means_ = imputed.mean(axis=0) if len(imputed) else np.zeros(numeric.shape[1])
        stds = imputed.std(axis=0) if len(imputed) else np.ones(numeric.shape[1])
        self.stds_ = np.where(stds > 1e-12, stds, 1.0)  # a constant column standardises to 0, not to inf
        self.indicator_index_ = np.flatnonzero(missing.any(axis=0))
        return self

    # ---- transforming -------------------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        """Column order of `for_trees` (numerics first, then categoricals)."""
        return [*self.numeric_columns, *self.categorical_columns]

    def codes(self, batch: pl.DataFrame) -> np.ndarray:
        """Category codes, int64 (n × n_categorical); 0 = unknown, null or rare."""
        n = batch.height
        out = np.empty((n, len(self.categorical_columns)), dtype=np.int64)
        for j, column in enumerate(self.categorical_columns):
            out[:, j] = self.column_codes(batch, j, column)
        return out

    def column_codes(self, batch: pl.DataFrame, j: int, column: str) -> np.ndarray | list[int]:
        """Codes of one categorical column (the `j`-th); dict lookups for small batches, polars for large."""
        series = _get(batch, column)
        if series.dtype == pl.Object:  # e.g. built from a numpy object array; polars cannot cast these
            series = pl.Series([None if v is None else str(v) for v in series.to_list()], dtype=pl.String)
        elif series.dtype != pl.String:
            series = series.cast(pl.String)
        if batch.height < _VECTORISED_FROM_ROWS:
            vocabulary = self.vocabularies_[j]
            return [vocabulary.get(value, UNKNOWN_CODE) for value in series.to_list()]
        old, new = self._replace_pairs[j]
        return series.replace_strict(old, new, default=UNKNOWN_CODE, return_dtype=pl.Int64).to_numpy()

    def for_trees(self, batch: pl.DataFrame) -> np.ndarray:
        """float32 (n × features): numerics with NaN for missing, then category codes."""
        p = len(self.numeric_columns)
        out = np.empty((batch.height, p + len(self.categorical_columns)), dtype=np.float32)
        out[:, :p] = self.numeric(batch)
        out[:, p:] = self.codes(batch)
        return out

    def for_net(self, batch: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(float32 numerics: standardised, median-imputed, + missing indicators; int64 category codes)."""
        numeric = self.numeric(batch)
        missing = np.isnan(numeric)
        imputed = np.where(missing, self.medians_, numeric)
        scaled = (imputed - self.means_) / self.stds_
        dense = np.concatenate([scaled, missing[:, self.indicator_index_]], axis=1).astype(np.float32)
        return dense, self.codes(batch)

    @property
    def n_net_numeric(self) -> int:
        """Width of the dense part `for_net` returns."""
        return len(self.numeric_columns) + len(self.indicator_index_)

    def numeric(self, batch: pl.DataFrame) -> np.ndarray:
        """Raw numeric values, float64 (n × n_numeric), NaN for missing (nulls, NaN, unparsable text)."""
        out = np.empty((batch.height, len(self.numeric_columns)), dtype=np.float64)
        calendar = getattr(self, "calendar_", {})  # fitted before 'calendar_' existed: none
        for j, column in enumerate(self.numeric_columns):
            if column in calendar:
                source, part = calendar[column]
                out[:, j] = calendar_part(_get(batch, source), part)
                continue
            series = _get(batch, column)
            if not series.dtype.is_numeric():
                # Booleans and dates become numbers; text that is not a number becomes missing.
                if series.dtype == pl.Object:
                    series = pl.Series(series.to_list(), strict=False)
                series = series.cast(pl.Float64, strict=False)
            out[:, j] = series.to_numpy()
        return out

    # Pickle without the polars Series pairs (rebuilt on load): keeps the serialized size honest and small.
    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state.pop("_replace_pairs", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if "vocabularies_" in state:
            self._replace_pairs = [_replace_pair(v) for v in self.vocabularies_]


def _derived(name: str, schema: pl.Schema) -> tuple[str, str] | None:
    """(source column, part) when `name` is a calendar part of a date column of `schema`, not a column."""
    if name in schema or "." not in name:
        return None
    source, part = name.rsplit(".", 1)
    if part in CALENDAR_PARTS and source in schema and is_calendar_dtype(schema[source]):
        return source, part
    return None


def _replace_pair(vocabulary: dict[str, int]) -> tuple[pl.Series, pl.Series]:
    return pl.Series(list(vocabulary), dtype=pl.String), pl.Series(list(vocabulary.values()), dtype=pl.Int64)


def _get(batch: pl.DataFrame, column: str) -> pl.Series:
    try:
        return batch.get_column(column)
    except pl.exceptions.ColumnNotFoundError:
        raise InputError(
            f"feature column {column!r} is missing from the batch",
            where="predict",
            fix=f"send every feature column the model was trained on ({column!r} included)",
        ) from None


def _require_columns(X: pl.DataFrame, columns: Sequence[str], *, where: str) -> None:
    present = set(X.columns)
    absent = [c for c in columns if c not in present]
    if absent:
        raise InputError(
            f"feature column(s) {', '.join(map(repr, absent))} not in the data",
            where=where,
            fix="check the spelling in the spec or add the column",
        )


def tabular_columns(task: Task, X: pl.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(numeric, categorical) feature columns for the tabular candidates.

    Uses the task's own typing of columns when it gives one; otherwise infers from the dtypes of `X` (numbers,
    booleans and dates numeric — dates become calendar features — everything else categorical). Text columns
    are left to the text candidates.
    """
    text = set(task.text_columns)
    if task.numeric_columns or task.categorical_columns:
        return (
            tuple(c for c in task.numeric_columns if c not in text),
            tuple(c for c in task.categorical_columns if c not in text),
        )
    numeric: list[str] = []
    categorical: list[str] = []
    schema = X.schema
    for column in task.feature_columns:
        if column in text or column not in schema:
            continue
        dtype = schema[column]
        is_number = dtype.is_numeric() or dtype == pl.Boolean or dtype.is_temporal()
        (numeric if is_number else categorical).append(column)
    return tuple(numeric), tuple(categorical)
