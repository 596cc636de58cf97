"""A rich rendering of the findings for `harness audit SPEC` (the CLI prints it; the ADR has its own
renderer)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from harness.audit.findings import Finding, sort_findings

SEVERITY_STYLE = {"blocking": "bold red", "warning": "yellow", "info": "cyan"}
_SKIP = {"examples", "pairs", "rows_list"}


def evidence_summary(evidence: dict[str, Any], limit: int = 4) -> str:
    """The first few scalar facts of a finding's evidence, e.g. 'value=0.991 · threshold=0.98'."""
    parts = []
    for key, value in evidence.items():
        if key in _SKIP or isinstance(value, dict | list):
            continue
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{key}={shown}")
        if len(parts) == limit:
            break
    return " · ".join(parts)


def _status(finding: Finding) -> Text:
    if finding.action:
        return Text(finding.action, style="green")
    if finding.acknowledged:
        return Text("acknowledged", style="green")
    if finding.severity == "blocking":
        return Text("BLOCKS THE RUN", style="bold red")
    return Text("")


def render_report(findings: list[Finding], title: str = "Data audit") -> RenderableType:
    """A table of findings (severity, code, what, evidence, fix, status) and a one-line verdict."""
    ordered = sort_findings(list(findings))
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True, style="bold")
    table.add_column("finding", ratio=3)
    table.add_column("evidence", ratio=2, style="dim")
    table.add_column("fix", ratio=2)
    table.add_column("status", no_wrap=True)
    for f in ordered:
        table.add_row(
            Text(f.severity, style=SEVERITY_STYLE[f.severity]),
            Text(f.code),
            Text(f.title),
            Text(evidence_summary(f.evidence)),
            Text(f.fix),
            _status(f),
        )
    blocking = [f for f in ordered if f.blocks]
    counts = {s: sum(1 for f in ordered if f.severity == s) for s in ("blocking", "warning", "info")}
    summary = f"{counts['blocking']} blocking · {counts['warning']} warnings · {counts['info']} info"
    if not ordered:
        verdict = Text("No problems found.", style="green")
    elif blocking:
        keys = ", ".join(f'"{f.code}"' for f in blocking)
        verdict = Text(
            f"{summary} — the run is blocked until you fix the data or add {keys} to [audit] acknowledge.",
            style="bold red",
        )
    else:
        verdict = Text(f"{summary} — nothing blocks the run.", style="green")
    return Group(table, verdict) if ordered else verdict
