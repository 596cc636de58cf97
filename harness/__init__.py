"""archbench's headless harness: spec → data → audit → candidates → measure → decide → ADR.

The public API is re-exported here; every other module is private to the package. Importing `harness`
never imports textual (the TUI lives in `tui/`), nor torch, numpy or the text stack (loaded when a step or a
candidate needs them).

    from harness import load_spec, run, RunOptions
    result = run(load_spec("decision.toml"), options=RunOptions(write_adr=False))
    print(result.decision.because)
"""

# First of all (isort keeps a plain import first): the offline switches, set before any library that reads
# them is imported (onnxruntime reads its telemetry switch once, at import); a user's own values are kept.
import harness.offline  # noqa: F401
from harness.adr import render_adr, spec_from_adr, write_adr
from harness.decide import decide
from harness.errors import BlockedByAudit, CandidateTimeout, HarnessError, InputError, RunCancelled
from harness.publish import render_adr_for, write_adr_for
from harness.record import RunRecord, load_record
from harness.results import CandidateVerdict, Decision, LatencyStats, Measurement, MetricValue
from harness.runner import RunOptions, RunResult, audit_and_split, run
from harness.spec import DecisionSpec, json_schema, load_spec, spec_from_toml
from harness.types import Family, TaskKind

__all__ = [
    "BlockedByAudit",
    "CandidateTimeout",
    "CandidateVerdict",
    "Decision",
    "DecisionSpec",
    "Family",
    "HarnessError",
    "InputError",
    "LatencyStats",
    "Measurement",
    "MetricValue",
    "RunCancelled",
    "RunOptions",
    "RunRecord",
    "RunResult",
    "TaskKind",
    "audit_and_split",
    "decide",
    "json_schema",
    "load_record",
    "load_spec",
    "render_adr",
    "render_adr_for",
    "run",
    "spec_from_adr",
    "spec_from_toml",
    "write_adr",
    "write_adr_for",
]

__version__ = "0.1.0"
