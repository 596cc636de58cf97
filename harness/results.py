"""Measured results and the decision, as pydantic models so `run.json` round-trips."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from harness.types import Family

CandidateStatus = Literal["ok", "failed", "timed_out", "skipped", "cancelled"]


class MetricValue(BaseModel):
    name: str
    value: float
    ci_low: float | None = None  # bootstrap 95% CI
    ci_high: float | None = None
    greater_is_better: bool = True

    def show(self) -> str:
        """`0.328 [0.269, 0.389]`: the value with its 95% CI, as every table in archbench prints it."""
        if self.ci_low is None or self.ci_high is None:
            return f"{self.value:.3f}"
        return f"{self.value:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}]"


class LatencyStats(BaseModel):
    """Per-request latency: batch of one, warm, on the real predict path."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    n_calls: int


class Measurement(BaseModel):
    candidate: str
    family: Family
    status: CandidateStatus = "ok"
    reason: str | None = None  # why it failed / was skipped
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    latency: LatencyStats | None = None
    throughput_rows_per_s: float | None = None  # batch predict
    batch_size: int | None = None
    size_bytes: int | None = None
    train_time_s: float | None = None
    cost_usd_per_1k: float | None = None
    train_rows: int | None = None
    skills: list[str] = Field(default_factory=list)
    interpretable: bool = False
    complexity: int = 3
    requires_gpu: bool = False
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def size_mb(self) -> float | None:
        return None if self.size_bytes is None else self.size_bytes / 1e6


Verdict = Literal["recommended", "runner_up", "rejected", "failed", "skipped", "baseline", "not_justified"]


class CandidateVerdict(BaseModel):
    candidate: str
    family: Family
    verdict: Verdict
    rank: int | None = None  # among survivors, 1 = best on the optimizing metric
    reasons: list[str] = Field(default_factory=list)  # why it won / lost, with the numbers
    violations: list[str] = Field(default_factory=list)  # e.g. "p99 41.2 ms > budget 20 ms"


class Decision(BaseModel):
    metric: str
    recommended: str | None  # None: no candidate survived the gates
    justified: bool  # does the recommendation beat the best baseline?
    best_baseline: str | None
    because: str  # one sentence: "Chosen option: X, because …"
    tie_break: str | None = None  # what broke a statistical tie, if one was broken
    verdicts: list[CandidateVerdict]
