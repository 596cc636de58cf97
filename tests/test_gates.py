"""The gate table is the one place a constraint is declared: every constraint is either a gate or says why
not, and decide, the ADR's drivers and bullets, the plan and the claims all read the same table."""

from __future__ import annotations

from harness import gates
from harness.decide import decide
from harness.gates import GATES, NUMERIC_GATES
from harness.results import LatencyStats, Measurement, MetricValue
from harness.spec import Constraints, spec_from_dict
from harness.types import Family

# constraints that are not pass/fail gates on a measurement, and where each one acts instead
NOT_GATES = {
    "labelled_examples": "caps the training rows (data/split), not a measurement",
    "hardware_usd_per_hour": "the price the cost gate multiplies by, not a limit",
    "privacy": "decides which families may run at all (candidates registry), before training",
    "knowledge_freshness_days": "a driver for RAG vs fine-tuning (ADR, package), not a measured number",
}


def _m(name: str, family: Family, auc: float, **kw: object) -> Measurement:
    m = Measurement(
        candidate=name,
        family=family,
        status="ok",
        metrics={"roc_auc": MetricValue(name="roc_auc", value=auc)},
    )
    return m.model_copy(update=kw)


def _spec(**constraints: object):  # type: ignore[no-untyped-def]
    return spec_from_dict(
        {"title": "gates", "data": {"path": "x.csv", "target": "y"}, "constraints": constraints}
    )


def test_every_constraint_is_a_gate_or_says_why_not() -> None:
    gated = {g.field for g in GATES}
    fields = set(Constraints.model_fields)
    assert gated | set(NOT_GATES) == fields, "a constraint with no gate and no reason"
    assert not gated & set(NOT_GATES)


def test_each_numeric_gate_rejects_on_its_own_side_of_the_limit() -> None:
    """For every numeric gate: a measurement just past the limit violates it, one just inside passes, and
    the violation names the measured number and the limit."""
    lat = LatencyStats(p50_ms=1.0, p95_ms=1.0, p99_ms=10.0, mean_ms=2.0, n_calls=100, p99_ci_ms=(9.0, 11.0))
    base = {
        "latency": lat,
        "throughput_rows_per_s": 1000.0,
        "size_bytes": 2_000_000,
        "cost_usd_per_1k": 0.5,
    }
    for gate in NUMERIC_GATES:
        m = _m("a", Family.GBT, 0.9, **base)
        measured = gate.reads(m)
        assert measured is not None, gate.field
        inside = measured * (1.5 if gate.passes_below else 0.5)
        outside = measured * (0.5 if gate.passes_below else 1.5)
        extra = {"hardware_usd_per_hour": 1.0} if gate.needs else {}
        assert gates.violations(m, Constraints(**{gate.field: inside, **extra})) == [], gate.field
        found = gates.violations(m, Constraints(**{gate.field: outside, **extra}))
        assert len(found) == 1, (gate.field, found)
        assert any(ch.isdigit() for ch in found[0]), found


def test_decide_the_adr_drivers_and_the_plan_read_the_same_table() -> None:
    spec = _spec(max_model_mb=1.0, latency_p99_ms=50.0)
    small = _m("small", Family.LINEAR, 0.90, size_bytes=500_000)
    big = _m("big", Family.GBT, 0.95, size_bytes=3_000_000)
    decision = decide([small, big], spec, metric="roc_auc")
    rejected = {v.candidate: v for v in decision.verdicts}["big"]
    assert rejected.verdict == "rejected"
    assert rejected.violations == gates.violations(big, spec.constraints)
    drivers = gates.drivers(spec.constraints)
    assert any(d.startswith("Size:") and "1 MB" in d for d in drivers)
    assert any(d.startswith("Latency:") and "50 ms" in d for d in drivers)
    plan = gates.plan_lines(spec.constraints)
    assert plan[0].startswith("* `latency_p99_ms`") and plan[1].startswith("* `max_model_mb`")
    assert any("at risk" in line for line in plan)


def test_over_budget_bullets_are_left_to_the_violations() -> None:
    c = Constraints(max_model_mb=1.0)
    big = _m("big", Family.GBT, 0.95, size_bytes=3_000_000)
    assert gates.bullets(big, c, has_violations=False) == [
        ("Bad", "it serializes to 3 MB, over the 1 MB limit")
    ]
    assert gates.bullets(big, c, has_violations=True) == []
