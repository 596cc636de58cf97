"""`prepare`: load the spec's data and build its task, ready for the audit (the split comes after it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from harness.data.kinds import build_task_with_notes
from harness.data.load import data_fingerprint, load_delivered, load_table
from harness.dataset import Task
from harness.errors import InputError

if TYPE_CHECKING:
    from harness.spec import DecisionSpec


@dataclass
class PreparedData:
    """The loaded table and its task, with what is needed to record and reproduce the run."""

    df: pl.DataFrame
    task: Task
    path: Path
    fingerprint: str  # data_fingerprint(path): sha256 of the file bytes, 16 hex characters
    rows_loaded: int  # rows in the file, before dedupe
    columns_loaded: int  # columns in the file, before audit.drop_columns
    duplicates_dropped: int = 0  # exact duplicate rows removed by audit.dedupe
    notes: list[str] = field(default_factory=list)
    delivered: pl.DataFrame | None = (
        None  # the file's table before drop_columns / dedupe, when they changed it
    )
    golden_rows: int = 0  # the last `golden_rows` rows of `df` are the golden test file (data.test_path)
    golden_path: Path | None = None

    @property
    def n_rows(self) -> int:
        return self.df.height

    @property
    def n_columns(self) -> int:
        return self.df.width


def prepare(spec: DecisionSpec, data_path: Path | None = None) -> PreparedData:
    """Load `data_path` (default: the spec's data.path), apply audit.drop_columns and audit.dedupe, and
    build the task. Does not split: the audit runs on the whole table first."""
    path = Path(data_path) if data_path is not None else spec.data_path()
    drop = spec.audit.drop_columns
    reserved = {
        "data.target": spec.data.target,
        "data.id_column": spec.data.id_column,
        "data.group_column": spec.data.group_column,
        "data.time_column": spec.data.time_column,
    }
    for key, name in reserved.items():
        if name is not None and name in drop:
            raise InputError(
                f"audit.drop_columns removes {name!r}, which is {key}",
                where="[audit] drop_columns",
                fix=f"remove {name!r} from drop_columns or change {key}",
            )
    delivered: pl.DataFrame | None = None
    if drop or spec.audit.dedupe:  # the audit also sees the table as delivered: read it once, keep both
        delivered, df = load_delivered(path, drop_columns=drop)
    else:
        df = load_table(path)
    rows_loaded = df.height
    notes: list[str] = []
    if drop:
        notes.append(f"dropped column(s) by audit.drop_columns: {', '.join(drop)}")
    duplicates_dropped = 0
    # Copies are equal in every column but the row id (a copy re-issued a new id is still a copy).
    same = [c for c in df.columns if c != spec.data.id_column]
    if spec.audit.dedupe:
        df = df.unique(subset=same, maintain_order=True, keep="first")
        duplicates_dropped = rows_loaded - df.height
        notes.append(f"audit.dedupe dropped {duplicates_dropped:,} exact duplicate row(s) of {rows_loaded:,}")
    golden_rows = 0
    golden_path: Path | None = None
    if spec.data.test_path is not None:
        golden_path = spec.resolve(spec.data.test_path)
        golden = _load_golden(golden_path, df, drop)
        golden_rows = golden.height
        if spec.audit.dedupe:  # the golden file stays as it is: training rows that copy one of its rows go
            before = df.height
            df = df.join(
                golden.select(same).unique(), on=same, how="anti", nulls_equal=True, maintain_order="left"
            )
            if before > df.height:
                duplicates_dropped += before - df.height
                notes.append(
                    f"audit.dedupe dropped {before - df.height:,} training row(s) that copy a row of the "
                    "golden test file"
                )
        df = pl.concat([df, golden], how="vertical_relaxed")
        if delivered is not None:
            delivered = pl.concat([delivered, golden.select(delivered.columns)], how="vertical_relaxed")
        notes.append(f"golden test file {golden_path.name}: {golden_rows:,} rows, never trained or tuned on")
    df = parse_time_columns(df, spec, notes)
    if delivered is not None:
        delivered = parse_time_columns(delivered, spec, [])
    task, task_notes = build_task_with_notes(df, spec)
    return PreparedData(
        df=df,
        task=task,
        path=path,
        fingerprint=data_fingerprint(path),
        rows_loaded=rows_loaded,
        columns_loaded=df.width + len(drop),
        duplicates_dropped=duplicates_dropped,
        notes=notes + task_notes,
        delivered=delivered,
        golden_rows=golden_rows,
        golden_path=golden_path,
    )


# Year first (ISO 8601 and the like): the only text dates that read one way. "01/02/2024" could be either.
_YEAR_FIRST = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d.*)?$"


def parse_time_columns(df: pl.DataFrame, spec: DecisionSpec, notes: list[str]) -> pl.DataFrame:
    """Times held as text (JSON lines, a format the CSV reader does not know) are parsed when every value is a
    year-first date or time; otherwise refused: sorted as text, 'day 10' comes before 'day 9' and a time split
    would put the wrong rows in test."""
    for key, name in (
        ("data.time_column", spec.data.time_column),
        ("audit.label_time_column", spec.audit.label_time_column),
    ):
        if name is None or name not in df.columns:
            continue  # a missing column is reported by the task
        dtype = df.schema[name]
        if dtype.is_numeric() or dtype.is_temporal():
            continue
        col = df.get_column(name)
        present = col.drop_nulls()
        example = present[0] if present.len() else None
        if dtype == pl.String and present.len():
            text = present.str.strip_chars()
            year_first = text.str.contains(_YEAR_FIRST)
            if bool(year_first.all()):
                try:
                    parsed = col.str.strip_chars().str.to_datetime(strict=False)
                except pl.exceptions.PolarsError:
                    parsed = None
                if parsed is not None and parsed.null_count() == col.null_count():
                    notes.append(f"{key} {name!r}: text parsed as dates/times ({example!r} → {parsed[0]})")
                    df = df.with_columns(parsed.alias(name))
                    continue
            else:
                example = text.filter(~year_first)[0]
        raise InputError(
            f"{key} {name!r} holds {dtype} values that are not dates or times (e.g. {example!r}); sorted as "
            "text, 'day 10' would come before 'day 9'",
            where=f"[{key.split('.')[0]}] {key.split('.')[1]}",
            fix=f"write {name!r} as ISO dates or times (2024-01-31, 2024-01-31T08:00:00) or as numbers "
            "(e.g. a day index)",
        )
    return df


def _load_golden(path: Path, train: pl.DataFrame, drop: list[str]) -> pl.DataFrame:
    """The golden test file, with the training table's columns in its order (extra columns are ignored)."""
    if not path.exists():
        raise InputError(
            "golden test file not found", where=f"[data] test_path = {path}", fix="give an existing file"
        )
    golden = load_table(path)
    golden = golden.drop([c for c in drop if c in golden.columns])
    missing = [c for c in train.columns if c not in golden.columns]
    if missing:
        raise InputError(
            f"golden test file lacks column(s) {', '.join(map(repr, missing[:5]))} of the training data",
            where=f"[data] test_path = {path.name}",
            fix="give the test file the same columns as data.path",
        )
    if golden.height == 0:
        raise InputError("golden test file has no rows", where=f"[data] test_path = {path.name}")
    try:
        return golden.select(train.columns).cast(train.schema, strict=False)
    except Exception as exc:  # polars' own refusal to reconcile two column types
        raise InputError(
            f"golden test file's columns do not match the training data ({' '.join(str(exc).split())[:120]})",
            where=f"[data] test_path = {path.name}",
            fix="give the test file the same column types as data.path",
        ) from None
