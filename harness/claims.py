"""The claims file committed beside every ADR (`<adr dir>/assets/NNNN-claims.json`): what `harness verify`
checks a re-run against. Written with the ADR (harness.publish), read by harness.verify.

It holds the data's sha256 (and the golden file's), where the data and the spec lived relative to the ADR, the
option chosen, the gates the chosen option passed with the measured numbers, each finished candidate's
optimizing metric with its 95% CI, and the tuning trials each family completed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.errors import InputError

CLAIMS_ASSET = "claims.json"  # written with the ADR as assets/NNNN-claims.json
SCHEMA = 1


# ---- writing the claims (with the ADR) -------------------------------------------------------------------


def claims_for(record: Any, adr_dir: Path) -> dict[str, Any]:
    """The claims of a finished run; paths relative to the ADR folder, so a clone elsewhere finds them."""
    from harness.gates import NUMERIC_GATES
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
