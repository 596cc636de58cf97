"""The decision spec: what the team wants decided, under which constraints.

Loaded from TOML (`decision.toml`), validated by pydantic with unknown keys forbidden, and written back with
`to_toml()` so that spec → TOML → spec (and spec → ADR → spec) is an identity. Every validation error becomes
an `InputError` that names the key and the fix.

The models are in `model`, reading and checking a spec file in `load`, pydantic's errors as `InputError`s in
`errors`; every public name is re-exported here.
"""

from harness.spec.load import (
    DATA_SUFFIXES,
    check_candidate_names,
    check_spec,
    load_spec,
    spec_from_dict,
    spec_from_toml,
)
from harness.spec.model import (
    WEIGHT_KEYS,
    AuditOptions,
    CandidateSelection,
    Constraints,
    DataSpec,
    DecisionSpec,
    EvidenceOptions,
    ModelsSpec,
    PackageOptions,
    PackageWeights,
    SplitStrategy,
    TrackingOptions,
    json_schema,
)

__all__ = [
    "DATA_SUFFIXES",
    "WEIGHT_KEYS",
    "AuditOptions",
    "CandidateSelection",
    "Constraints",
    "DataSpec",
    "DecisionSpec",
    "EvidenceOptions",
    "ModelsSpec",
    "PackageOptions",
    "PackageWeights",
    "SplitStrategy",
    "TrackingOptions",
    "check_candidate_names",
    "check_spec",
    "json_schema",
    "load_spec",
    "spec_from_dict",
    "spec_from_toml",
]
