"""The objects `--json` prints (one per command); the `"schema"` key names the shape (README, Commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RUN_SCHEMA = "archbench.run/1"
AUDIT_SCHEMA = "archbench.audit/1"
CHECK_SCHEMA = "archbench.check/1"
ADR_LIST_SCHEMA = "archbench.adr_list/1"


def run_payload(result: Any, exit_code: int) -> dict[str, Any]:
    """`harness run --json`: the decision, every candidate's numbers and the files written
    (schema archbench.run/1, README: Commands)."""
    decision = result.decision
    verdicts = {v.candidate: v for v in decision.verdicts} if decision is not None else {}
    task = result.record.task
    return {
        "schema": RUN_SCHEMA,
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "run_id": result.run_id,
        "record": str(result.record_path),
        "adr": str(result.adr_path) if result.adr_path else None,
        "cancelled": result.cancelled,
        "task": {"kind": str(task.kind), "target": task.target},
        "metric": decision.metric if decision is not None else None,
        "decision": None
        if decision is None
        else {
            "recommended": decision.recommended,
            "justified": decision.justified,
            "best_baseline": decision.best_baseline,
            "because": decision.because,
        },
        "candidates": [_candidate_json(m, verdicts) for m in result.measurements],
        "findings": [finding_json(f) for f in result.findings],
    }


def _candidate_json(m: Any, verdicts: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": m.candidate,
        "family": str(m.family),
        "status": m.status,
        "reason": m.reason,
        "verdict": verdicts[m.candidate].verdict if m.candidate in verdicts else None,
        "metrics": {name: _metric_json(v) for name, v in m.metrics.items()},
        "latency_p99_ms": m.latency.p99_ms if m.latency else None,
        "throughput_rows_per_s": m.throughput_rows_per_s,
        "size_mb": m.size_mb,
        "train_time_s": m.train_time_s,
        "cost_usd_per_1k": m.cost_usd_per_1k,
    }


def _metric_json(m: Any) -> dict[str, Any]:
    return {
        "value": m.value,
        "ci_low": m.ci_low,
        "ci_high": m.ci_high,
        "greater_is_better": m.greater_is_better,
    }


def finding_json(f: Any) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "title": f.title,
        "fix": f.fix,
        "blocks": f.blocks,
        "resolved": f.resolved,
        "columns": list(f.columns),
    }


def audit_payload(
    prepared: Any, findings: list[Any], notes: list[str], *, blocked: bool, exit_code: int
) -> dict[str, Any]:
    """`harness audit --json` (schema archbench.audit/1)."""
    return {
        "schema": AUDIT_SCHEMA,
        "ok": not blocked,
        "exit_code": exit_code,
        "data": str(prepared.path),
        "rows": prepared.n_rows,
        "task": {"kind": str(prepared.task.kind), "target": prepared.task.target},
        "blocked": blocked,
        "findings": [finding_json(f) | {"evidence": f.to_dict()["evidence"]} for f in findings],
        "notes": [*prepared.notes, *notes],
    }


def check_payload(spec: Any, errors: list[Any], exit_code: int) -> dict[str, Any]:
    """`harness check --json` (schema archbench.check/1): every problem, and the normalised spec."""
    return {
        "schema": CHECK_SCHEMA,
        "ok": not errors,
        "exit_code": exit_code,
        "errors": [{"where": e.where, "problem": e.problem, "fix": e.fix, "message": str(e)} for e in errors],
        "spec": spec.to_dict() if spec is not None else None,
    }


def adr_list_payload(folder: Path, entries: list[Any]) -> dict[str, Any]:
    """`harness adr list --json` (schema archbench.adr_list/1)."""
    records = [
        {
            "number": e.number,
            "title": e.title,
            "status": e.status,
            "date": str(e.date or "") or None,
            "path": str(e.path),
            "format": str(e.kind),
        }
        for e in entries
    ]
    return {"schema": ADR_LIST_SCHEMA, "adr_dir": str(folder), "records": records}
