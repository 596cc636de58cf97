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
    # The metric on each shared bootstrap resample of the test rows (None = undefined there), kept for the
    # optimizing metric: every candidate scored in one run sees the same resamples, so differences are paired.
    resamples: list[float | None] | None = None

    def show(self) -> str:
        """`0.328 [0.269, 0.389]`: the value with its 95% CI, as every table in archbench prints it."""
        if self.ci_low is None or self.ci_high is None:
            return f"{self.value:.3f}"
        return f"{self.value:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}]"


class LatencyStats(BaseModel):
    """Per-request latency: batch of one, warm, on the real predict path, in interleaved rounds.

    Percentiles are over all calls pooled; their CIs are distribution-free intervals for the median of the
    per-round values (order statistics, ≥ 95% coverage), widened to contain the estimate, so background load
    that hit some rounds shows as a wide interval a gate can see."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    n_calls: int
    rounds: int = 1
    p50_ci_ms: tuple[float, float] | None = None
    p99_ci_ms: tuple[float, float] | None = None
    round_p99_ms: list[float] = Field(default_factory=list)

    @property
    def p99_low(self) -> float:
        return self.p99_ci_ms[0] if self.p99_ci_ms else self.p99_ms

    @property
    def p99_high(self) -> float:
        return self.p99_ci_ms[1] if self.p99_ci_ms else self.p99_ms


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
    risks: list[str] = Field(default_factory=list)  # a budget inside the measurement's CI: passes, at risk
    probability_best: float | None = None  # share of shared bootstrap resamples on which it scored best


class Comparison(BaseModel):
    """One paired comparison on the optimizing metric: `candidate` against `against` (the leader or the best
    baseline). `better_*` is the candidate's advantage in the metric's direction (negative = worse)."""

    candidate: str
    against: str
    role: Literal["leader", "baseline"]
    diff: float  # candidate − against, in the metric's units
    better_low: float | None = None  # 95% bootstrap CI of the advantage
    better_high: float | None = None
    p_value: float | None = None  # one-sided: H0 "not better" (baseline role) / "not worse" (leader role)
    p_holm: float | None = None  # Holm-adjusted across the comparisons of the same role
    significant: bool = False
    fold_better: float | None = None  # mean advantage over CV folds
    fold_p: float | None = None  # corrected resampled t-test, two-sided
    fold_p_holm: float | None = None  # its one-sided p-value, Holm-adjusted with the test-row comparisons
    diff_90: tuple[float, float] | None = None  # 90% CI of the difference (equivalence test)
    equivalent: bool | None = None  # leader role: practically equivalent to the leader (within the margin)


class Decision(BaseModel):
    metric: str
    recommended: str | None  # None: no candidate survived the gates
    justified: bool  # does the recommendation beat the best baseline?
    best_baseline: str | None
    because: str  # one sentence: "Chosen option: X, because …"
    tie_break: str | None = None  # what broke a statistical tie, if one was broken
    verdicts: list[CandidateVerdict]
    method: str = (
        "paired bootstrap"  # how candidates were compared ("CI overlap" when no resamples were kept)
    )
    leader: str | None = None  # the best-scoring candidate passing the gates
    comparisons: list[Comparison] = Field(default_factory=list)
    alpha: float = 0.05
    equivalence_margin: float | None = None  # in the metric's units: a tie needs a difference within it
