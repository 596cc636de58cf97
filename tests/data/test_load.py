"""load_table: formats, and every way a file can be unusable (one-line InputError with a fix)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from harness.data import data_fingerprint, load_table
from harness.errors import InputError
from tests.data.helpers import assert_message

FRAME = pl.DataFrame({"a": [1, 2, 3], "b": [0.5, None, 1.5], "c": ["x", "y", "z"], "label": [0, 1, 0]})


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json"])
def test_formats_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    if suffix in (".csv", ".tsv"):
        FRAME.write_csv(path, separator="\t" if suffix == ".tsv" else ",")
    elif suffix in (".parquet", ".pq"):
        FRAME.write_parquet(path)
    else:
        FRAME.write_ndjson(path)
    df = load_table(path)
    assert df.columns == FRAME.columns
    assert df["a"].to_list() == [1, 2, 3]
    assert df["b"].dtype == pl.Float64 and df["b"].null_count() == 1
    assert df["c"].to_list() == ["x", "y", "z"]


def test_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(FRAME.to_dicts()))
    assert load_table(path).height == 3


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_drop_columns(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    FRAME.write_csv(path) if suffix == ".csv" else FRAME.write_parquet(path)
    assert load_table(path, drop_columns=["c", "b"]).columns == ["a", "label"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_drop_columns_unknown_name(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    FRAME.write_csv(path) if suffix == ".csv" else FRAME.write_parquet(path)
    with pytest.raises(InputError) as info:
        load_table(path, drop_columns=["lable"])
    assert_message(
        info.value, "'lable'", "not a column", "did you mean 'label'", "remove it from drop_columns"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_table(tmp_path / "nope.csv")
    assert_message(info.value, "nope.csv", "not found", "data.path")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_table(tmp_path)
    assert_message(info.value, "is a folder")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "unsupported file type '.xlsx'", ".csv", ".parquet")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "empty")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_header_only_has_no_rows(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    FRAME.head(0).write_csv(path) if suffix == ".csv" else FRAME.head(0).write_parquet(path)
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "no data rows")


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"this is not parquet at all" * 10)
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "cannot read it as Parquet", "re-export")


def test_truncated_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    FRAME.write_parquet(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "Parquet")


def test_corrupt_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "JSON lines")


def test_non_utf8_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("name,label\ncafé,1\nthé,0\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(info.value, "not UTF-8", "UTF-8 encoding")


def _numbers_with_garbage(n_rows: int, bad_row: int, bad_value: str) -> str:
    lines = ["amount,kind,label"]
    for i in range(n_rows):
        amount = bad_value if i == bad_row else f"{i * 1.5:.2f}"
        lines.append(f"{amount},k{i % 3},{i % 2}")
    return "\n".join(lines) + "\n"


def test_numeric_garbage_late_in_csv_is_reported_not_nulled(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(_numbers_with_garbage(2_000, bad_row=1_500, bad_value="n/a"))
    with pytest.raises(InputError) as info:
        load_table(path)
    assert_message(
        info.value, "'amount'", "1 non-numeric", "'n/a'", "row 1500", "line 1502", "correct or blank out"
    )


def test_numeric_garbage_in_parquet_string_column(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    values = [str(i) for i in range(100)]
    values[7] = "12,5"
    pl.DataFrame({"amount": values, "label": [0, 1] * 50}).write_parquet(path)
    with pytest.raises(InputError) as info:
        load_table(path)
    message = assert_message(info.value, "'amount'", "'12,5'", "row 7")
    assert "line" not in message  # Parquet has no lines


def test_mostly_text_column_is_not_garbage(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = ["size,label"] + [f"{'XL' if i % 5 else '42'},{i % 2}" for i in range(100)]
    path.write_text("\n".join(rows) + "\n")
    assert load_table(path)["size"].dtype == pl.String


def test_fingerprint_is_sha256_prefix(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    FRAME.write_csv(path)
    fingerprint = data_fingerprint(path)
    assert fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert data_fingerprint(path, chunk_bytes=7) == fingerprint  # streamed in chunks, same digest
    path.write_text(path.read_text() + "4,2.0,w,1\n")
    assert data_fingerprint(path) != fingerprint
