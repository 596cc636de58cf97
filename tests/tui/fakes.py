"""Test doubles for the TUI tests: a fixed `RunResult` (real `decide`, real `RunRecord`) and a `FakeRunner`.

The numbers are fixed test inputs, not measurements: they make the Results/ADR snapshots stable and let the
cancel test pause a run at a known point. Flows that can use the real runner do (see test_flows.py).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from harness import events as ev
from harness.errors import InputError
from harness.results import LatencyStats, Measurement, MetricValue
from harness.runner import RunOptions, RunResult
from harness.spec import DecisionSpec
from harness.types import Family

FIXED_DATE = dt.date(2025, 1, 15)


def _ok(
    name: str,
    family: Family,
    auc: float,
    ci: float,
    p99_ms: float,
    rps: float,
    size: int,
    train_s: float,
    **kw: Any,
) -> Measurement:
    return Measurement(
        candidate=name,
        family=family,
        metrics={
            "roc_auc": MetricValue(name="roc_auc", value=auc, ci_low=auc - ci, ci_high=min(auc + ci, 1.0)),
        },
        latency=LatencyStats(
            p50_ms=p99_ms / 3, p95_ms=p99_ms / 1.5, p99_ms=p99_ms, mean_ms=p99_ms / 2.5, n_calls=200
        ),
        throughput_rows_per_s=rps,
        batch_size=1024,
        size_bytes=size,
        train_time_s=train_s,
        cost_usd_per_1k=None,
        train_rows=210,
        **kw,
    )


def fixed_measurements() -> list[Measurement]:
    return [
        _ok(
            "zero-rule",
            Family.BASELINE,
            0.5,
            0.0,
            0.02,
            2_000_000,
            120,
            0.01,
            skills=["sklearn"],
            interpretable=True,
            complexity=1,
        ),
        _ok(
            "single-feature-rule",
            Family.BASELINE,
            0.71,
            0.06,
            0.08,
            900_000,
            800,
            0.05,
            skills=["sklearn"],
            interpretable=True,
            complexity=1,
        ),
        _ok(
            "lightgbm", Family.GBT, 0.86, 0.04, 0.9, 150_000, 250_000, 1.2, skills=["lightgbm"], complexity=2
        ),
        _ok("xgboost", Family.GBT, 0.87, 0.04, 25.0, 90_000, 400_000, 2.5, skills=["xgboost"], complexity=2),
        Measurement(
            candidate="mlp",
            family=Family.NEURAL,
            status="failed",
            reason="fit failed: RuntimeError: loss became NaN at epoch 3",
            skills=["pytorch"],
        ),
    ]


def fixed_record(spec: DecisionSpec, measurements: list[Measurement], decision: Any) -> Any:
    from harness.provenance import Provenance
    from harness.record import DataSummary, RunRecord, SplitsSummary, TaskSummary

    return RunRecord(
        run_id="20250115T120000Z-abcd",
        created_at=dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC),
        command="harness tui decision.toml",
        spec=spec.to_dict(),
        spec_toml=spec.to_toml(),
        data=DataSummary(
            path="tiny.csv", sha256="0" * 64, rows=300, columns=["amount", "channel", "is_fraud"]
        ),
        task=TaskSummary(
            kind="binary",
            target="is_fraud",
            classes=["0", "1"],
            class_counts={"0": 240, "1": 60},
            positive_label="1",
            n_features=2,
            n_numeric=1,
            n_categorical=1,
        ),
        splits=SplitsSummary(strategy="stratified", sizes={"train": 210, "dev": 30, "test": 60}),
        measurements=measurements,
        decision=decision,
        provenance=Provenance(code_version="test", python="3.11", platform="linux"),
        seeds={"spec": 0},
        timings={"data": 0.1, "audit": 0.2, "candidates": 3.0, "decide": 0.01},
    )


def _slice(label: str, rows: int, auc: float, base: float, vs: tuple[float, float], **kw: Any) -> Any:
    from harness.evidence.model import Interval, SliceScore

    return SliceScore(
        column=label.split(" ")[0],
        label=label,
        rows=rows,
        score=Interval(value=auc, low=auc - 0.08, high=min(auc + 0.08, 1.0)),
        baseline=base,
        vs_baseline=Interval(value=auc - base, low=vs[0], high=vs[1]),
        **kw,
    )


def _calibration(name: str, ece: float, threshold: float, improves: bool) -> Any:
    from harness.evidence.model import Calibration, ReliabilityBin

    return Calibration(
        candidate=name,
        ece=ece,
        curve=[
            ReliabilityBin(predicted=0.05, observed=0.08, rows=40),
            ReliabilityBin(predicted=0.55, observed=0.45, rows=12),
            ReliabilityBin(predicted=0.92, observed=0.85, rows=8),
        ],
        log_loss=0.412,
        calibrated_method="isotonic",
        calibrated_log_loss=0.398 if improves else 0.431,
        calibrated_ece=ece / 2,
        improves=improves,
        threshold=threshold,
        threshold_metric="f1",
    )


def fixed_evidence() -> Any:
    """Evidence for `fixed_measurements()` with lightgbm chosen: fixed test inputs, shaped like
    `harness.evidence.collect`'s output (a hidden regression, a suspected leak, two flips)."""
    from harness.evidence.model import (
        CandidateSlices,
        Evidence,
        FailureMode,
        FeatureImportance,
        Flip,
        LeakCheck,
        Monitoring,
        Perturbation,
        Robustness,
    )

    lgbm_slices = [
        _slice("channel = app", 70, 0.88, 0.72, (0.05, 0.27)),
        _slice("channel = store", 62, 0.61, 0.74, (-0.22, -0.04), p_worse=0.012, hidden_regression=True),
        _slice("channel = web", 68, 0.93, 0.69, (0.12, 0.36)),
    ]
    xgb_slices = [
        _slice("amount < 60", 90, 0.79, 0.70, (-0.01, 0.19)),
        _slice("amount ≥ 150", 40, 0.97, 0.73, (0.11, 0.37)),
    ]
    return Evidence(
        chosen="lightgbm",
        slices=[
            CandidateSlices(candidate="lightgbm", slices=lgbm_slices, worst=lgbm_slices[1]),
            CandidateSlices(candidate="xgboost", slices=xgb_slices, worst=xgb_slices[0]),
        ],
        calibration=[
            _calibration("lightgbm", 0.041, 0.37, improves=True),
            _calibration("xgboost", 0.087, 0.52, improves=False),
        ],
        robustness=[
            Robustness(
                candidate="lightgbm",
                rows=60,
                clean=0.86,
                perturbations=[
                    Perturbation(
                        name="numeric noise",
                        detail="Gaussian noise at 10% of each numeric column's train SD",
                        score=0.83,
                        drop=0.03,
                        changed=0.05,
                    ),
                    Perturbation(
                        name="amount up → score not down",
                        detail="amount raised by one train SD on every row",
                        violations=0.02,
                    ),
                ],
            )
        ],
        failure_modes=[
            FailureMode(
                kind="confident_wrong",
                title="Confidently wrong",
                evidence="40% of the 9 test errors were made with confidence ≥ 0.9",
                response="route the 6 least-confident rows (10%) to a human fraud analyst",
                severity=0.4,
            ),
            FailureMode(
                kind="stale",
                title="Stale model",
                evidence="no time column: decay over time cannot be measured on this data",
                response="retrain monthly and watch the monitoring signals",
                measured=False,
            ),
        ],
        flips=[
            Flip(
                driver="latency_p99_ms",
                condition="below 0.5 ms",
                value=0.2,
                chooses="single-feature-rule",
                kind="constraint",
            ),
            Flip(driver="team_skills.lightgbm", condition="= none", value="none", chooses=None, kind="skill"),
        ],
        leak=LeakCheck(
            candidate="lightgbm",
            lift=0.36,
            importances=[
                FeatureImportance(feature="distance_km", drop=0.27, share_of_lift=0.75),
                FeatureImportance(feature="amount", drop=0.05, share_of_lift=0.14),
            ],
            suspected="distance_km",
        ),
        monitoring=Monitoring(candidate="lightgbm", signals=["PSI of the score distribution ≥ 0.2"]),
        skipped={"learning curves": "turned off ([evidence] learning_curves = false)"},
    )


def fixed_result(
    spec: DecisionSpec, *, cancelled: bool = False, upto: int | None = None, evidence: bool = False
) -> RunResult:
    from harness.decide import decide

    measurements = fixed_measurements()[:upto]
    decision = decide(measurements, spec, metric="roc_auc") if measurements else None
    record = fixed_record(spec, measurements, decision)
    if evidence:
        record.evidence = fixed_evidence()
    return RunResult(
        run_id="20250115T120000Z-abcd",
        spec=spec,
        record=record,
        measurements=measurements,
        decision=decision,
        findings=[],
        record_path=Path("runs/20250115T120000Z-abcd/run.json"),
        cancelled=cancelled,
    )


class FakeRunner:
    """Emits the runner's events for `fixed_measurements()` and returns `fixed_result`.

    `pause_after`: block after that many candidates until `resume` is set (the cancel test cancels there).
    `error`: raise it after the data step, as the real runner does for bad data or a blocked audit.
    `progress_events`: progress updates per candidate (a fast producer, to check the UI is not flooded).
    `evidence`: the record carries `fixed_evidence()` (by default it has none, like a record from before the
    evidence step).
    """

    def __init__(
        self,
        *,
        pause_after: int | None = None,
        error: Exception | None = None,
        progress_events: int = 50,
        evidence: bool = False,
    ) -> None:
        self.pause_after = pause_after
        self.evidence = evidence
        self.error = error
        self.progress_events = progress_events
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.calls: list[RunOptions] = []

    def __call__(
        self, spec: DecisionSpec, *, options: RunOptions, on_event: ev.EventSink, cancel: threading.Event
    ) -> RunResult:
        self.calls.append(options)
        emit = on_event
        emit(ev.StepStarted("data", "load and validate"))
        emit(ev.Log("300 rows × 3 columns; task binary"))
        emit(ev.StepFinished("data", 0.1))
        if self.error is not None:
            raise self.error
        emit(ev.StepStarted("audit", "duplicates, leakage, conflicts, coverage"))
        emit(ev.StepFinished("audit", 0.2))
        measurements = fixed_measurements()
        emit(ev.RunStarted("20250115T120000Z-abcd", spec.title, tuple(m.candidate for m in measurements)))
        emit(ev.StepStarted("candidates", f"{len(measurements)} candidates"))
        done = 0
        cancelled = False
        for m in measurements:
            if self.pause_after is not None and done == self.pause_after:
                self.paused.set()
                self.resume.wait(10)
            if cancel.is_set():
                cancelled = True
                break
            emit(ev.CandidateStarted(m.candidate, str(m.family)))
            for i in range(1, self.progress_events + 1):
                emit(ev.CandidateProgress(m.candidate, "fit", i / self.progress_events, f"round {i}"))
            emit(ev.CandidateProgress(m.candidate, "measure", 1.0, "latency"))
            emit(ev.CandidateFinished(m.candidate, m))
            done += 1
        emit(ev.StepFinished("candidates", 3.0))
        result = fixed_result(spec, cancelled=cancelled, upto=done, evidence=self.evidence)
        emit(ev.StepStarted("decide"))
        if result.decision is not None:
            emit(ev.DecisionMade(result.decision))
        emit(ev.StepFinished("decide", 0.01))
        emit(ev.RunFinished(result.run_id, str(result.record_path), None, 3.5, cancelled))
        return result


def bad_data_error() -> InputError:
    return InputError("data file not found", where="tiny.csv", fix="check data.path in the spec")
