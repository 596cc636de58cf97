"""`Finding`: one thing the data audit noticed, and the rules that decide whether it stops a run.

A finding is blocking when it would invalidate the comparison of candidates (target leakage, heavy train/test
contamination). A blocking finding stops the run unless the spec acknowledges its `code` (`[audit] acknowledge
= ["leakage:chargeback_flag"]`) or an option already fixes it (`drop_columns`, `dedupe`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from harness.errors import BlockedByAudit
from harness.spec import DecisionSpec

Severity = Literal["info", "warning", "blocking"]
SEVERITY_ORDER: dict[str, int] = {"blocking": 0, "warning": 1, "info": 2}


@dataclass
class Finding:
    """One audit result. `code` is stable (used by `[audit] acknowledge`); `evidence` holds the numbers."""

    code: str
    severity: Severity
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str = ""
    acknowledged: bool = False
    action: str | None = None  # what was done about it, e.g. "dropped by drop_columns"
    columns: tuple[str, ...] = ()  # the columns it is about (drop_columns resolves findings on them)
    fixed_by_dedupe: bool = False  # `[audit] dedupe = true` removes what this finding is about

    @property
    def resolved(self) -> bool:
        """Acknowledged in the spec or fixed by an option: it no longer stops a run."""
        return self.acknowledged or self.action is not None

    @property
    def blocks(self) -> bool:
        return self.severity == "blocking" and not self.resolved

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (numpy scalars and tuples made plain)."""
        out = asdict(self)
        out["columns"] = list(self.columns)
        return json.loads(json.dumps(out, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):  # numpy array
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Blocking first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def resolve(findings: list[Finding], spec: DecisionSpec) -> list[Finding]:
    """Mark findings acknowledged by the spec or fixed by its options (in place; returns the same list)."""
    acknowledged = set(spec.audit.acknowledge)
    dropped = set(spec.audit.drop_columns)
    for finding in findings:
        if finding.code in acknowledged:
            finding.acknowledged = True
        if finding.action is not None:
            continue
        if finding.columns and set(finding.columns) <= dropped:
            finding.action = "dropped by drop_columns"
        elif finding.fixed_by_dedupe and spec.audit.dedupe:
            finding.action = "dropped by dedupe"
    return findings


def unacknowledged_blocking(findings: list[Finding], spec: DecisionSpec) -> list[Finding]:
    """The blocking findings that neither the spec's `acknowledge` list nor its options resolve."""
    return [f for f in resolve(findings, spec) if f.blocks]


def way_out(finding: Finding) -> str:
    """The option that fixes this finding, as it would be written in the spec, if there is one."""
    if finding.columns:
        cols = ", ".join(f"'{c}'" for c in finding.columns)
        return f"drop_columns = [{cols}]"
    if finding.fixed_by_dedupe:
        return "dedupe = true"
    return ""


def check_blocking(findings: list[Finding], spec: DecisionSpec) -> None:
    """Raise `BlockedByAudit` (one line) naming every unresolved blocking finding and the two ways out."""
    blocking = unacknowledged_blocking(findings, spec)
    if not blocking:
        return
    names = "; ".join(f"{f.code} ({f.title})" for f in blocking)
    keys = ", ".join(f'"{f.code}"' for f in blocking)
    options = [w for w in (way_out(f) for f in blocking) if w]
    fix = f"add {keys} to [audit] acknowledge"
    if options:
        fix += f", or set [audit] {' and '.join(dict.fromkeys(options))}"
    raise BlockedByAudit(
        f"data audit found {len(blocking)} blocking problem(s): {names}",
        where="[audit]",
        fix=fix,
    )
