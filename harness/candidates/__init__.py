"""Model candidates, one module per family, behind one contract (`base.py`) and a lazy registry.

Importing this package stays light: the families' modules (and torch, xgboost, lightgbm) load on `create`.
"""

from harness.candidates.base import BaseCandidate, Candidate, TrainingHooks
from harness.candidates.registry import available, candidate_class, create, family_of, resolve_names, select

__all__ = [
    "BaseCandidate",
    "Candidate",
    "TrainingHooks",
    "available",
    "candidate_class",
    "create",
    "family_of",
    "resolve_names",
    "select",
]
