"""decide() is a pure function: hand-built measurements in, a Decision with reasons and numbers out."""

from __future__ import annotations

import random
from typing import Any

import pytest

from harness.decide import decide
from harness.errors import InputError
from harness.results import Decision, LatencyStats, Measurement, MetricValue
from harness.spec import DecisionSpec, spec_from_dict
from harness.types import Family


def spec(constraints: dict[str, Any] | None = None, **extra: Any) -> DecisionSpec:
    raw = {"title": "Fraud model", "data": {"path": "d.csv", "target": "y"}, "constraints": constraints or {}}
    return spec_from_dict({**raw, **extra})


def m(
    name: str,
    value: float,
    ci: tuple[float, float] | None,
    *,
    family: Family = Family.GBT,
    metric: str = "pr_auc",
    p99_ms: float = 2.0,
    throughput: float = 50_000.0,
    size_bytes: int = 1_000_000,
    cost: float | None = None,
    skills: tuple[str, ...] = ("sklearn",),
    interpretable: bool = False,
    complexity: int = 3,
    requires_gpu: bool = False,
    **fields: Any,
) -> Measurement:
    low, high = ci if ci else (None, None)
    greater_is_better = metric not in ("rmse", "mae", "log_loss")
    return Measurement(
        candidate=name,
        family=family,
        metrics={
            metric: MetricValue(
                name=metric, value=value, ci_low=low, ci_high=high, greater_is_better=greater_is_better
            )
        },
        latency=LatencyStats(
            p50_ms=p99_ms / 2, p95_ms=p99_ms * 0.8, p99_ms=p99_ms, mean_ms=p99_ms / 2, n_calls=1000
        ),
        throughput_rows_per_s=throughput,
        size_bytes=size_bytes,
        cost_usd_per_1k=cost,
        skills=list(skills),
        interpretable=interpretable,
        complexity=complexity,
        requires_gpu=requires_gpu,
        **fields,
    )


def prior() -> Measurement:
    return m("prior", 0.05, (0.04, 0.06), family=Family.BASELINE, interpretable=True, complexity=1)


def verdicts(decision: Decision) -> dict[str, Any]:
    return {v.candidate: v for v in decision.verdicts}


# ---- planted truths ----------------------------------------------------------------------------------------
def test_latency_budget_rejects_the_most_accurate_model_and_recommends_the_next():
    ms = [
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL, p99_ms=41.23, skills=("pytorch",)),
        m("xgboost", 0.72, (0.67, 0.76), skills=("xgboost",)),
        prior(),
    ]
    d = decide(ms, spec({"latency_p99_ms": 20}), metric="pr_auc")
    v = verdicts(d)
    assert d.recommended == "xgboost" and d.justified
    assert v["mlp"].verdict == "rejected"
    assert v["mlp"].violations == ["p99 41.2 ms > budget 20 ms"]
    assert "p99 41.2 ms > budget 20 ms" in v["mlp"].reasons[0] and "0.800" in v["mlp"].reasons[0]
    assert v["mlp"].rank is None and v["xgboost"].rank == 1 and v["prior"].rank == 2
    assert v["prior"].verdict == "baseline"
    assert d.best_baseline == "prior"
    assert "0.720 [0.670, 0.760]" in d.because and "prior's 0.050 [0.040, 0.060]" in d.because


def test_no_signal_is_not_justified_over_the_baseline():
    ms = [
        m("xgboost", 0.052, (0.041, 0.063)),
        m("lightgbm", 0.051, (0.040, 0.062), skills=("lightgbm",)),
        prior(),
    ]
    d = decide(ms, spec(), metric="pr_auc")
    v = verdicts(d)
    assert d.justified is False
    assert d.recommended == "prior"  # keep the baseline: no model earns its complexity
    assert d.because.startswith("no model is yet justified over the baseline")
    assert "xgboost" in d.because  # the model that came closest is named, with its numbers
    assert "0.052 [0.041, 0.063]" in d.because and "prior's 0.050 [0.040, 0.060]" in d.because
    assert v["prior"].verdict == "recommended"
    assert any("the strongest, xgboost" in r for r in v["prior"].reasons)
    for name in ("xgboost", "lightgbm"):
        assert v[name].verdict == "not_justified"
        assert any("does not beat baseline prior" in r for r in v[name].reasons)


def test_statistical_tie_is_resolved_by_team_skill():
    ms = [
        m("lightgbm", 0.73, (0.68, 0.77), skills=("lightgbm",)),
        m("xgboost", 0.72, (0.67, 0.76), skills=("xgboost",)),
        prior(),
    ]
    team = {"xgboost": "expert", "lightgbm": "proficient"}
    d = decide(ms, spec(team_skills=team), metric="pr_auc")
    v = verdicts(d)
    assert d.recommended == "xgboost" and d.justified
    assert d.tie_break == "team skill (xgboost: expert vs lightgbm: proficient)"
    assert "statistically tied with lightgbm's 0.730 [0.680, 0.770]" in d.because
    assert v["lightgbm"].verdict == "runner_up" and v["lightgbm"].rank == 1
    assert v["lightgbm"].reasons[0] == (
        "PR-AUC 0.730 [0.680, 0.770] is within the CI of xgboost's 0.720 [0.670, 0.760]; "
        "lost the tie-break on team skill (lightgbm: proficient vs xgboost: expert)"
    )


def test_unknown_skill_counts_as_none():
    ms = [
        m("mlp", 0.73, (0.68, 0.77), family=Family.NEURAL, skills=("pytorch",)),
        m("xgboost", 0.72, (0.67, 0.76), skills=("xgboost",)),
    ]
    d = decide([*ms, prior()], spec(team_skills={"xgboost": "basic"}), metric="pr_auc")
    assert d.recommended == "xgboost" and "mlp: none" in d.tie_break


def test_interpretability_required_rejects_a_non_interpretable_net():
    ms = [
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL),
        m("logistic", 0.70, (0.66, 0.74), family=Family.GBT, interpretable=True),
        prior(),
    ]
    d = decide(ms, spec({"interpretability": "required"}), metric="pr_auc")
    v = verdicts(d)
    assert v["mlp"].verdict == "rejected"
    assert v["mlp"].violations == ["not interpretable; interpretability is required"]
    assert d.recommended == "logistic"


def test_failed_candidates_are_listed_with_their_reasons():
    ms = [
        m("xgboost", 0.72, (0.67, 0.76)),
        Measurement(
            candidate="finetune", family=Family.FINETUNE, status="timed_out", reason="ran past 900 s"
        ),
        Measurement(
            candidate="rag", family=Family.RAG, status="failed", reason="ValueError: no text columns"
        ),
        prior(),
    ]
    d = decide(ms, spec(), metric="pr_auc")
    v = verdicts(d)
    assert v["finetune"].verdict == "failed" and v["finetune"].reasons == ["timed out: ran past 900 s"]
    assert v["rag"].verdict == "failed" and "no text columns" in v["rag"].reasons[0]
    assert d.recommended == "xgboost"
    assert [x.candidate for x in d.verdicts][-2:] == ["finetune", "rag"]


def test_nothing_survives_gives_no_recommendation_and_says_why():
    ms = [
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL, p99_ms=41.2),
        m("prior", 0.05, (0.04, 0.06), family=Family.BASELINE, p99_ms=30.0),
    ]
    d = decide(ms, spec({"latency_p99_ms": 20}), metric="pr_auc")
    assert d.recommended is None and d.justified is False
    assert d.because.startswith("no candidate passes the gates")
    assert "mlp: p99 41.2 ms > budget 20 ms" in d.because and "prior: p99 30 ms > budget 20 ms" in d.because
    assert {v.verdict for v in d.verdicts} == {"rejected"}


def test_no_candidate_finished():
    ms = [Measurement(candidate="xgboost", family=Family.GBT, status="failed", reason="boom")]
    d = decide(ms, spec(), metric="pr_auc")
    assert d.recommended is None and "no candidate finished" in d.because


# ---- gates with numbers ------------------------------------------------------------------------------------
def test_every_violated_gate_is_reported_with_numbers():
    heavy = m(
        "finetune",
        0.9,
        (0.88, 0.92),
        family=Family.FINETUNE,
        p99_ms=120.0,
        throughput=850.0,
        size_bytes=812_400_000,
        cost=0.0123,
        requires_gpu=True,
    )
    constraints = {
        "latency_p99_ms": 20,
        "throughput_rps": 2000,
        "max_model_mb": 500,
        "budget_usd_per_1k_predictions": 0.01,
        "hardware_usd_per_hour": 1.0,
    }
    d = decide([heavy, m("xgboost", 0.7, (0.66, 0.74), cost=0.0001)], spec(constraints), metric="pr_auc")
    v = verdicts(d)["finetune"]
    assert v.violations == [
        "p99 120 ms > budget 20 ms",
        "throughput 850 rows/s < required 2,000 rows/s",
        "size 812 MB > limit 500 MB",
        "cost $0.0123 per 1k predictions > budget $0.01",
        "needs a GPU; serving hardware is cpu",
    ]
    assert d.recommended == "xgboost"


def test_only_baselines_survive_recommends_the_best_baseline():
    ms = [
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL, requires_gpu=True),
        prior(),
        m("logistic", 0.40, (0.36, 0.44), family=Family.BASELINE, interpretable=True, complexity=1),
    ]
    d = decide(ms, spec(), metric="pr_auc")
    assert d.recommended == "logistic" and d.justified is False
    assert d.because.startswith("only baselines pass the gates and logistic has the best PR-AUC")
    assert "mlp: needs a GPU" in d.because
    assert verdicts(d)["logistic"].verdict == "recommended"
    assert verdicts(d)["prior"].verdict == "baseline"


# ---- ranking and tie-breaks --------------------------------------------------------------------------------
def test_lower_is_better_metrics_rank_ascending():
    base = m("mean", 9.0, (8.5, 9.5), family=Family.BASELINE, metric="rmse")
    ms = [m("ridge", 6.0, (5.7, 6.3), metric="rmse"), m("xgboost", 4.0, (3.8, 4.2), metric="rmse"), base]
    d = decide(ms, spec(), metric="rmse")
    v = verdicts(d)
    assert d.recommended == "xgboost" and d.justified
    assert (
        v["ridge"].reasons[0]
        == "RMSE 6.000 [5.700, 6.300] vs xgboost's 4.000 [3.800, 4.200]; the CIs do not overlap"
    )
    assert v["ridge"].verdict == "runner_up"  # lost, but it does beat the baseline


def test_equal_skills_fall_back_to_simplicity_then_cost():
    ms = [
        m("mlp", 0.73, (0.68, 0.77), family=Family.NEURAL, complexity=4),
        m("xgboost", 0.72, (0.67, 0.76), complexity=2),
        prior(),
    ]
    d = decide(ms, spec(), metric="pr_auc")
    assert (
        d.recommended == "xgboost"
        and d.tie_break == "simplicity (xgboost: complexity 2 vs mlp: complexity 4)"
    )

    same = [
        m("a", 0.73, (0.68, 0.77), cost=0.003),
        m("b", 0.72, (0.67, 0.76), cost=0.001),
        prior(),
    ]
    d = decide(same, spec({"hardware_usd_per_hour": 1.0}), metric="pr_auc")
    assert d.recommended == "b" and d.tie_break.startswith("cost (b: $0.001 per 1k vs a: $0.003 per 1k)")


def test_interpretability_preferred_breaks_ties_before_simplicity():
    ms = [
        m("gam", 0.72, (0.67, 0.76), complexity=3, interpretable=True),
        m("xgboost", 0.73, (0.68, 0.77), complexity=2),
        prior(),
    ]
    d = decide(ms, spec({"interpretability": "preferred"}), metric="pr_auc")
    assert d.recommended == "gam" and d.tie_break.startswith("interpretability (preferred)")
    assert decide(ms, spec(), metric="pr_auc").recommended == "xgboost"  # without the preference: simplicity


def test_tie_break_never_picks_a_model_that_fails_the_baseline_check_over_one_that_passes():
    base = m("prior", 0.60, (0.55, 0.65), family=Family.BASELINE)
    ms = [
        m("xgboost", 0.72, (0.66, 0.78), skills=("xgboost",)),
        m("mlp", 0.68, (0.62, 0.74), family=Family.NEURAL, skills=("pytorch",)),  # tied, but overlaps prior
        base,
    ]
    d = decide(ms, spec(team_skills={"pytorch": "expert"}), metric="pr_auc")
    assert d.recommended == "xgboost" and d.justified and d.tie_break is None
    assert "does not clear the baseline as xgboost does" in verdicts(d)["mlp"].reasons[0]


def test_a_better_model_outside_the_tie_wins_without_tie_break():
    ms = [m("xgboost", 0.80, (0.78, 0.82)), m("mlp", 0.70, (0.68, 0.72), family=Family.NEURAL), prior()]
    d = decide(ms, spec(team_skills={"pytorch": "expert"}), metric="pr_auc")
    assert d.recommended == "xgboost" and d.tie_break is None
    assert "the CIs do not overlap" in verdicts(d)["mlp"].reasons[0]


# ---- properties --------------------------------------------------------------------------------------------
def test_decision_is_order_independent_and_round_trips_as_json():
    ms = [
        m("lightgbm", 0.73, (0.68, 0.77), skills=("lightgbm",)),
        m("xgboost", 0.72, (0.67, 0.76), skills=("xgboost",)),
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL, p99_ms=41.2),
        Measurement(candidate="rag", family=Family.RAG, status="failed", reason="boom"),
        prior(),
    ]
    s = spec({"latency_p99_ms": 20}, team_skills={"xgboost": "expert"})
    first = decide(ms, s, metric="pr_auc")
    shuffled = ms[:]
    random.Random(0).shuffle(shuffled)
    assert decide(shuffled, s, metric="pr_auc") == first
    assert Decision.model_validate_json(first.model_dump_json()) == first


def test_missing_metric_and_unknown_metric():
    d = decide([m("xgboost", 0.9, (0.8, 0.95), metric="roc_auc"), prior()], spec(), metric="pr_auc")
    assert (
        verdicts(d)["xgboost"].verdict == "failed"
        and "no PR-AUC was measured" in verdicts(d)["xgboost"].reasons
    )
    with pytest.raises(InputError, match="unknown metric"):
        decide([], spec(), metric="auc")


def test_without_a_baseline_the_choice_is_not_justified():
    d = decide([m("xgboost", 0.72, (0.67, 0.76))], spec(), metric="pr_auc")
    assert d.recommended == "xgboost" and d.justified is False and d.best_baseline is None
    assert "no baseline was measured" in d.because


def test_a_near_miss_never_reads_as_equal_to_its_limit():
    d = decide(
        [m("xgboost", 0.72, (0.67, 0.76), p99_ms=20.04)], spec({"latency_p99_ms": 20}), metric="pr_auc"
    )
    assert verdicts(d)["xgboost"].violations == ["p99 20.04 ms > budget 20 ms"]


def test_exact_metric_ties_do_not_depend_on_input_order():
    a, b = m("a", 0.72, (0.67, 0.76)), m("b", 0.72, (0.67, 0.76))
    assert decide([a, b, prior()], spec(), metric="pr_auc") == decide(
        [b, a, prior()], spec(), metric="pr_auc"
    )
