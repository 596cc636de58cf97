"""The candidate contract, after scikit-learn's estimator.

`__init__` only stores parameters; `fit(train, dev)` learns and returns `self`; learned state ends in `_`;
`predict(batch)` is the real serving path that `measure/` times; `size_bytes()` is the serialized size.
A shared conformance test (`tests/candidates/test_contract.py`) runs every registered candidate through it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import polars as pl

from harness.dataset import Predictions, Split, Task
from harness.errors import CandidateTimeout, RunCancelled
from harness.types import Family, TaskKind


@dataclass
class TrainingHooks:
    """Set by the runner before `fit`: progress reporting, the time budget, and cancellation.

    Candidates call `candidate._tick(fraction, message)` from their training loops; it raises
    `CandidateTimeout` past the deadline and `RunCancelled` when the run is cancelled.
    """

    deadline: float | None = None  # time.monotonic() value
    cancel: threading.Event | None = None
    on_progress: Callable[[float, str], None] | None = None


@runtime_checkable
class Candidate(Protocol):
    name: str
    family: Family

    def applicable(self, task: Task) -> bool: ...
    def fit(self, train: Split, dev: Split) -> Self: ...
    def predict(self, batch: pl.DataFrame) -> Predictions: ...
    def size_bytes(self) -> int: ...


class BaseCandidate:
    """Shared plumbing for the built-in candidates. Subclasses set the class attributes below."""

    name: ClassVar[str]
    family: ClassVar[Family]
    skills: ClassVar[tuple[str, ...]] = ()  # frameworks the team must run it (see harness.types.KNOWN_SKILLS)
    interpretable: ClassVar[bool] = False
    complexity: ClassVar[int] = 3  # 1 = trivial rule … 5 = fine-tuned transformer; a tie-break for simplicity
    requires_gpu: ClassVar[bool] = False
    tasks: ClassVar[frozenset[TaskKind]] = frozenset(
        {TaskKind.BINARY, TaskKind.MULTICLASS, TaskKind.REGRESSION}
    )

    # Conformance test (tests/candidates/test_contract.py): True for a candidate whose tiny fit takes seconds.
    conformance_slow: ClassVar[bool] = False

    hooks: TrainingHooks

    @classmethod
    def conformance_splits(cls, kind: TaskKind) -> tuple[Split, Split, Split] | None:
        """Tiny (train, dev, test) splits of `kind` for the conformance test, or None for the shared tiny
        tabular dataset (numeric + categorical columns, missing values, unseen categories in test).
        Candidates that need their own data (text columns, a QA corpus) override this."""
        return None

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.hooks = TrainingHooks()

    def applicable(self, task: Task) -> bool:
        return task.kind in self.tasks

    def skip_reason(self, task: Task) -> str | None:
        """Why a candidate relevant to this kind of task cannot run here (e.g. no generator configured).
        The runner records it as `skipped` so the ADR shows the family was considered; None = say nothing."""
        return None

    def details(self) -> dict[str, Any]:
        """Facts about the fitted model worth recording (best iteration, chosen feature, …)."""
        return {}

    def _check(self) -> None:
        """Raise `RunCancelled` when the run is cancelled, `CandidateTimeout` past the deadline; report
        nothing (a training loop calls it on the steps it does not report: `harness.candidates.progress`)."""
        hooks = self.hooks
        if hooks.cancel is not None and hooks.cancel.is_set():
            raise RunCancelled(f"{self.name}: cancelled")
        if hooks.deadline is not None and time.monotonic() > hooks.deadline:
            raise CandidateTimeout(f"{self.name}: ran past its time budget")

    def _tick(self, fraction: float, message: str = "") -> None:
        self._check()
        hooks = self.hooks
        if hooks.on_progress is not None:
            hooks.on_progress(min(max(fraction, 0.0), 1.0), message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"
