"""The bad-input corpus: every case runs the real CLI on a spec and data built here and must end in one error
line that names the problem (what, where, the fix), exit status 2 (1: `harness audit` blocked; 5: `harness
run` blocked by the audit), no traceback, and nothing written to runs/ or adr/. Every case stops before
training (tiny data, `include = ["zero-rule"]`).

The count is printed at the end of the session (`bad-input corpus: N cases`, tests/conftest.py).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import tomli_w
from typer.testing import CliRunner

from harness.cli import app

from .conftest import make_tiny_classification_df, make_tiny_regression_df

runner = CliRunner()

N_ROWS = 120

Files = Callable[[Path], None]
Patch = Callable[[pytest.MonkeyPatch, Path], None]


# ---- data files --------------------------------------------------------------------------------------------


def classification(path: str = "data.csv", **columns: Any) -> Files:
    """The tiny binary table (row_id, x_num, noise, color, label), with columns added or replaced."""

    def write(tmp: Path) -> None:
        df = make_tiny_classification_df(N_ROWS)
        if columns:
            df = df.with_columns(**columns)
        _write(df, tmp / path)

    return write


def regression(path: str = "data.csv", **columns: Any) -> Files:
    def write(tmp: Path) -> None:
        df = make_tiny_regression_df(N_ROWS)
        if columns:
            df = df.with_columns(**columns)
        _write(df, tmp / path)

    return write


def _write(df: pl.DataFrame, path: Path) -> None:
    {".csv": df.write_csv, ".parquet": df.write_parquet, ".jsonl": df.write_ndjson}[path.suffix](path)


def raw(text: str | bytes, path: str = "data.csv") -> Files:
    def write(tmp: Path) -> None:
        (tmp / path).write_bytes(text if isinstance(text, bytes) else text.encode())

    return write


def both(*writers: Files) -> Files:
    def write(tmp: Path) -> None:
        for w in writers:
            w(tmp)

    return write


def first_rows(n: int, value: Any, otherwise: str) -> pl.Expr:
    """`value` in the first n rows, the column `otherwise` after them."""
    return pl.when(pl.col("row_id") < n).then(pl.lit(value)).otherwise(pl.col(otherwise))


# ---- specs -------------------------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "title": "Bad input case",
    "data": {"path": "data.csv", "target": "label"},
    "candidates": {"include": ["zero-rule"], "tuning_trials": 1},
}


def spec(**tables: Any) -> dict[str, Any]:
    """BASE with keys replaced per table: spec(data={"target": "y"}); a value None removes the key."""
    out = json.loads(json.dumps(BASE))
    for table, values in tables.items():
        if isinstance(values, dict) and isinstance(out.get(table), dict):
            out[table].update(values)
            out[table] = {k: v for k, v in out[table].items() if v is not None}
        elif values is None:
            out.pop(table, None)
        else:
            out[table] = values
    return out


@dataclass
class Case:
    id: str
    needles: tuple[str, ...]  # must all be in the error line
    spec: dict[str, Any] | str = field(default_factory=lambda: spec())  # str: the TOML text as it is
    files: Files | None = field(default_factory=classification)
    command: str = "run"
    exit: int = 2
    args: tuple[str, ...] = ()  # more command-line arguments ({tmp} is the case's folder)
    out_args: bool = True  # run: --adr-dir / --out-dir in the case's folder
    spec_path: str = "decision.toml"
    patch: Patch | None = None


def _text(d: dict[str, Any]) -> str:
    return tomli_w.dumps(d)


# ---- the corpus --------------------------------------------------------------------------------------------

SPEC_CASES = [
    Case("toml-unterminated-string", ("malformed TOML", "fix:"), spec='title = "unterminated\n'),
    Case("toml-duplicate-key", ("malformed TOML",), spec='title = "abc"\ntitle = "def"\n'),
    Case("toml-missing-bracket", ("malformed TOML",), spec='title = "abc"\n[data\npath = "x.csv"\n'),
    Case("spec-empty-file", ("missing required key 'title'",), spec=""),
    Case("spec-not-utf8", ("not UTF-8",), spec='title = "caf\xe9"\n', patch=None),
    Case("spec-missing-file", ("spec file not found", "nowhere.toml"), spec_path="nowhere.toml", files=None),
    Case("spec-is-a-folder", ("is a folder",), spec_path="folder", files=lambda t: (t / "folder").mkdir()),
    Case(
        "spec-name-too-long", ("cannot read spec", "name too long"), spec_path="x" * 300 + ".toml", files=None
    ),
    Case(
        "spec-permission-denied",
        ("cannot read spec", "Permission denied"),
        patch=lambda mp, tmp: _deny_reading(mp, tmp / "decision.toml"),
    ),
    Case("unknown-top-level-key", ("unknown key 'colour'",), spec=spec(colour="red")),
    Case(
        "unknown-constraint-key",
        ("unknown key 'constraints.latency_ms'", "latency_p99_ms"),
        spec=spec(constraints={"latency_ms": 3}),
    ),
    Case("unknown-data-key", ("unknown key 'data.targte'",), spec=spec(data={"targte": "label"})),
    Case("title-wrong-type", ("'title'", "right type"), spec=spec(title=5)),
    Case("title-too-short", ("'title'",), spec=spec(title="ab")),
    Case("seeds-wrong-type", ("'seeds'",), spec=spec(seeds="three")),
    Case("seed-negative", ("'seed'", "allowed range"), spec=spec(seed=-1)),
    Case(
        "max-model-mb-negative", ("'constraints.max_model_mb'",), spec=spec(constraints={"max_model_mb": -1})
    ),
    Case(
        "latency-nan",
        ("'constraints.latency_p99_ms'", "nan is not a number"),
        spec=_text(spec()) + "[constraints]\nlatency_p99_ms = nan\n",
    ),
    Case(
        "latency-inf",
        ("'constraints.latency_p99_ms'", "inf is not a finite number"),
        spec=_text(spec()) + "[constraints]\nlatency_p99_ms = inf\n",
    ),
    Case("time-budget-zero", ("'candidates.time_budget_s'",), spec=spec(candidates={"time_budget_s": 0})),
    Case(
        "tuning-trials-negative", ("'candidates.tuning_trials'",), spec=spec(candidates={"tuning_trials": -1})
    ),
    Case("test-fraction-too-big", ("'data.test_fraction'",), spec=spec(data={"test_fraction": 0.9})),
    Case("unknown-metric", ("unknown metric 'auc_roc'", "use one of"), spec=spec(metric="auc_roc")),
    Case(
        "metric-does-not-fit-task",
        ("does not apply to a regression task",),
        spec=spec(task="regression", metric="roc_auc"),
    ),
    Case("unknown-task", ("'task'", "allowed values"), spec=spec(task="ranking")),
    Case("unknown-skill", ("unknown framework 'sklearn2'",), spec=spec(team_skills={"sklearn2": "expert"})),
    Case(
        "budget-without-price",
        ("needs hardware_usd_per_hour", "fix: add hardware_usd_per_hour"),
        spec=spec(constraints={"budget_usd_per_1k_predictions": 1.0}),
    ),
    Case("hardware-unknown", ("'constraints.hardware'",), spec=spec(constraints={"hardware": "tpu"})),
    Case("split-unknown", ("'data.split'",), spec=spec(data={"split": "sideways"})),
    Case("shingle-unit-unknown", ("'audit.shingle_unit'",), spec=spec(audit={"shingle_unit": "byte"})),
    Case("data-table-missing", ("missing required key 'data'",), spec=spec(data=None)),
    Case("data-path-missing", ("missing required key 'data.path'",), spec=spec(data={"path": None})),
    Case("target-not-set", ("data.target is required", "fix:"), spec=spec(data={"target": None})),
    Case(
        "id-column-is-target",
        ("data.id_column 'label' is also data.target",),
        spec=spec(data={"id_column": "label"}),
    ),
    Case("group-column-is-target", ("data.group_column 'label'",), spec=spec(data={"group_column": "label"})),
    Case("time-column-is-target", ("data.time_column 'label'",), spec=spec(data={"time_column": "label"})),
    Case(
        "unknown-candidate-check",
        ("'candidates.include'", "'zero-rul'", "did you mean 'zero-rule'"),
        spec=spec(candidates={"include": ["zero-rul"]}),
        command="check",
    ),
    Case(  # rejected before the data is read: the data file does not even exist
        "unknown-candidate-before-data",
        ("'candidates.include'", "'xgbost'"),
        spec=spec(candidates={"include": ["xgbost"]}),
        files=None,
    ),
    Case(
        "unknown-family-exclude",
        ("'candidates.exclude'", "'boosting'"),
        spec=spec(candidates={"exclude": ["boosting"]}),
    ),
]

DATA_CASES = [
    Case("data-file-missing", ("data file not found", "data.csv"), files=None),
    Case("data-is-a-folder", ("is a folder, not a data file",), files=lambda t: (t / "data.csv").mkdir()),
    Case(
        "data-unsupported-type",
        ("unsupported file type '.xlsx'",),
        spec=spec(data={"path": "data.xlsx"}),
        files=raw("x", "data.xlsx"),
    ),
    Case("data-empty-file", ("file is empty",), files=raw("")),
    Case("data-header-only", ("no data",), files=raw("x_num,color,label\n")),
    Case("data-not-utf8", ("not UTF-8",), files=raw(b"x_num,color,label\n1,caf\xe9,0\n2,th\xe9,1\n")),
    Case(
        "data-corrupt-parquet",
        ("cannot read it as Parquet",),
        spec=spec(data={"path": "data.parquet"}),
        files=raw(b"PAR1 this is not parquet", "data.parquet"),
    ),
    Case(
        "data-broken-jsonl",
        ("cannot read it as JSON lines",),
        spec=spec(data={"path": "data.jsonl"}),
        files=raw('{"x": 1, "label": 0}\n{"x": 2, "label": \n', "data.jsonl"),
    ),
    Case("data-override-missing", ("data file not found", "elsewhere.csv"), args=("--data", "elsewhere.csv")),
    Case(
        "duplicated-header",
        ("column 'x_num' appears twice in the header", "columns 2 and 3"),
        files=raw(
            "row_id,x_num,x_num,label\n" + "".join(f"{i},{i},{i * 2},{i % 2}\n" for i in range(N_ROWS))
        ),
    ),
    Case(
        "list-column-parquet",
        ("column 'tags' holds List", "drop_columns"),
        spec=spec(data={"path": "data.parquet"}),
        files=classification("data.parquet", tags=pl.lit([1, 2])),
    ),
    Case(
        "struct-column-jsonl",
        ("column 'meta' holds Struct",),
        spec=spec(data={"path": "data.jsonl"}),
        files=classification("data.jsonl", meta=pl.struct(a=pl.col("x_num"), b=pl.col("color"))),
    ),
    Case(
        "numeric-garbage",
        ("'x_num'", "'12,5kg'"),
        files=classification(x_num=first_rows(1, "12,5kg", "x_num").cast(pl.String)),
    ),
    Case(
        "target-column-missing",
        ("'lable' is not a column", "did you mean 'label'"),
        spec=spec(data={"target": "lable"}),
    ),
    Case("target-one-class", ("single class",), files=classification(label=pl.lit(1))),
    Case(
        "target-empty-cells",
        ("target 'label' is missing in 5 of 120 rows",),
        files=classification(label=first_rows(5, None, "label")),
    ),
    Case(
        "target-nan-text",
        ("target 'label' holds a missing value written as text", "'nan'"),
        files=classification(label=first_rows(5, "nan", "label").cast(pl.String)),
    ),
    Case(
        "target-NaN-text",
        ("target 'label' is missing in 3 of 120 rows",),  # the CSV reader reads NaN as a float NaN
        files=classification(label=first_rows(3, "NaN", "label").cast(pl.String)),
    ),
    Case(
        "target-empty-string-jsonl",
        ("missing value written as text", "''"),
        spec=spec(data={"path": "data.jsonl"}),
        files=classification("data.jsonl", label=first_rows(4, "", "label").cast(pl.String)),
    ),
    Case(
        "target-inf-regression",
        ("target 'y' is infinite", "1 of 120 rows"),
        spec=spec(data={"target": "y"}),
        files=regression(y=first_rows(1, float("inf"), "y")),
    ),
    Case(
        "target-constant-regression",
        ("regression target 'y' is constant",),
        spec=spec(data={"target": "y"}, task="regression"),
        files=regression(y=pl.lit(1.5)),
    ),
    Case(
        "target-text-regression",
        ("task is regression but target 'color'",),
        spec=spec(data={"target": "color"}, task="regression"),
    ),
    Case(
        "feature-inf",
        ("feature 'x_num' is infinite", "3 of 120 rows"),
        files=classification(x_num=first_rows(3, float("inf"), "x_num")),
    ),
    Case(
        "feature-minus-inf",
        ("feature 'noise' is infinite", "-inf"),
        files=classification(noise=first_rows(2, float("-inf"), "noise")),
    ),
    Case(
        "text-column-all-empty",
        ("text column 'note' is empty in all 120 rows",),
        spec=spec(data={"text_columns": ["note"]}),
        files=classification(note=pl.lit("")),
    ),
    Case(
        "text-column-not-a-column",
        ("data.text_columns 'notes' is not a column",),
        spec=spec(data={"text_columns": ["notes"]}),
    ),
    Case(
        "text-column-numeric",
        ("text column 'x_num' holds Float64",),
        spec=spec(data={"text_columns": ["x_num"]}),
    ),
    Case(
        "time-column-text",
        ("data.time_column 'day'", "not dates or times", "'day 0'", "ISO"),
        spec=spec(data={"time_column": "day"}),
        files=classification(day=pl.format("day {}", pl.col("row_id"))),
    ),
    Case(
        "time-column-ambiguous-dates",
        ("data.time_column 'day'", "'01/02/2024'"),
        spec=spec(data={"path": "data.jsonl", "time_column": "day"}),
        files=classification("data.jsonl", day=pl.lit("01/02/2024")),  # JSON keeps it text
    ),
    Case(
        "time-column-has-gaps",
        ("time_column 'day' is missing in 2",),
        spec=spec(data={"time_column": "day", "split": "time"}),
        files=classification(day=first_rows(2, None, "row_id")),
    ),
    Case(
        "drop-columns-unknown",
        ("drop_columns names 'colour'", "did you mean 'color'"),
        spec=spec(audit={"drop_columns": ["colour"]}),
    ),
    Case(
        "drop-columns-target", ("drop_columns removes 'label'",), spec=spec(audit={"drop_columns": ["label"]})
    ),
    Case(
        "feature-columns-empty", ("data.feature_columns is empty",), spec=spec(data={"feature_columns": []})
    ),
    Case(
        "feature-columns-unknown",
        ("data.feature_columns 'size' is not a column",),
        spec=spec(data={"feature_columns": ["size"]}),
    ),
    Case(
        "feature-columns-has-target",
        ("includes 'label'",),
        spec=spec(data={"feature_columns": ["x_num", "label"]}),
    ),
    Case(
        "positive-label-unknown",
        ("positive_label 'yes' is not a value",),
        spec=spec(data={"positive_label": "yes"}),
    ),
    Case(
        "positive-label-regression",
        ("positive_label is set but the task is regression",),
        spec=spec(data={"target": "y", "positive_label": 1}),
        files=regression(),
    ),
    Case(
        "binary-with-three-classes",
        ("task is binary but target 'color' has 3",),
        spec=spec(data={"target": "color"}, task="binary"),
    ),
    Case(
        "too-few-rows", ("has 2 row(s)", "needs at least 3"), files=raw("x_num,label\n1,0\n2,1\n3,0\n4,1\n")
    ),
    Case(
        "class-with-one-row",
        ("class 2 of target 'label' has 1 row",),
        files=classification(label=pl.when(pl.col("row_id") == 0).then(2).otherwise(pl.col("label"))),
    ),
    Case(
        "split-group-without-column",
        ("split = 'group' needs data.group_column",),
        spec=spec(data={"split": "group"}),
    ),
    Case(
        "split-time-without-column",
        ("split = 'time' needs data.time_column",),
        spec=spec(data={"split": "time"}),
    ),
    Case(
        "split-stratified-regression",
        ("split = 'stratified' needs a classification target",),
        spec=spec(data={"target": "y", "split": "stratified"}),
        files=regression(),
    ),
    Case(
        "group-split-two-groups",
        ("at least 3 groups",),
        spec=spec(data={"group_column": "g"}),
        files=classification(g=pl.col("row_id") % 2),
    ),
    Case("golden-file-missing", ("golden test file not found",), spec=spec(data={"test_path": "golden.csv"})),
    Case(
        "golden-file-lacks-columns",
        ("golden test file lacks column(s)", "'color'"),
        spec=spec(data={"test_path": "golden.csv"}),
        files=both(classification(), raw("row_id,x_num,noise,label\n1,0.5,0.1,1\n", "golden.csv")),
    ),
    Case(
        "slice-column-unknown", ("slice column 'region'",), spec=spec(evidence={"slice_columns": ["region"]})
    ),
    Case(
        "value-ranges-malformed",
        ("value_ranges.x_num must be [min, max]",),
        spec=spec(audit={"value_ranges": {"x_num": [5.0, 1.0]}}),
    ),
    Case(
        "acknowledge-unknown-kind",
        ("acknowledge entry 'leak:x_num' names no finding",),
        spec=spec(audit={"acknowledge": ["leak:x_num"]}),
    ),
    Case(
        "acknowledge-unknown-column",
        ("acknowledge entry 'leakage:x_numm'", "not a column", "did you mean 'x_num'"),
        spec=spec(audit={"acknowledge": ["leakage:x_numm"]}),
    ),
    Case(
        "acknowledge-unknown-column-audit",
        ("acknowledge entry 'leakage:nothing'",),
        spec=spec(audit={"acknowledge": ["leakage:nothing"]}),
        command="audit",
    ),
    Case(
        "blocking-leak-run",
        ("leakage:leak", "acknowledge"),
        files=classification(leak=pl.col("label") * 10 + 1),
        exit=5,  # EXIT_BLOCKED_RUN: the data, not the input, stops the run
    ),
    Case(
        "blocking-leak-audit",
        ("blocked:", "would stop"),
        files=classification(leak=pl.col("label") * 10 + 1),
        command="audit",
        exit=1,
    ),
    Case(
        "duplicated-header-audit",
        ("appears twice in the header",),
        files=raw("a,a,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(N_ROWS))),
        command="audit",
    ),
]

OTHER_COMMAND_CASES = [
    Case(
        "jsonl-duplicate-key",
        ("key 'a' appears twice in the first record",),
        spec=spec(data={"path": "data.jsonl"}),
        files=raw(
            "".join(f'{{"a": {i}, "a": {-i}, "label": {i % 2}}}\n' for i in range(N_ROWS)), "data.jsonl"
        ),
    ),
    Case(
        "target-all-null-jsonl",
        ("target 'label' is missing in 120 of 120 rows",),
        spec=spec(data={"path": "data.jsonl"}),
        files=classification("data.jsonl", label=pl.lit(None)),
    ),
    Case(
        "audit-spec-missing", ("spec file not found",), command="audit", spec_path="nowhere.toml", files=None
    ),
    Case("audit-data-missing", ("data file not found",), command="audit", files=None),
    Case(
        "audit-inf-feature",
        ("feature 'x_num' is infinite",),
        command="audit",
        files=classification(x_num=first_rows(1, float("inf"), "x_num")),
    ),
    Case("check-malformed-toml", ("malformed TOML",), command="check", spec='title = "x\n'),
    Case(
        "check-id-column-is-target",
        ("is also data.target",),
        command="check",
        spec=spec(data={"id_column": "label"}),
    ),
    Case(
        "adr-write-record-missing",
        ("run record not found",),
        command="adr write",
        spec_path="nowhere/run.json",
        files=None,
    ),
    Case(
        "adr-write-record-not-json",
        ("not valid JSON",),
        command="adr write",
        spec_path="run.json",
        files=raw("{not json", "run.json"),
    ),
    Case(
        "adr-spec-not-an-adr",
        ("no archbench spec block",),
        command="adr spec",
        spec_path="notes.md",
        files=raw("# just notes\n", "notes.md"),
    ),
]

OUTPUT_CASES = [
    Case(
        "adr-dir-is-a-file",
        ("decision records (ADR) folder", "is a file, not a folder", "--adr-dir"),
        files=both(classification(), raw("not a folder", "adr-file")),
        args=("--adr-dir", "{tmp}/adr-file"),
    ),
    Case(
        "runs-dir-is-a-file",
        ("run records folder", "is a file, not a folder", "--out-dir"),
        files=both(classification(), raw("not a folder", "runs-file")),
        args=("--out-dir", "{tmp}/runs-file"),
    ),
    Case(
        "adr-dir-parent-is-a-file",
        ("cannot be created", "is a file"),
        files=both(classification(), raw("x", "parent")),
        args=("--adr-dir", "{tmp}/parent/adr"),
    ),
    Case(
        "adr-assets-is-a-file",
        ("ADR charts go in a folder", "assets"),
        files=both(classification(), lambda t: (t / "adr").mkdir(), raw("x", "adr/assets")),
    ),
    Case(
        "adr-dir-read-only",
        ("decision records (ADR) folder", "read-only"),
        files=both(classification(), lambda t: (t / "adr").mkdir()),
        patch=lambda mp, tmp: _refuse_writes(mp, tmp / "adr", errno.EROFS),
    ),
    Case(
        "runs-dir-not-writable",
        ("run records folder", "not writable", "Permission denied"),
        files=both(classification(), lambda t: (t / "runs").mkdir()),
        patch=lambda mp, tmp: _refuse_writes(mp, tmp / "runs", errno.EACCES),
    ),
    Case(
        "adr-disk-full",
        ("disk holding", "is full", "MB free"),
        patch=lambda mp, tmp: mp.setattr(
            shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 4096, 4096)
        ),
    ),
]
if os.path.isdir("/sys") and not os.access(
    "/sys", os.W_OK
):  # a real folder no one may write to (not even root)
    OUTPUT_CASES.append(
        Case("adr-dir-under-sys", ("not writable",), args=("--adr-dir", "/sys/archbench-adr"))
    )

CASES = SPEC_CASES + DATA_CASES + OTHER_COMMAND_CASES + OUTPUT_CASES


def _deny_reading(mp: pytest.MonkeyPatch, path: Path) -> None:
    """As a user without read permission sees it (the tests may run as root, who reads anything)."""
    real = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self.name == path.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    mp.setattr(Path, "read_text", read_text)
    mp.setattr(os, "access", lambda *a, **k: False)  # click's own readability check would print a usage box


def _refuse_writes(mp: pytest.MonkeyPatch, folder: Path, code: int) -> None:
    """mkstemp in `folder` fails as in a read-only or locked folder."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(*args: Any, dir: Any = None, **kwargs: Any) -> tuple[int, str]:
        if dir is not None and Path(dir) == folder:
            raise OSError(code, os.strerror(code), str(dir))
        return real(*args, dir=dir, **kwargs)

    mp.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.files is not None:
        case.files(tmp_path)
    spec_file = tmp_path / case.spec_path
    if case.spec_path == "decision.toml":
        text = case.spec if isinstance(case.spec, str) else _text(case.spec)
        spec_file.write_bytes(text.encode("latin-1") if case.id == "spec-not-utf8" else text.encode())
    args = [*case.command.split(), case.spec_path, *(a.replace("{tmp}", str(tmp_path)) for a in case.args)]
    if case.command == "run":
        if case.out_args and "--adr-dir" not in args:
            args += ["--adr-dir", str(tmp_path / "adr")]
        if case.out_args and "--out-dir" not in args:
            args += ["--out-dir", str(tmp_path / "runs")]
        args.append("--quiet")
    if case.patch is not None:
        case.patch(monkeypatch, tmp_path)
    result = runner.invoke(app, args)

    shown = f"exit {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert result.exit_code == case.exit, shown
    assert "Traceback" not in result.output, shown
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    line = lines[0]
    if case.exit in (2, 5):  # bad input; `harness run` blocked by the audit
        assert line.startswith("error: ") and "fix: " in line, shown
        assert not result.stdout.strip(), shown
    for needle in case.needles:
        assert needle in line, f"{needle!r} not in the error line\n{shown}"
    assert "(top level)" not in line, shown
    for folder in (tmp_path / "adr", tmp_path / "runs"):
        assert not folder.is_dir() or not any(p for p in folder.iterdir() if p.name != "assets"), shown
    assert not (tmp_path / "adr" / "assets").is_dir() or not any((tmp_path / "adr" / "assets").iterdir())


def test_every_kind_of_finding_can_be_acknowledged() -> None:
    """A finding kind the audit emits but `[audit] acknowledge` does not know would be refused as a typo."""
    import re

    from harness.audit.findings import FINDING_KINDS

    audit_sources = (Path(__file__).parents[1] / "harness" / "audit").glob("*.py")
    emitted = {k for f in audit_sources for k in re.findall(r'"([a-z_]+):(?:\{|[a-z_])', f.read_text())}
    assert emitted and emitted <= set(FINDING_KINDS), emitted - set(FINDING_KINDS)


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
