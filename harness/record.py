"""The run record `runs/<run-id>/run.json`: everything needed to re-run a decision and check it.

One pydantic model (`RunRecord`) holding the spec (as data and as TOML), the data fingerprint, the task and
splits, the audit findings, every measurement, the decision, provenance, seeds and step timings. Written
atomically (temp file + `os.replace`) so a crash never leaves half a record; read back with `load_record`.

JSON note: a metric can legitimately be NaN (e.g. ROC-AUC on a one-class slice). pydantic would write it as
`null` and then refuse to read it back, so the record is serialised with the standard library, which writes
`NaN`/`Infinity` tokens (as Python, pandas and polars read them).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shlex
import sys
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import InputError
from harness.evidence.model import Evidence
from harness.fileio import replace_atomically
from harness.provenance import Provenance, collect_provenance, sha256_file
from harness.results import Decision, Measurement
from harness.spec import DecisionSpec, spec_from_dict
from harness.types import TaskKind

RECORD_FILE = "run.json"
SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSummary(_Model):
    path: str
    sha256: str | None = None  # of the file's bytes; None when it could not be read
    rows: int  # after audit.drop_columns / audit.dedupe
    columns: list[str] = Field(default_factory=list)
    rows_loaded: int | None = None  # in the file, before dedupe
    notes: list[str] = Field(default_factory=list)  # what loading changed (dropped columns, duplicates)

    @property
    def n_columns(self) -> int:
        return len(self.columns)


class TaskSummary(_Model):
    kind: TaskKind
    target: str | None = None
    classes: list[str] = Field(default_factory=list)  # original label values as text, index = encoded class
    class_counts: dict[str, int] = Field(default_factory=dict)  # label → rows in the whole data
    positive_label: str | None = None
    target_stats: dict[str, float] = Field(default_factory=dict)  # regression: mean, std, min, max
    n_features: int = 0
    n_numeric: int = 0
    n_categorical: int = 0
    n_text: int = 0


class SplitsSummary(_Model):
    strategy: str
    sizes: dict[str, int] = Field(default_factory=dict)  # split name → rows
    notes: list[str] = Field(default_factory=list)


class FindingRecord(_Model):
    """An audit finding as recorded; built from the audit's `Finding` objects or from dicts."""

    severity: str  # info | warning | blocking
    code: str
    title: str
    evidence: Any = None  # JSON-able: text, numbers, or a small dict/list
    fix: str | None = None
    blocking: bool = False  # default: severity == "blocking"
    acknowledged: bool = False
    action: str | None = None  # what the run did about it, e.g. "dropped by drop_columns"
    columns: list[str] = Field(default_factory=list)


_FINDING_FIELDS = tuple(FindingRecord.model_fields)


def finding_to_dict(finding: Any) -> dict[str, Any]:
    """Any object with the audit's attributes (or a mapping) → a plain, JSON-able dict."""
    if isinstance(finding, FindingRecord):
        return finding.model_dump()
    if isinstance(finding, Mapping):
        raw = {k: finding[k] for k in _FINDING_FIELDS if k in finding}
    else:
        raw = {k: getattr(finding, k) for k in _FINDING_FIELDS if hasattr(finding, k)}
    for key in ("severity", "code"):
        if key in raw:
            raw[key] = str(getattr(raw[key], "value", raw[key]))
    if "blocking" not in raw and "severity" in raw:
        raw["blocking"] = raw["severity"].lower() == "blocking"
    if "columns" in raw:
        raw["columns"] = [str(c) for c in raw["columns"] or ()]
    if raw.get("fix") == "":
        raw["fix"] = None
    if "evidence" in raw:
        raw["evidence"] = json.loads(json.dumps(raw["evidence"], default=_jsonable))
    return raw


class RunRecord(_Model):
    """One run of the harness, as written to `runs/<run-id>/run.json`."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    created_at: dt.datetime
    command: str
    spec: dict[str, Any]  # DecisionSpec.to_dict()
    spec_toml: str
    data: DataSummary
    task: TaskSummary
    splits: SplitsSummary
    findings: list[FindingRecord] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    decision: Decision | None = None  # None: cancelled before any candidate finished
    provenance: Provenance
    seeds: dict[str, int] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)  # step → seconds
    cancelled: bool = False
    adr_path: str | None = None
    record_file: str | None = None  # where run.json is written (runs_dir/run_id/run.json)
    constraints_stated: list[str] | None = None  # constraint keys the team wrote (the rest are defaults)
    # the evaluation protocol (harness.protocol), fixed before training
    protocol: dict[str, Any] | None = None
    seed_runs: list[dict[str, Any]] = Field(default_factory=list)  # selection repeated with other seeds
    evidence: Evidence | None = None  # slices, calibration, failure modes, flips … (harness.evidence)
    # the Benchmark Methodology the run followed: path (relative to the ADR folder), fingerprint, created_at,
    # written_by_run, deviations (harness.plan)
    plan: dict[str, Any] | None = None

    @field_validator("findings", mode="before")
    @classmethod
    def _coerce_findings(cls, value: Any) -> Any:
        if value is None:
            return []
        return [finding_to_dict(f) for f in value]

    def decision_spec(self) -> DecisionSpec:
        """The spec of this run, validated again (the record stores it as plain data)."""
        return spec_from_dict(self.spec, where=f"run {self.run_id}: spec")

    def measurement(self, candidate: str) -> Measurement | None:
        return next((m for m in self.measurements if m.candidate == candidate), None)


# ---- ids, command line ---------------------------------------------------------------------------------


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable id: UTC timestamp to the second + 4 random hex digits (two runs in one second differ)."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def command_line(argv: Iterable[str] | None = None) -> str:
    """The exact invocation, quoted to paste back into a shell (the entry point shown as `harness`)."""
    args = list(sys.argv if argv is None else argv)
    if args and args[0].endswith(("harness", "__main__.py")):
        args[0] = "harness"
    return shlex.join(args)


# ---- building a record from the runner's objects -------------------------------------------------------


def build_record(
    *,
    run_id: str,
    spec: DecisionSpec,
    prepared: Any,
    splits: Any,
    findings: Iterable[Any] = (),
    measurements: Iterable[Measurement] = (),
    decision: Decision | None = None,
    command: str | None = None,
    timings: Mapping[str, float] | None = None,
    cancelled: bool = False,
    created_at: dt.datetime | None = None,
) -> RunRecord:
    """Assemble the record from the data step's output (`prepared`: .df, .task, optional .path/.sha256) and
    the splits (.train/.dev/.test, optional .strategy/.notes). Duck-typed so this module stays light."""
    df = prepared.df
    task = prepared.task
    data_path = Path(getattr(prepared, "path", None) or spec.data_path())
    return RunRecord(
        run_id=run_id,
        created_at=created_at or dt.datetime.now(dt.UTC),
        command=command if command is not None else command_line(),
        spec=spec.to_dict(),
        spec_toml=spec.to_toml(),
        constraints_stated=sorted(spec.constraints.model_fields_set),
        data=DataSummary(
            path=str(data_path),
            # the full digest; the data step's 16-character `fingerprint` is its prefix
            sha256=getattr(prepared, "sha256", None)
            or _try_sha256(data_path)
            or getattr(prepared, "fingerprint", None),
            rows=int(df.height),
            columns=[str(c) for c in df.columns],
            rows_loaded=getattr(prepared, "rows_loaded", None),
            notes=[str(n) for n in getattr(prepared, "notes", ()) or ()],
        ),
        task=summarize_task(task, df, spec),
        splits=summarize_splits(splits, spec),
        findings=list(findings),
        measurements=list(measurements),
        decision=decision,
        provenance=collect_provenance(),
        seeds={"spec": spec.seed},
        timings=dict(timings or {}),
        cancelled=cancelled,
    )


def summarize_task(task: Any, df: Any = None, spec: DecisionSpec | None = None) -> TaskSummary:
    """Task facts for the ADR's problem statement; class counts / target stats from the polars frame."""
    kind = TaskKind(task.kind)
    target = getattr(task, "target", None) or None
    classes = [str(c) for c in getattr(task, "classes", ())]
    positive_index = getattr(task, "positive_index", None)
    summary = TaskSummary(
        kind=kind,
        target=target,
        classes=classes,
        positive_label=classes[positive_index] if positive_index is not None and classes else None,
        n_features=len(getattr(task, "feature_columns", ())),
        n_numeric=len(getattr(task, "numeric_columns", ())),
        n_categorical=len(getattr(task, "categorical_columns", ())),
        n_text=len(getattr(task, "text_columns", ())),
    )
    if df is None or target is None or target not in getattr(df, "columns", ()):
        return summary
    column = df.get_column(target).drop_nulls()
    if kind.is_classification:
        counts = column.value_counts(sort=True)
        summary.class_counts = {str(v): int(n) for v, n in counts.iter_rows()}
    elif kind is TaskKind.REGRESSION and column.len() > 0:
        values = column.cast(float)
        summary.target_stats = {
            "mean": float(values.mean()),
            "std": float(values.std() or 0.0),
            "min": float(values.min()),
            "max": float(values.max()),
        }
    return summary


def summarize_splits(splits: Any, spec: DecisionSpec) -> SplitsSummary:
    sizes = {}
    for name in ("train", "dev", "test", "rolling"):
        part = getattr(splits, name, None)
        if part is not None:
            sizes[name] = len(part)
    return SplitsSummary(
        strategy=str(getattr(splits, "strategy", None) or spec.data.split),
        sizes=sizes,
        notes=[str(n) for n in getattr(splits, "notes", ()) or ()],
    )


def _try_sha256(path: Path) -> str | None:
    try:
        return sha256_file(path) if path.is_file() else None
    except OSError:
        return None


# ---- writing and reading --------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """`json.dumps` fallback: dates, paths, enums, numpy values; anything else is a bug (TypeError)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars, without importing numpy
        return value.tolist()
    raise TypeError(f"not JSON-serialisable in the run record: {type(value).__name__}")


def record_to_json(record: RunRecord) -> str:
    return (
        json.dumps(record.model_dump(mode="python"), default=_jsonable, indent=2, ensure_ascii=False) + "\n"
    )


def write_record(record: RunRecord, runs_dir: str | Path) -> Path:
    """Write `runs_dir/<run-id>/run.json` atomically; the whole text is made before the disk is touched."""
    text = record_to_json(record).encode("utf-8")
    run_dir = Path(runs_dir) / record.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    target = run_dir / RECORD_FILE
    replace_atomically(target, text)
    return target


def load_record(path: str | Path) -> RunRecord:
    """Read a run record (the `run.json` file or its run folder); problems are one-line `InputError`s."""
    p = Path(path)
    if p.is_dir():
        p = p / RECORD_FILE
    if not p.is_file():
        raise InputError(
            "run record not found", where=str(p), fix="pass runs/<run-id>/run.json or its folder"
        )
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"run record is not valid JSON ({exc})", where=str(p), fix="re-run to write it again"
        ) from None
    if not isinstance(raw, dict):
        raise InputError("run record is not a JSON object", where=str(p), fix="re-run to write it again")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InputError(
            f"run record schema version {version} is not supported (this archbench reads {SCHEMA_VERSION})",
            where=str(p),
            fix="read it with the archbench version that wrote it",
        )
    try:
        return RunRecord.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(part) for part in err["loc"])
        what = f"run record field '{key}' is invalid" if key else "run record is invalid"
        raise InputError(f"{what}: {err['msg']}", where=str(p), fix="re-run to write it again") from None


def spec_toml_of(record: RunRecord) -> str:
    """The canonical TOML of the record's spec (what the ADR embeds and `spec_from_adr` reads back)."""
    return tomli_w.dumps(record.spec)
