"""`Finding`: one thing the data audit noticed, and the rules that decide whether it stops a run.

A finding is blocking when it would invalidate the comparison of candidates (target leakage, heavy train/test
contamination). A blocking finding stops the run unless the spec acknowledges its `code` (`[audit] acknowledge
= ["leakage:chargeback_flag"]`) or an option already fixes it (`drop_columns`, `dedupe`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from harness.errors import BlockedByAudit, InputError
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


# The kinds of finding codes ("<kind>:<what>"); `suspected_leak:<feature>` is read after training, by
# harness.evidence, so it never matches a finding of the audit.
FINDING_KINDS = (
    "answer_not_in_corpus",
    "constant",
    "contamination",
    "coverage",
    "duplicates",
    "entity_repeats",
    "high_cardinality",
    "imbalance",
    "label_conflict",
    "leakage",
    "missing",
    "near_duplicates",
    "non_finite",
    "out_of_range",
    "rare_classes",
    "strong_feature",
)
LATE_KINDS = ("suspected_leak",)
# What a code names besides a column ("duplicates:rows", "contamination:exact", ...).
_NOT_COLUMNS = {"rows", "exact", "near_duplicates", "combination", "row_blocks", "empty"}


def check_acknowledged(
    findings: list[Finding], spec: DecisionSpec, *, columns: Sequence[str] | None = None
) -> list[str]:
    """Check `[audit] acknowledge` against the findings. An entry that cannot name a finding — an unknown
    kind, or (given the table's `columns`) a column the data does not have — is an `InputError`: a typo
    would otherwise be accepted silently. An entry of a valid form that names no finding of this data
    (acknowledged in advance) is allowed; the returned notes say so."""
    import difflib

    codes = list(dict.fromkeys(f.code for f in findings))
    notes: list[str] = []
    for entry in spec.audit.acknowledge:
        if entry in codes:
            continue
        kind, _, rest = entry.partition(":")
        close = difflib.get_close_matches(entry, codes, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        if kind not in FINDING_KINDS + LATE_KINDS or not rest:
            raise InputError(
                f"acknowledge entry {entry!r} names no finding{hint}: codes read '<kind>:<column>', kinds "
                f"{', '.join(FINDING_KINDS + LATE_KINDS)}",
                where="[audit] acknowledge",
                fix=f"copy the code from the audit report (harness audit), or remove {entry!r}",
            )
        column = rest.split(":", 1)[1] if kind == "contamination" and ":" in rest else rest
        if columns is not None and column not in _NOT_COLUMNS and column not in columns:
            near = difflib.get_close_matches(column, list(columns), n=1, cutoff=0.6)
            hint = hint or (f" (did you mean {near[0]!r}?)" if near else "")
            raise InputError(
                f"acknowledge entry {entry!r} names {column!r}, which is not a column of the data{hint}",
                where="[audit] acknowledge",
                fix=f"correct the column name in {entry!r}, or remove it",
            )
        if kind not in LATE_KINDS:
            notes.append(
                f"[audit] acknowledge {entry!r}: this data has no such finding, nothing is acknowledged by it"
            )
    return notes


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
