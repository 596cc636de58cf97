"""Latency that noise cannot flip: planted truths for the latency tie-break, the latency gate and its CI.

- Two candidates with the same true latency (identical deterministic busy-work), timed together in
  interleaved rounds, are never separated by the latency tie-break.
- A budget inside the measured p99 CI is a risk, not a violation; a budget below the CI is a violation; an
  unmeasured latency under a budget is a violation.
- The median CI behind those intervals covers the true median at least 95% of the time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy.stats import binom

from harness.decide import decide, gate_risks, gate_violations
from harness.measure.latency import median_ci, time_interleaved
from harness.results import Decision, LatencyStats, Measurement, MetricValue
from harness.spec import DecisionSpec, spec_from_dict
from harness.types import Family

ROWS = pl.DataFrame({"x": np.arange(50, dtype=np.float64)})


def spec(constraints: dict[str, Any] | None = None) -> DecisionSpec:
    return spec_from_dict(
        {"title": "Latency model", "data": {"path": "d.csv", "target": "y"}, "constraints": constraints or {}}
    )


def busy(work: int) -> Any:
    """A predict function doing `work` units of deterministic pure-Python arithmetic, whatever the row."""

    def predict(frame: pl.DataFrame) -> int:
        total = 0
        for i in range(work):
            total += i * i % 7
        return total

    return predict


def model(
    name: str, auc: float, latency: LatencyStats | None, *, family: Family = Family.GBT, **kw: Any
) -> Measurement:
    return Measurement(
        candidate=name,
        family=family,
        metrics={"roc_auc": MetricValue(name="roc_auc", value=auc, ci_low=auc - 0.03, ci_high=auc + 0.03)},
        latency=latency,
        skills=["sklearn"],
        complexity=kw.pop("complexity", 3),
        **kw,
    )


def prior() -> Measurement:
    stats = LatencyStats(p50_ms=0.01, p95_ms=0.01, p99_ms=0.01, mean_ms=0.01, n_calls=700)
    return model("prior", 0.50, stats, family=Family.BASELINE, complexity=1, interpretable=True)


def stats(p99: float, ci: tuple[float, float] | None) -> LatencyStats:
    return LatencyStats(
        p50_ms=p99 / 3, p95_ms=p99 * 0.8, p99_ms=p99, mean_ms=p99 / 3, n_calls=700, rounds=7, p99_ci_ms=ci
    )


def verdicts(d: Decision) -> dict[str, Any]:
    return {v.candidate: v for v in d.verdicts}


# ---- the latency tie-break ---------------------------------------------------------------------------------
def _tied_pair(latencies: dict[str, LatencyStats], favoured_by_score: str) -> Decision:
    """Two models tied on ROC-AUC (overlapping CIs) with equal skill, complexity and cost, both clearly above
    the baseline; `favoured_by_score` has the higher point estimate, the last tie-break rule."""
    ms = [model(name, 0.801 if name == favoured_by_score else 0.800, latencies[name]) for name in latencies]
    return decide([*ms, prior()], spec(), metric="roc_auc")


@pytest.mark.parametrize("repeat", range(3))
def test_candidates_of_the_same_true_latency_are_never_separated_by_latency(repeat: int) -> None:
    measured = time_interleaved({"left": busy(2000), "right": busy(2000)}, ROWS, n_calls=700, warmup=20)
    assert {s.n_calls for s in measured.values()} == {700} and {s.rounds for s in measured.values()} == {7}
    # the point estimate goes to whichever measured slower: latency, were it to decide, would pick the other
    slower = max(measured, key=lambda name: measured[name].p99_ms)
    d = _tied_pair(measured, favoured_by_score=slower)
    assert d.justified
    assert d.tie_break is not None and d.tie_break.startswith("ROC-AUC point estimate"), (
        f"p99s {[(n, s.p99_ms, s.p99_ci_ms) for n, s in measured.items()]}: {d.tie_break}"
    )
    assert d.recommended == slower
    assert not any("p99 latency" in r for v in d.verdicts for r in v.reasons)


def test_a_much_slower_candidate_is_separated_by_latency() -> None:
    """The control for the test above: ten times the work is material and outside the noise."""
    measured = time_interleaved({"fast": busy(1000), "slow": busy(10_000)}, ROWS, n_calls=700, warmup=20)
    assert measured["slow"].p99_low > measured["fast"].p99_high
    d = _tied_pair(measured, favoured_by_score="slow")
    assert d.recommended == "fast"
    assert d.tie_break is not None and d.tie_break.startswith("p99 latency (fast: p99")


def test_a_material_latency_difference_inside_the_noise_does_not_break_a_tie() -> None:
    # 13 ms is 1.3× 10 ms (material) but the round-to-round CIs overlap: the next rule decides
    d = _tied_pair({"a": stats(10.0, (5.0, 20.0)), "b": stats(13.0, (6.0, 25.0))}, favoured_by_score="b")
    assert d.recommended == "b"
    assert d.tie_break is not None and d.tie_break.startswith("ROC-AUC point estimate")


def test_a_latency_difference_outside_the_noise_but_immaterial_does_not_break_a_tie() -> None:
    d = _tied_pair({"a": stats(10.0, (9.9, 10.1)), "b": stats(11.0, (10.9, 11.1))}, favoured_by_score="b")
    assert d.recommended == "b"
    assert d.tie_break is not None and d.tie_break.startswith("ROC-AUC point estimate")


def test_a_material_latency_difference_outside_the_noise_breaks_a_tie() -> None:
    d = _tied_pair({"a": stats(10.0, (9.0, 11.0)), "b": stats(13.0, (12.0, 14.0))}, favoured_by_score="b")
    assert d.recommended == "a"
    assert d.tie_break == "p99 latency (a: p99 10 ms [9, 11] vs b: p99 13 ms [12, 14])"


# ---- the latency gate on the CI ----------------------------------------------------------------------------
def test_budget_inside_the_ci_above_the_estimate_is_at_risk_not_rejected() -> None:
    m = model("xgboost", 0.80, stats(12.0, (8.0, 15.0)))
    # budget below the point estimate but inside the CI: noise could put the true p99 on either side
    d = decide([m, prior()], spec({"latency_p99_ms": 10}), metric="roc_auc")
    v = verdicts(d)["xgboost"]
    assert v.verdict == "recommended" and v.violations == []
    assert len(v.risks) == 1 and v.risks[0].startswith("at risk: p99 12 ms, 95% CI 8–15 ms")
    assert "10 ms budget" in v.risks[0]
    assert v.risks[0] in v.reasons


def test_budget_below_the_ci_is_a_violation_and_above_it_neither() -> None:
    m = model("xgboost", 0.80, stats(12.0, (8.0, 15.0)))
    d = decide([m, prior()], spec({"latency_p99_ms": 7}), metric="roc_auc")
    v = verdicts(d)["xgboost"]
    assert v.verdict == "rejected"
    assert v.violations == ["p99 12 ms (95% CI 8–15 ms) > budget 7 ms"]
    assert v.risks == []

    clear = verdicts(decide([m, prior()], spec({"latency_p99_ms": 16}), metric="roc_auc"))["xgboost"]
    assert clear.verdict == "recommended" and clear.violations == [] and clear.risks == []


def test_measured_latency_with_a_budget_inside_its_ci_is_at_risk() -> None:
    s = time_interleaved({"m": busy(2000)}, ROWS, n_calls=700, warmup=20)["m"]
    assert s.p99_ci_ms is not None and s.p99_low < s.p99_high
    assert s.p99_low <= s.p99_ms <= s.p99_high
    # a budget strictly inside the CI, on the far side of the point estimate from its nearest CI end
    budget = (s.p99_low + s.p99_ms) / 2 if s.p99_low < s.p99_ms else (s.p99_ms + s.p99_high) / 2
    m = model("xgboost", 0.80, s)
    inside = spec({"latency_p99_ms": budget})
    assert gate_violations(m, inside) == []
    assert len(gate_risks(m, inside)) == 1 and gate_risks(m, inside)[0].startswith("at risk")
    d = decide([m, prior()], inside, metric="roc_auc")
    assert verdicts(d)["xgboost"].verdict == "recommended"
    assert any("at risk" in r for r in verdicts(d)["xgboost"].risks)

    below = spec({"latency_p99_ms": s.p99_low / 2})
    assert len(gate_violations(m, below)) == 1 and gate_risks(m, below) == []
    assert verdicts(decide([m, prior()], below, metric="roc_auc"))["xgboost"].verdict == "rejected"


def test_unmeasured_latency_under_a_budget_is_a_violation() -> None:
    m = model("xgboost", 0.80, None)
    d = decide([m, prior()], spec({"latency_p99_ms": 10}), metric="roc_auc")
    v = verdicts(d)["xgboost"]
    assert v.verdict == "rejected"
    assert v.violations == ["p99 latency not measured (budget 10 ms)"]
    assert d.recommended == "prior"
    # without a budget an unmeasured latency is no violation
    assert gate_violations(m, spec()) == []


# ---- the median CI -----------------------------------------------------------------------------------------
def test_median_ci_of_seven_rounds_covers_the_true_median_at_least_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(11)
    true_median = np.log(2)  # of Exp(1)
    samples = rng.exponential(1.0, size=(2000, 7))
    covered = 0
    for row in samples:
        low, high = median_ci(row)
        assert low <= high
        covered += low <= true_median <= high
    assert covered / len(samples) >= 0.95
    # with 7 values the interval is their range, whose exact coverage is 1 − 2 / 2⁷
    assert median_ci(samples[0]) == (samples[0].min(), samples[0].max())


@pytest.mark.parametrize("n", [6, 7, 10, 15, 20, 30, 50, 99])
def test_median_ci_ranks_have_at_least_95_percent_coverage_and_are_the_narrowest_that_do(n: int) -> None:
    low, high = median_ci(np.arange(n, dtype=np.float64))  # values = their 0-based ranks
    k = int(low)
    assert high == n - 1 - k  # symmetric ranks
    assert 1 - 2 * binom.cdf(k, n, 0.5) >= 0.95
    if k + 1 < n - 2 - k:  # one rank further in would drop below 95%
        assert 1 - 2 * binom.cdf(k + 1, n, 0.5) < 0.95
