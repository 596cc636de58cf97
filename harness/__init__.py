"""archbench's headless harness: spec → data → audit → candidates → measure → decide → ADR.

The public API is re-exported here; every other module is private to the package. Importing `harness`
never imports textual (the TUI lives in `tui/`), nor torch or the text stack (loaded when a candidate
needs them).
"""

from harness.errors import BlockedByAudit, CandidateTimeout, HarnessError, InputError, RunCancelled
from harness.spec import DecisionSpec, json_schema, load_spec, spec_from_toml
from harness.types import Family, TaskKind

__all__ = [
    "BlockedByAudit",
    "CandidateTimeout",
    "DecisionSpec",
    "Family",
    "HarnessError",
    "InputError",
    "RunCancelled",
    "TaskKind",
    "json_schema",
    "load_spec",
    "spec_from_toml",
]

__version__ = "0.1.0"
