"""`harness verify ADR`: does a recorded decision still hold?

Every ADR is written with a compact claims file beside it (`<adr dir>/assets/NNNN-claims.json`, committed
with the record, unlike the gitignored `runs/`): the data's sha256, where the data and the spec lived relative
to the ADR, the option chosen, the gates the chosen option passed with the measured numbers, and each finished
candidate's optimizing metric with its 95% CI. Verify re-runs the spec embedded in the ADR (or a given spec)
on the recorded data — refusing, with one line, when the data changed — and checks each claim: the same
option chosen, the chosen option's gates still pass (under the limits of the spec re-run, so a tightened
budget shows), and each metric inside its recorded CI. Each family's search is replayed with the number of
trials the recorded run completed (time limit lifted): a time-bounded search would otherwise complete more or
fewer trials on a busier or quieter machine, and that alone can move a close decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.claims import load_claims
from harness.errors import InputError


@dataclass(frozen=True)
class Check:
    claim: str
    recorded: str
    now: str
    holds: bool


# ---- checking them ---------------------------------------------------------------------------------------


def spec_to_verify(adr_path: Path, claims: dict[str, Any], spec_path: Path | None = None) -> Any:
    """The spec embedded in the ADR, relative paths resolved where they were at the run; or `spec_path`."""
    from harness.adr import spec_from_adr
    from harness.spec import load_spec, spec_from_toml

    if spec_path is not None:
        return load_spec(spec_path)
    embedded = spec_from_adr(adr_path)
    source = (adr_path.parent / claims["spec_dir"] / "decision.toml").resolve()
    return spec_from_toml(embedded.to_toml(), where=f"{adr_path} (spec block)", source=source)


def check_data(adr_path: Path, claims: dict[str, Any]) -> Path:
    """The recorded data file (and golden file), unchanged, or one line saying what changed."""
    data = claims["data"]
    path = _unchanged(adr_path.parent / data["path"], data.get("sha256"), "data file")
    if data.get("golden"):
        _unchanged(adr_path.parent / data["golden"]["path"], data["golden"].get("sha256"), "golden test file")
    return path


def _unchanged(path: Path, recorded: str | None, what: str) -> Path:
    from harness.provenance import sha256_file

    path = path.resolve()
    if not path.is_file():
        raise InputError(
            f"the decision's {what} is missing",
            where=str(path),
            fix="restore the data the decision was made on (its sha256 is in the ADR)",
        )
    now = sha256_file(path)
    if recorded and now != recorded:
        raise InputError(
            f"the {what} changed since the decision (sha256 {recorded[:12]}… recorded, {now[:12]}… now)",
            where=str(path),
            fix="restore the recorded data to verify this decision, or run the spec again for a new decision",
        )
    return path


def checks(claims: dict[str, Any], spec: Any, result: Any) -> list[Check]:
    """Each recorded claim against the re-run: (claim, recorded, now, holds)."""
    from harness.gates import NUMERIC_GATES

    out: list[Check] = []
    decision = result.decision
    now_chosen = decision.recommended if decision is not None else None
    chosen = claims.get("chosen")
    shown = str(now_chosen) if now_chosen else "none (no option passes)"
    out.append(Check("option chosen", str(chosen), shown, now_chosen == chosen))
    by_name = {m.candidate: m for m in result.measurements}
    m = by_name.get(chosen) if chosen else None
    recorded_gates = {g["gate"]: g for g in claims.get("gates", [])}
    for gate in NUMERIC_GATES:
        limit = getattr(spec.constraints, gate.field)
        old = recorded_gates.get(gate.field)
        if limit is None and old is None:
            continue
        side = "≤" if gate.passes_below else "≥"
        recorded = "—" if old is None else f"{_n(old['measured'])} {side} {_n(old['limit'])} {gate.unit}"
        value = gate.reads(m) if m is not None and m.ok else None
        if limit is None:
            out.append(Check(f"{chosen}: {gate.field} gate", recorded, "no longer a gate", True))
            continue
        holds = value is not None and (value <= limit if gate.passes_below else value >= limit)
        bad = ">" if gate.passes_below else "<"
        now = (
            "not measured"
            if value is None
            else f"{_n(value)} {side if holds else bad} {_n(limit)} {gate.unit}"
        )
        out.append(Check(f"{chosen}: {gate.field} gate", recorded, now, holds))
    metric = claims.get("metric")
    for name, rec in claims.get("metrics", {}).items():
        m = by_name.get(name)
        value = m.metrics.get(metric) if m is not None and m.ok and metric else None
        ci = f"{_n(rec['value'])} (95% CI {_n(rec['low'])}–{_n(rec['high'])})"
        if value is None:
            out.append(Check(f"{name}: {metric}", ci, "did not finish", False))
            continue
        inside = rec["low"] is None or rec["high"] is None or rec["low"] <= value.value <= rec["high"]
        out.append(Check(f"{name}: {metric} inside the recorded CI", ci, _n(value.value), inside))
    return out


def _n(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def verify(
    adr_path: Path, *, spec_path: Path | None = None, runs_dir: Path = Path("runs"), on_event: Any = None
) -> list[Check]:
    """Re-run the decision of `adr_path` and check every claim; bad input raises `InputError`."""
    from harness.runner import RunOptions, run

    claims = load_claims(adr_path)
    spec = spec_to_verify(adr_path, claims, spec_path)
    data_path = check_data(adr_path, claims)
    options = RunOptions(
        data_path=data_path,
        runs_dir=runs_dir,
        adr_dir=adr_path.parent,  # its plan is found there; nothing is written into the log
        write_adr=False,
        command=f"harness verify {adr_path}",
        replay_trials=claims.get("tuning_trials") or None,
    )
    result = run(spec, options=options, on_event=on_event)
    return checks(claims, spec, result)
