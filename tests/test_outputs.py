"""After training: a record or ADR that cannot be written says where the finished results were kept (exit 4);
a run in which no candidate finished exits 3 with no ADR; and inputs that look odd but are fine still run."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import tomli_w
from typer.testing import CliRunner

from harness.cli import EXIT_NO_CANDIDATE, EXIT_OUTPUT_FAILED, app
from harness.record import load_record

from .conftest import make_tiny_classification_df

runner = CliRunner()


def _spec(tmp_path: Path, **tables: Any) -> Path:
    raw: dict[str, Any] = {
        "title": "Output folders",
        "data": {"path": "data.csv", "target": "label"},
        "candidates": {"include": ["zero-rule"], "tuning_trials": 1},
        "evidence": {"learning_curves": False, "robustness": False},
    }
    for table, values in tables.items():
        raw[table] = {**raw.get(table, {}), **values}
    if not (tmp_path / raw["data"]["path"]).exists():
        make_tiny_classification_df(300).write_csv(tmp_path / "data.csv")
    path = tmp_path / "decision.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def _run(tmp_path: Path, spec: Path, *more: str) -> Any:
    args = ["run", str(spec), "--adr-dir", str(tmp_path / "adr"), "--out-dir", str(tmp_path / "runs")]
    return runner.invoke(app, [*args, "--quiet", "--executor", "inline", *more])


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def _adrs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "adr").glob("0*.md")) if (tmp_path / "adr").is_dir() else []


def test_a_record_that_cannot_be_written_after_training_is_kept_elsewhere(tmp_path, monkeypatch) -> None:
    from harness import record

    real = record.write_record

    def full_disk(rec: Any, runs_dir: Any) -> Path:
        if Path(runs_dir) == tmp_path / "runs":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(rec, runs_dir)

    monkeypatch.setattr(record, "write_record", full_disk)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the fallback folder goes
    result = _run(tmp_path, _spec(tmp_path))
    assert result.exit_code == EXIT_OUTPUT_FAILED, result.output
    line = _one_error_line(result)
    kept = next((tmp_path / "tmp" / "archbench-runs").glob("*/run.json"))
    assert "No space left on device" in line and f"kept in {kept}" in line and "no ADR written" in line
    assert f"harness adr write {kept}" in line
    assert load_record(kept).decision is not None  # the finished results, whole
    assert _adrs(tmp_path) == []  # no ADR citing a record that is not where it says


def test_an_adr_that_cannot_be_written_names_the_record_and_can_be_written_later(
    tmp_path, monkeypatch
) -> None:
    from harness import adr

    real = adr.write_adr

    def full_disk(*args: Any, **kwargs: Any) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(adr, "write_adr", full_disk)
    result = _run(tmp_path, _spec(tmp_path))
    assert result.exit_code == EXIT_OUTPUT_FAILED, result.output
    line = _one_error_line(result)
    record_path = next((tmp_path / "runs").glob("*/run.json"))
    assert "cannot write the ADR (No space left on device)" in line and str(record_path) in line
    assert load_record(record_path).adr_path is None and _adrs(tmp_path) == []

    monkeypatch.setattr(adr, "write_adr", real)
    again = runner.invoke(app, ["adr", "write", str(record_path), "--adr-dir", str(tmp_path / "adr")])
    assert again.exit_code == 0, again.output
    (written,) = _adrs(tmp_path)
    assert "Chosen option" in written.read_text() and str(written) in again.stdout


def test_the_adr_is_written_whole_or_not_at_all(tmp_path, monkeypatch) -> None:
    from harness import adr

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        adr.write_adr("# text\n", tmp_path, "A title", assets={"chart": b"<svg/>"})
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # no record, no temp file, no chart


def test_a_run_in_which_no_candidate_finished_exits_3_without_an_adr(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ARCHBENCH_CANDIDATES", "faulty-raise=tests.faulty_candidates:Raises")
    spec = _spec(tmp_path, candidates={"include": ["faulty-raise"], "exclude": ["baseline"]})
    result = _run(tmp_path, spec)
    assert result.exit_code == EXIT_NO_CANDIDATE, result.output
    line = _one_error_line(result)
    assert "no candidate finished" in line and "planted failure in fit" in line and "no ADR written" in line
    assert _adrs(tmp_path) == []
    record = load_record(next((tmp_path / "runs").glob("*/run.json")))  # the reasons are kept
    assert [m.status for m in record.measurements] == ["failed"]
    assert "3 no candidate finished" in runner.invoke(app, ["run", "--help"]).output


def test_odd_but_valid_input_still_runs(tmp_path) -> None:
    """Year-first text times (JSON lines) are parsed; an acknowledge entry of a valid form that names no
    finding of this data is reported, not refused; suspected_leak:<feature> is accepted before training."""
    df = make_tiny_classification_df(300).with_columns(
        day=pl.date(2024, 1, 1).dt.offset_by(pl.format("{}d", pl.col("row_id"))).dt.strftime("%Y-%m-%d")
    )
    df.write_ndjson(tmp_path / "data.jsonl")
    spec = _spec(
        tmp_path,
        data={"path": "data.jsonl", "time_column": "day", "split": "time"},
        audit={"acknowledge": ["missing:x_num", "suspected_leak:x_num"]},
    )
    result = _run(tmp_path, spec)
    assert result.exit_code == 0, result.output
    record = load_record(next((tmp_path / "runs").glob("*/run.json")))
    assert record.adr_path is not None and Path(record.adr_path).exists()
    assert record.splits.strategy == "time"
    assert any("parsed as dates/times" in note for note in record.data.notes), record.data.notes
