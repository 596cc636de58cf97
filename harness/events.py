"""Progress events the runner emits. Front ends (rich CLI, Textual TUI) render them; they never reach into
the runner. Small frozen dataclasses: cheap to post across threads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STEPS: tuple[str, ...] = ("spec", "data", "audit", "candidates", "measure", "decide", "adr")


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: str
    title: str
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class StepStarted(Event):
    step: str
    detail: str = ""


@dataclass(frozen=True)
class StepFinished(Event):
    step: str
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Log(Event):
    message: str
    level: str = "info"  # info | warning | error


@dataclass(frozen=True)
class FindingRaised(Event):
    finding: Any  # harness.audit.Finding


@dataclass(frozen=True)
class CandidateStarted(Event):
    name: str
    family: str


@dataclass(frozen=True)
class CandidateProgress(Event):
    """Replaces the previous progress of the same candidate (fraction in 0..1)."""

    name: str
    phase: str  # fit | measure
    fraction: float
    message: str = ""


@dataclass(frozen=True)
class CandidateFinished(Event):
    name: str
    measurement: Any  # harness.results.Measurement (status ok/failed/timed_out/…)


@dataclass(frozen=True)
class DecisionMade(Event):
    decision: Any  # harness.results.Decision


@dataclass(frozen=True)
class AdrWritten(Event):
    path: str


@dataclass(frozen=True)
class RunFinished(Event):
    run_id: str
    record_path: str
    adr_path: str | None
    seconds: float
    cancelled: bool = False


EventSink = Callable[[Event], None]
