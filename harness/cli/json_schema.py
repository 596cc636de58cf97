"""The shapes `--json` prints, as JSON Schema (pydantic models, `extra = "forbid"`): `harness schema --of run`
prints one, scripts validate against it, and the tests validate every command's real output with it. A
shape only grows: a new key is added here (and to the README) and never renamed or removed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.cli.payloads import ADR_LIST_SCHEMA, AUDIT_SCHEMA, CHECK_SCHEMA, RUN_SCHEMA


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TaskJson(_Shape):
    kind: str = Field(description="binary, multiclass, regression or qa")
    target: str | None = Field(description="the column predicted (the answer column for QA)")


class MetricJson(_Shape):
    value: float
    ci_low: float | None = Field(description="95% bootstrap CI, low end (null: not resampled)")
    ci_high: float | None
    greater_is_better: bool


class CandidateJson(_Shape):
    name: str
    family: str
    status: Literal["ok", "failed", "timed_out", "skipped", "cancelled"]
    reason: str | None = Field(description="why it failed or was skipped")
    verdict: str | None = Field(description="recommended, baseline, runner_up, not_justified, rejected, …")
    metrics: dict[str, MetricJson]
    latency_p99_ms: float | None
    throughput_rows_per_s: float | None
    size_mb: float | None
    train_time_s: float | None
    cost_usd_per_1k: float | None


class FindingJson(_Shape):
    code: str
    severity: str
    title: str
    fix: str
    blocks: bool = Field(description="stops the run until fixed or acknowledged")
    resolved: bool = Field(description="acknowledged in the spec, or fixed by an audit option")
    columns: list[str]


class AuditFindingJson(FindingJson):
    evidence: dict[str, Any] = Field(description="the numbers behind the finding")


class DecisionJson(_Shape):
    recommended: str | None
    justified: bool = Field(description="the choice beats the best baseline on a paired test")
    best_baseline: str | None
    because: str


class RunJson(_Shape):
    """`harness run --json`."""

    schema_: Literal["archbench.run/1"] = Field(alias="schema")
    ok: bool
    exit_code: int
    run_id: str
    record: str = Field(description="path of the run record (run.json)")
    adr: str | None = Field(description="path of the ADR written (null with --no-adr)")
    cancelled: bool
    task: TaskJson
    metric: str | None
    decision: DecisionJson | None
    candidates: list[CandidateJson]
    findings: list[FindingJson]


class AuditJson(_Shape):
    """`harness audit --json`."""

    schema_: Literal["archbench.audit/1"] = Field(alias="schema")
    ok: bool
    exit_code: int
    data: str
    rows: int
    task: TaskJson
    blocked: bool
    findings: list[AuditFindingJson]
    notes: list[str]


class CheckErrorJson(_Shape):
    where: str | None
    problem: str
    fix: str | None
    message: str = Field(description="the one line the CLI prints")


class CheckJson(_Shape):
    """`harness check --json`."""

    schema_: Literal["archbench.check/1"] = Field(alias="schema")
    ok: bool
    exit_code: int
    errors: list[CheckErrorJson]
    spec: dict[str, Any] | None = Field(description="the normalised spec (null when it has errors)")


class AdrRecordJson(_Shape):
    number: int
    title: str
    status: str
    date: str | None
    path: str
    format: str = Field(description="madr, madr2 (log4brains), nygard (adr-tools) or plain")


class AdrListJson(_Shape):
    """`harness adr list --json`."""

    schema_: Literal["archbench.adr_list/1"] = Field(alias="schema")
    adr_dir: str
    records: list[AdrRecordJson]


class FailureJson(_Shape):
    """What any `--json` command prints when it fails before its own object exists."""

    schema_: str = Field(alias="schema", description="the command's schema name")
    ok: Literal[False]
    exit_code: int
    error: str = Field(description="the one error line, also on stderr")


SHAPES: dict[str, type[BaseModel]] = {
    "run": RunJson,
    "audit": AuditJson,
    "check": CheckJson,
    "adr-list": AdrListJson,
    "failure": FailureJson,
}
NAMES = {RUN_SCHEMA: "run", AUDIT_SCHEMA: "audit", CHECK_SCHEMA: "check", ADR_LIST_SCHEMA: "adr-list"}


def json_schema_of(shape: str) -> dict[str, Any]:
    """The JSON Schema of one `--json` shape (draft 2020-12, as pydantic writes it)."""
    schema = SHAPES[shape].model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def validate(payload: dict[str, Any]) -> BaseModel:
    """Check a printed object against its shape (by its `schema` key; a failure object by `ok: false`)."""
    model = (
        FailureJson if payload.get("ok") is False and "error" in payload else SHAPES[NAMES[payload["schema"]]]
    )
    return model.model_validate(payload)
