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

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError

CLAIMS_ASSET = "claims.json"  # written by write_adr_for as assets/NNNN-claims.json
SCHEMA = 1


@dataclass(frozen=True)
class Check:
    claim: str
    recorded: str
    now: str
    holds: bool


# ---- writing the claims (with the ADR) -------------------------------------------------------------------


def claims_for(record: Any, adr_dir: Path) -> dict[str, Any]:
    """The claims of a finished run; paths relative to the ADR folder, so a clone elsewhere finds them."""
    from harness.decide import NUMERIC_GATES
    from harness.spec import spec_from_dict

    spec = spec_from_dict(record.spec)
    decision = record.decision
    chosen = decision.recommended if decision is not None else None
    by_name = {m.candidate: m for m in record.measurements}
    gates = []
    if chosen in by_name:
        m = by_name[chosen]
        for gate in NUMERIC_GATES:
            limit = getattr(spec.constraints, gate.field)
            if limit is not None:
                gates.append(
                    {"gate": gate.field, "unit": gate.unit, "limit": limit, "measured": gate.reads(m)}
                )
    metric = decision.metric if decision is not None else None
    metrics = {}
    for m in record.measurements:
        value = m.metrics.get(metric) if m.ok and metric else None
        if value is not None:
            metrics[m.candidate] = {"value": value.value, "low": value.ci_low, "high": value.ci_high}
    data_path = Path(record.data.path).resolve()
    spec_dir = _spec_dir(record, data_path)
    return {
        "schema": SCHEMA,
        "run_id": record.run_id,
        "spec_fingerprint": spec.fingerprint(),
        "data": {
            "path": _relative(data_path, adr_dir),
            "sha256": record.data.sha256,
            "golden": _golden(spec, spec_dir, adr_dir),
        },
        "spec_dir": _relative(spec_dir, adr_dir),
        "metric": metric,
        "chosen": chosen,
        "gates": gates,
        "metrics": metrics,
        # the tuning trials each family completed: verify replays exactly these (a time-bounded search
        # completes a varying number, which alone can move a close decision)
        "tuning_trials": {
            m.candidate: int(m.details["tuning"]["n_trials"])
            for m in record.measurements
            if m.ok and isinstance(m.details.get("tuning"), dict) and "n_trials" in m.details["tuning"]
        },
    }


def claims_bytes(record: Any, adr_dir: Path) -> bytes:
    return (json.dumps(claims_for(record, adr_dir), indent=1, default=str) + "\n").encode()


def _relative(path: Path, adr_dir: Path) -> str:
    return Path(os.path.relpath(path, Path(adr_dir).resolve())).as_posix()


def _spec_dir(record: Any, data_path: Path) -> Path:
    """Where the spec's relative paths start: the data file's folder less the spec's relative data path."""
    written = Path(str(record.spec.get("data", {}).get("path", "")))
    if written.is_absolute() or not written.parts:
        return data_path.parent
    folder = data_path
    for _ in written.parts:
        folder = folder.parent
    return folder


def _golden(spec: Any, spec_dir: Path, adr_dir: Path) -> dict[str, Any] | None:
    """The golden test file (`[data] test_path`) is data the decision rests on too."""
    from harness.provenance import sha256_file

    if not spec.data.test_path:
        return None
    path = Path(spec.data.test_path).expanduser()
    path = path if path.is_absolute() else spec_dir / path
    try:
        sha: str | None = sha256_file(path)
    except OSError:
        sha = None
    return {"path": _relative(path.resolve(), adr_dir), "sha256": sha}


# ---- checking them ---------------------------------------------------------------------------------------


def claims_path(adr_path: Path) -> Path:
    from harness.adr import ASSETS_DIR

    return adr_path.parent / ASSETS_DIR / f"{adr_path.name[:4]}-{CLAIMS_ASSET}"


def load_claims(adr_path: Path) -> dict[str, Any]:
    path = claims_path(adr_path)
    try:
        claims: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "this ADR has no claims file to verify against",
            where=str(path),
            fix="records written before archbench kept claims cannot be verified; run the spec again",
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the claims file ({exc})", where=str(path)) from None
    if claims.get("schema") != SCHEMA:
        raise InputError(f"unknown claims schema {claims.get('schema')!r}", where=str(path))
    return claims


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
    from harness.decide import NUMERIC_GATES

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
