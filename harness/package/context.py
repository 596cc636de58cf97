"""What every package document reads from a finished run, looked up once: the decision, the metric and its
direction, the chosen measurement, the candidates that passed the gates and those that did not, and where
the other documents of the decision lie (links are relative to the package folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harness import fmt
from harness.adr.options import FAMILY_SHORT as ADR_FAMILY_SHORT
from harness.adr.options import VERDICT_WORDS as ADR_VERDICT_WORDS
from harness.errors import InputError
from harness.record import RunRecord
from harness.results import CandidateVerdict, Decision, Measurement
from harness.spec import DecisionSpec
from harness.types import Family, TaskKind

PACKAGES_DIR = "packages"  # beside the ADRs: adr/packages/NNNN-<slug>/

# the ADR's words, with the two the package says differently ("chosen" reads better in a scorecard)
FAMILY_SHORT: dict[Family, str] = {**ADR_FAMILY_SHORT, Family.RAG: "RAG / retrieval"}
VERDICT_WORDS: dict[str, str] = {**ADR_VERDICT_WORDS, "recommended": "chosen"}


@dataclass(frozen=True)
class Links:
    """Paths as the package's documents link them (relative to the package folder, POSIX separators)."""

    adr: str
    adr_label: str  # "ADR-0007"
    plan: str | None  # the Benchmark Methodology; None: no plan
    log_index: str | None  # the decision log's index; None: the log has none archbench may write


@dataclass(frozen=True)
class Context:
    record: RunRecord
    spec: DecisionSpec
    decision: Decision
    links: Links

    # ---- the metric -------------------------------------------------------------------------------
    @property
    def metric(self) -> str:
        return self.decision.metric

    @property
    def label(self) -> str:
        return fmt.metric_label(self.metric)

    @property
    def greater_is_better(self) -> bool:
        return fmt.greater_is_better(self.metric)

    @property
    def direction(self) -> str:
        return "higher is better" if self.greater_is_better else "lower is better"

    def value(self, m: Measurement | None) -> float | None:
        """The optimizing metric of `m`; None when not measured (or not a finite number)."""
        if m is None or self.metric not in m.metrics:
            return None
        v = m.metrics[self.metric].value
        return None if fmt.missing(v) else v

    # ---- candidates ---------------------------------------------------------------------------------
    def measurement(self, name: str | None) -> Measurement | None:
        return self.record.measurement(name) if name else None

    def verdict(self, name: str) -> CandidateVerdict | None:
        return next((v for v in self.decision.verdicts if v.candidate == name), None)

    @property
    def chosen(self) -> Measurement | None:
        return self.measurement(self.decision.recommended)

    def survivors(self) -> list[tuple[CandidateVerdict, Measurement]]:
        """Candidates that passed every gate (decide ranks exactly those), in the ADR's rank order."""
        out = [
            (v, m)
            for v in self.decision.verdicts
            if v.rank is not None and (m := self.measurement(v.candidate)) is not None and m.ok
        ]
        return sorted(out, key=lambda vm: vm[0].rank or 0)

    def others(self) -> list[tuple[str, Family, str, list[str]]]:
        """Candidates that did not pass the gates or did not finish: (name, family, verdict, why)."""
        passed = {v.candidate for v, _m in self.survivors()}
        out: list[tuple[str, Family, str, list[str]]] = []
        seen: set[str] = set()
        for v in self.decision.verdicts:
            if v.candidate in passed:
                continue
            m = self.measurement(v.candidate)
            why = list(v.violations) or ([m.reason] if m is not None and m.reason else []) or list(v.reasons)
            out.append((v.candidate, v.family, v.verdict, why))
            seen.add(v.candidate)
        for m in self.record.measurements:
            if m.candidate not in passed and m.candidate not in seen:
                out.append((m.candidate, m.family, m.status, [m.reason] if m.reason else []))
        return out

    # ---- the task -----------------------------------------------------------------------------------
    @property
    def is_text_decision(self) -> bool:
        return is_text_decision(self.record)


def is_text_decision(record: RunRecord) -> bool:
    """Text classification (a classification task with text columns) or knowledge QA: where fine-tuning,
    retrieval and prompting compete, so the Fine-tuning vs RAG document applies."""
    task = record.task
    return task.kind is TaskKind.QA or (task.kind.is_classification and task.n_text > 0)


def because_text(text: str) -> str:
    """The decision's reason without its "Chosen option: X, because" lead-in."""
    text = " ".join(text.split())
    lowered = text.lower()
    if lowered.startswith("chosen option") and " because " in lowered:
        return text[lowered.index(" because ") + len(" because ") :]
    return text


def adr_number(adr_path: Path) -> int:
    """The record's number, from its file name `NNNN-<slug>.md`."""
    head = adr_path.name.split("-", 1)[0]
    if not head.isdigit() or not adr_path.name.endswith(".md"):
        raise InputError(
            "not an ADR file name (expected NNNN-<title>.md)",
            where=str(adr_path),
            fix="pass the path of the record the run wrote",
        )
    return int(head)


def package_dir(adr_path: Path) -> Path:
    """`adr/packages/NNNN-<slug>/` beside the ADR `adr/NNNN-<slug>.md`."""
    adr_number(adr_path)
    return adr_path.parent / PACKAGES_DIR / adr_path.stem


def build_context(
    record: RunRecord,
    spec: DecisionSpec,
    *,
    adr_path: Path,
    plan_path: Path | None,
    log_index: Path | None,
) -> Context:
    """The shared view of a finished run. A run without a decision (cancelled before any candidate finished)
    has nothing to package: an `InputError`, as for its ADR."""
    if record.decision is None or record.cancelled:
        raise InputError(
            "the run has no decision to package (it was cancelled or no candidate finished)",
            where=f"run {record.run_id}",
            fix="re-run and let the candidates finish; the package is written with the run's ADR",
        )
    folder = package_dir(adr_path)
    number = adr_number(adr_path)

    def rel(target: Path) -> str:
        return Path(os.path.relpath(target, folder)).as_posix()

    links = Links(
        adr=rel(adr_path),
        adr_label=f"ADR-{number:04d}",
        plan=rel(plan_path) if plan_path is not None else None,
        log_index=rel(log_index) if log_index is not None else None,
    )
    return Context(record=record, spec=spec, decision=record.decision, links=links)
