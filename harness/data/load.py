"""Read a table (CSV/TSV, Parquet, JSON lines) into polars, and refuse input that would silently mislead.

Every problem is one `InputError` line: where, what, and the fix. The checks that matter most are the quiet
ones: an empty file, a `drop_columns` entry that does not exist, and a numeric column with a few text values
in it (which would otherwise turn the whole column into strings and make it a categorical feature).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from harness.errors import InputError

_CSV = {".csv": ",", ".tsv": "\t"}
_PARQUET = {".parquet", ".pq"}
_JSONL = {".jsonl", ".ndjson"}
_SUPPORTED = (*_CSV, *sorted(_PARQUET), *sorted(_JSONL), ".json")

# A text column whose non-null values are at least this share numbers is a numeric column with garbage in it.
NUMERIC_GARBAGE_SHARE = 0.95


def load_table(path: Path, *, drop_columns: Sequence[str] = ()) -> pl.DataFrame:
    """Load a data file by its extension, drop `drop_columns`, and validate what came back."""
    return _load(Path(path), drop_columns, keep_dropped=False)[0]


def load_delivered(path: Path, *, drop_columns: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the table as delivered, the table without `drop_columns`) from one read.

    The audit looks at the delivered table (so the record says what `drop_columns` removed); the run uses the
    other. Only the kept columns are validated: a column the spec drops may hold anything."""
    df, delivered = _load(Path(path), drop_columns, keep_dropped=True)
    return delivered, df


def read_columns(path: Path) -> list[str]:
    """The column names of a data file, cheaply: a CSV's header line, a Parquet file's schema, the first JSON
    record's keys; the same file checks (exists, type, not empty) as `load_table`."""
    path = Path(path)
    suffix = _check_file(path)
    try:
        if suffix in _CSV:
            import csv

            with path.open(encoding="utf-8-sig", newline="") as fh:
                return next(csv.reader(fh, delimiter=_CSV[suffix]), [])
        if suffix in _PARQUET:
            return pl.scan_parquet(path).collect_schema().names()
        if suffix in _JSONL or _first_char(path) != "[":
            import json

            with path.open(encoding="utf-8") as fh:
                line = next((text for text in fh if text.strip()), "{}")
            record = json.loads(line)
            return list(record) if isinstance(record, dict) else []
        return pl.read_json(path).columns
    except (pl.exceptions.PolarsError, OSError, ValueError, RuntimeError) as exc:
        raise _read_error(exc, path, suffix) from None


def _load(
    path: Path, drop_columns: Sequence[str], *, keep_dropped: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(validated table without `drop_columns`, table as read). Parquet skips dropped columns while scanning
    unless `keep_dropped`."""
    where = str(path)
    suffix = _check_file(path)
    pushed_down = suffix in _PARQUET and not keep_dropped  # Parquet removes them while scanning
    if suffix in _CSV:
        check_header(path, _CSV[suffix])
    elif suffix in _JSONL:
        check_first_record(path)
    raw = _read(path, suffix, [] if keep_dropped else list(drop_columns))
    if raw.height == 0:
        raise InputError("file has no data rows", where=where, fix="export the data again with its rows")
    df = raw
    if not pushed_down:
        _check_drop_columns(raw.columns, drop_columns, where)
        df = raw.drop(list(drop_columns))
    if df.width == 0:
        raise InputError("no columns left after drop_columns", where=where, fix="drop fewer columns")
    check_scalar_columns(df, where=where)
    line_offset = 2 if suffix in _CSV else (1 if suffix in _JSONL else None)
    check_numeric_garbage(df, where=where, line_offset=line_offset)
    # a dropped column may hold anything: one the audit of the delivered table cannot read is left out of it
    raw = raw.drop([c for c in drop_columns if c in raw.columns and not _scalar(raw.schema[c])])
    return df, raw


def _check_file(path: Path) -> str:
    """The file exists, is a file of a supported type and is not empty; returns its lower-case suffix."""
    where = str(path)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as exc:  # permission denied on a parent folder, a name too long, ...
        raise InputError(
            f"cannot read file ({exc.strerror or type(exc).__name__})",
            where=where,
            fix="check the path and its permissions",
        ) from None
    if not exists:
        raise InputError(
            "data file not found", where=where, fix="check data.path in the spec (relative to the spec)"
        )
    if is_dir:
        raise InputError(
            "is a folder, not a data file",
            where=where,
            fix="point data.path at a .csv, .parquet or .jsonl file",
        )
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise InputError(
            f"unsupported file type {suffix or '(no extension)'!r}",
            where=where,
            fix=f"convert it to one of {', '.join(_SUPPORTED)}",
        )
    try:
        size_bytes = path.stat().st_size
    except OSError as exc:
        raise InputError(
            f"cannot read file ({exc.strerror})", where=where, fix="check its permissions"
        ) from None
    if size_bytes == 0:
        raise InputError("file is empty", where=where, fix="export the data again; the file has no bytes")
    return suffix


def _read(path: Path, suffix: str, drop_columns: list[str]) -> pl.DataFrame:
    where = str(path)
    try:
        if suffix in _CSV:
            # Infer types from every row: with a short sample a late "n/a" in a number column makes polars
            # fail (or guess wrong); a full scan yields a string column that `check_numeric_garbage` explains.
            return pl.read_csv(
                path, separator=_CSV[suffix], infer_schema_length=None, encoding="utf8", try_parse_dates=True
            )
        if suffix in _PARQUET:
            lazy = pl.scan_parquet(path)
            _check_drop_columns(lazy.collect_schema().names(), drop_columns, where)
            return lazy.drop(drop_columns).collect()
        if suffix == ".json" and _first_char(path) == "[":
            return pl.read_json(path)  # a JSON array of records
        return pl.read_ndjson(path, infer_schema_length=None)
    except InputError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, RuntimeError) as exc:
        raise _read_error(exc, path, suffix) from None


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    return head[:1].decode("ascii", errors="replace")


def _read_error(exc: Exception, path: Path, suffix: str) -> InputError:
    message = " ".join(str(exc).split())
    first = message.split(". ")[0][:200]
    lowered = message.lower()
    if "utf-8" in lowered or "utf8" in lowered:
        return InputError(
            "file is not UTF-8 text", where=str(path), fix="re-save the file with UTF-8 encoding"
        )
    if isinstance(exc, pl.exceptions.NoDataError):
        return InputError(
            "file has no data", where=str(path), fix="export the data again with a header and rows"
        )
    kind = {".parquet": "Parquet", ".pq": "Parquet", ".csv": "CSV", ".tsv": "TSV"}.get(suffix, "JSON lines")
    return InputError(
        f"cannot read it as {kind} ({type(exc).__name__}: {first})",
        where=str(path),
        fix=f"check that the file is valid, complete {kind} (re-export it if it was cut short)",
    )


def _check_drop_columns(columns: Sequence[str], drop_columns: Sequence[str], where: str) -> None:
    for name in drop_columns:
        if name not in columns:
            raise InputError(
                f"audit.drop_columns names {name!r}, which is not a column{did_you_mean(name, columns)}",
                where=where,
                fix=f"remove it from drop_columns or use one of: {list_columns(columns)}",
            )


def did_you_mean(name: str, columns: Sequence[str]) -> str:
    """' (did you mean 'x'?)' for close column names (difflib, or a different case), else ''."""
    close = difflib.get_close_matches(name, list(columns), n=3, cutoff=0.6)
    lowered = {c.lower(): c for c in columns}
    if name.lower() in lowered and lowered[name.lower()] not in close:
        close.insert(0, lowered[name.lower()])
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def list_columns(columns: Sequence[str], limit: int = 30) -> str:
    """The column names, comma-separated, cut after `limit`."""
    shown = ", ".join(columns[:limit])
    return shown + (f", … ({len(columns) - limit} more)" if len(columns) > limit else "")


def check_header(path: Path, separator: str) -> None:
    """Refuse a CSV header that names a column twice (polars would silently rename the second one
    'x_duplicated_0'). A header that is not readable text is left to the reader's own error."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=separator), [])
    except (UnicodeDecodeError, csv.Error, OSError):
        return
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            shown = repr(name) if name.strip() else "(empty)"
            raise InputError(
                f"column {shown} appears twice in the header (columns {seen[name]} and {position})",
                where=str(path),
                fix="give every column its own name in the file's first line",
            )
        seen[name] = position


def check_first_record(path: Path) -> None:
    """Refuse a JSON-lines record that names a key twice (the reader would keep one value silently)."""
    import json

    try:
        with path.open(encoding="utf-8") as fh:
            line = next((text for text in fh if text.strip()), "")
    except (UnicodeDecodeError, OSError):
        return
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in items]
        duplicates.extend(k for i, k in enumerate(keys) if k in keys[:i])
        return dict(items)

    try:
        json.loads(line, object_pairs_hook=pairs)
    except ValueError:
        return  # the reader explains broken JSON
    if duplicates:
        raise InputError(
            f"key {duplicates[0]!r} appears twice in the first record",
            where=str(path),
            fix="give every field its own name in the exported records",
        )


def _scalar(dtype: pl.DataType) -> bool:
    return not (dtype.is_nested() or dtype == pl.Object)


def check_scalar_columns(df: pl.DataFrame, *, where: str) -> None:
    """Refuse columns of lists, arrays or records (Parquet / JSON): no audit or candidate reads them."""
    for name, dtype in df.schema.items():
        if not _scalar(dtype):
            raise InputError(
                f"column {name!r} holds {dtype} values (lists or records), which archbench cannot use",
                where=where,
                fix=f"drop it with [audit] drop_columns = [{name!r}], or flatten it into scalar columns",
            )


def check_numeric_garbage(df: pl.DataFrame, *, where: str, line_offset: int | None = None) -> None:
    """Raise when a text column is almost all numbers: a few stray values ('n/a', '12,5', '?') hide a number
    column. Rows are 0-based; `line_offset` turns one into a file line (CSV: 2, for 1-based plus header)."""
    for name, dtype in df.schema.items():
        if dtype != pl.String:
            continue
        col = df.get_column(name)
        stripped = col.str.strip_chars()
        present = stripped.is_not_null() & (stripped != "")
        n_present = int(present.sum())
        if n_present == 0:
            continue
        as_number = stripped.cast(pl.Float64, strict=False)
        bad = present & as_number.is_null()
        n_bad = int(bad.sum())
        if n_bad == 0 or (n_present - n_bad) / n_present < NUMERIC_GARBAGE_SHARE:
            continue
        first_row = int(bad.arg_true()[0])
        example = col[first_row]
        line = f" (file line {first_row + line_offset})" if line_offset is not None else ""
        raise InputError(
            f"column {name!r} is numeric except for {n_bad:,} non-numeric value(s) of {n_present:,}, "
            f"e.g. {example!r} at row {first_row}{line}",
            where=where,
            fix=f"correct or blank out the bad values in {name!r} (an empty cell means missing), "
            "or drop the column with audit.drop_columns",
        )


def data_fingerprint(path: Path, *, chunk_bytes: int = 1 << 20) -> str:
    """First 16 hex characters of the SHA-256 of the file's bytes (streamed, so large files are fine)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()[:16]
