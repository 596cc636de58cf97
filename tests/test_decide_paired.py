"""The paired decision path, with planted truths: hand-built resamples whose paired differences are known.

Every candidate below carries `MetricValue.resamples` (its metric on the same 1,000 bootstrap resamples), so
`decide` compares candidates on paired differences with Holm's correction. Several tests also drop the
resamples to show the CI-overlap fallback reaching a different (weaker) conclusion on the same numbers:
that is what the paired test adds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from harness.decide import decide
from harness.measure.paired import (
    corrected_resampled_ttest,
    holm,
    paired_difference,
    probability_best,
)
from harness.results import Decision, LatencyStats, Measurement, MetricValue
from harness.spec import DecisionSpec, spec_from_dict
from harness.types import Family

B = 1000  # resamples per candidate


def spec(constraints: dict[str, Any] | None = None, **extra: Any) -> DecisionSpec:
    raw = {"title": "Churn model", "data": {"path": "d.csv", "target": "y"}, "constraints": constraints or {}}
    return spec_from_dict({**raw, **extra})


def value(resamples: np.ndarray, metric: str, *, paired: bool = True) -> MetricValue:
    """The metric as `score` reports it: point estimate, 95% percentile CI, and (paired) the resamples."""
    low, high = np.percentile(resamples, [2.5, 97.5])
    return MetricValue(
        name=metric,
        value=float(np.mean(resamples)),
        ci_low=float(low),
        ci_high=float(high),
        greater_is_better=metric not in ("rmse", "mae", "log_loss"),
        resamples=[float(x) for x in resamples] if paired else None,
    )


def cand(
    name: str,
    resamples: np.ndarray,
    *,
    family: Family = Family.GBT,
    metric: str = "roc_auc",
    complexity: int = 3,
    paired: bool = True,
    p99_ms: float = 2.0,
) -> Measurement:
    return Measurement(
        candidate=name,
        family=family,
        metrics={metric: value(resamples, metric, paired=paired)},
        latency=LatencyStats(
            p50_ms=p99_ms / 2,
            p95_ms=p99_ms * 0.8,
            p99_ms=p99_ms,
            mean_ms=p99_ms / 2,
            n_calls=700,
            rounds=7,
            p99_ci_ms=(p99_ms * 0.9, p99_ms * 1.1),
        ),
        skills=["sklearn"],
        complexity=complexity,
    )


def baseline(name: str, resamples: np.ndarray, **kw: Any) -> Measurement:
    return cand(name, resamples, family=Family.BASELINE, complexity=kw.pop("complexity", 1), **kw)


def unpaired(ms: list[Measurement]) -> list[Measurement]:
    """The same measurements without resamples: `decide` falls back to comparing CIs."""
    out = []
    for m in ms:
        metrics = {k: v.model_copy(update={"resamples": None}) for k, v in m.metrics.items()}
        out.append(m.model_copy(update={"metrics": metrics}))
    return out


def verdicts(d: Decision) -> dict[str, Any]:
    return {v.candidate: v for v in d.verdicts}


def shared(seed: int = 0, centre: float = 0.70, spread: float = 0.05) -> np.ndarray:
    """Shared resample-to-resample variation (which test rows were drawn): large, common to all candidates."""
    return centre + np.random.default_rng(seed).uniform(-spread, spread, B)


def noise(seed: int, sd: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sd, B)


def marginal_cis_overlap(a: Measurement, b: Measurement, metric: str = "roc_auc") -> bool:
    x, y = a.metrics[metric], b.metrics[metric]
    return x.ci_low <= y.ci_high and y.ci_low <= x.ci_high


# ---- a small, consistent margin over the baseline ----------------------------------------------------------
def test_small_consistent_margin_is_justified_only_by_the_paired_test() -> None:
    r = shared()
    prior = baseline("prior", r)
    model = cand("xgboost", r + 0.01 + noise(1, 0.001))
    # the planted situation: the marginal CIs overlap widely, the paired difference is +0.01 on every resample
    assert marginal_cis_overlap(model, prior)
    pd = paired_difference(
        "xgboost", model.metrics["roc_auc"], "prior", prior.metrics["roc_auc"], greater_is_better=True
    )
    assert pd is not None and pd.better_low > 0 and pd.p_not_better == pytest.approx(1 / (B + 1))

    d = decide([model, prior], spec(), metric="roc_auc")
    assert d.method == "paired bootstrap"
    assert d.recommended == "xgboost" and d.justified
    assert d.best_baseline == "prior"
    assert "significantly above the best baseline" in d.because
    assert verdicts(d)["xgboost"].verdict == "recommended"

    # the same numbers without resamples: the CIs overlap, the margin cannot be shown, the baseline stays
    fallback = decide(unpaired([model, prior]), spec(), metric="roc_auc")
    assert fallback.method == "CI overlap"
    assert not fallback.justified
    assert fallback.recommended == "prior"
    assert fallback.because.startswith("no model is yet justified over the baseline")


# ---- tied with the leader, or not --------------------------------------------------------------------------
def test_a_significantly_better_leader_is_not_tied_with_a_simpler_runner_up() -> None:
    r = shared()
    prior = baseline("prior", shared(seed=9, centre=0.50, spread=0.02))  # far below both models
    strong = cand("xgboost", r + 0.02 + noise(1, 0.001), complexity=4)
    simple = cand("linear", r + 0.01 + noise(2, 0.001), complexity=2)
    assert marginal_cis_overlap(strong, simple)

    d = decide([strong, simple, prior], spec(), metric="roc_auc")
    assert d.leader == "xgboost"
    assert d.recommended == "xgboost" and d.justified
    assert d.tie_break is None  # no tie: the leader is better on every resample
    v = verdicts(d)
    assert v["linear"].verdict == "runner_up"  # beats the baseline, loses to the leader
    leader_cmp = next(c for c in d.comparisons if c.candidate == "linear" and c.role == "leader")
    assert leader_cmp.significant and leader_cmp.better_high < 0
    assert "paired difference" in v["linear"].reasons[0]

    # on CI overlap the two would be "tied" and simplicity would hand the choice to the weaker model
    fallback = decide(unpaired([strong, simple, prior]), spec(), metric="roc_auc")
    assert fallback.recommended == "linear"
    assert fallback.tie_break is not None and fallback.tie_break.startswith("simplicity")


def test_indistinguishable_models_are_tied_and_the_tie_break_decides() -> None:
    r = shared()
    prior = baseline("prior", r)
    # the same +0.01 over the baseline; their difference stays well within the default ±0.005 margin
    a = cand("xgboost", r + 0.01 + noise(1, 0.001), complexity=4)
    b = cand("linear", r + 0.01 + noise(2, 0.001), complexity=2)

    d = decide([a, b, prior], spec(), metric="roc_auc")
    assert d.justified
    assert d.recommended == "linear"
    assert d.tie_break == "simplicity (linear: complexity 2 vs xgboost: complexity 4)"
    assert "statistically tied with" in d.because
    other = "xgboost" if d.leader == "linear" else "linear"
    leader_cmp = next(c for c in d.comparisons if c.candidate == other and c.role == "leader")
    assert not leader_cmp.significant and leader_cmp.better_low < 0 < leader_cmp.better_high
    assert leader_cmp.equivalent is True
    assert "lost the tie-break on simplicity" in " ".join(verdicts(d)["xgboost"].reasons)


def test_an_inconclusive_difference_keeps_the_best_scoring_model() -> None:
    """Not significantly different but not shown equivalent either (the 90% CI of the difference is wider
    than the margin): the simpler model does not replace the best-scoring one. A wider margin makes the
    same numbers a tie, and then simplicity decides."""
    r = shared()
    prior = baseline("prior", shared(seed=9, centre=0.50, spread=0.02))
    a = cand("xgboost", r + 0.012 + noise(1, 0.01), complexity=4)
    b = cand("linear", r + 0.010 + noise(2, 0.01), complexity=2)
    assert a.metrics["roc_auc"].value > b.metrics["roc_auc"].value

    d = decide([a, b, prior], spec(), metric="roc_auc")
    assert d.leader == "xgboost" and d.recommended == "xgboost" and d.justified
    assert d.tie_break is None
    c = next(c for c in d.comparisons if c.candidate == "linear" and c.role == "leader")
    assert not c.significant and c.equivalent is False
    assert "not shown equivalent" in " ".join(verdicts(d)["linear"].reasons)

    wide = decide([a, b, prior], spec(candidates={"equivalence_margin": 0.05}), metric="roc_auc")
    assert wide.recommended == "linear"
    assert wide.tie_break is not None and wide.tie_break.startswith("simplicity")


# ---- Holm --------------------------------------------------------------------------------------------------
def test_holm_against_hand_computed_values() -> None:
    got = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    # sorted a (0.01), c (0.03), b (0.04): 3·0.01, max(0.03, 2·0.03), max(0.06, 1·0.04)
    assert got == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})
    # capped at 1 and monotone in the raw order
    assert holm({"x": 0.5, "y": 0.6}) == pytest.approx({"x": 1.0, "y": 1.0})
    assert holm({"x": 0.001, "y": 0.2, "z": 0.02}) == pytest.approx({"x": 0.003, "z": 0.04, "y": 0.2})
    assert holm({"only": 0.03}) == {"only": 0.03}
    assert holm({}) == {}


def _margin_except(r: np.ndarray, losing: np.ndarray) -> np.ndarray:
    """+0.01 over `r` on every resample except `losing`, where −0.01: p_not_better = (1 + 30) / 1001."""
    out = r + 0.01
    out[losing] = r[losing] - 0.01
    return out


def test_a_p_value_that_passes_alone_fails_after_holm() -> None:
    r = shared()
    prior = baseline("prior", r)
    models = [
        cand(name, _margin_except(r, np.arange(30) + 30 * k))
        for k, name in enumerate(["xgboost", "lightgbm", "mlp"])
    ]
    raw = (1 + 30) / (B + 1)
    assert raw < 0.05 < 3 * raw

    alone = decide([models[0], prior], spec(), metric="roc_auc")
    assert alone.recommended == "xgboost" and alone.justified
    c = next(c for c in alone.comparisons if c.role == "baseline")
    assert c.p_value == pytest.approx(raw) and c.p_holm == pytest.approx(raw)

    together = decide([*models, prior], spec(), metric="roc_auc")
    assert not together.justified
    assert together.recommended == "prior"
    against_baseline = [c for c in together.comparisons if c.role == "baseline"]
    assert len(against_baseline) == 3
    for c in against_baseline:
        assert c.p_value == pytest.approx(raw)  # each passes alone...
        # ...none after correcting: one Holm family for the whole decision — three "beats the baseline" claims
        # and the leader's two claims over the other models (each directional claim tested once)
        assert c.p_holm == pytest.approx(5 * raw)
        assert not c.significant
    assert {verdicts(together)[m.candidate].verdict for m in models} == {"not_justified"}


# ---- corrected resampled t-test, probability of being best ------------------------------------------------
def test_corrected_resampled_ttest_matches_a_hand_computation() -> None:
    a = [0.80, 0.82, 0.79, 0.81, 0.83]
    b = [0.78, 0.80, 0.79, 0.77, 0.80]
    d = np.array(a) - np.array(b)  # 0.02, 0.02, 0, 0.04, 0.03
    j, n_fit, n_scored = 5, 800, 200
    mean = d.sum() / j
    var = ((d - mean) ** 2).sum() / (j - 1)
    t = mean / math.sqrt((1 / j + n_scored / n_fit) * var)
    p = 2 * stats.t.sf(abs(t), df=j - 1)

    got = corrected_resampled_ttest(a, b, n_fit=n_fit, n_scored=n_scored, greater_is_better=True)
    assert got is not None
    assert got.n_folds == 5
    assert got.mean_better == pytest.approx(0.022)
    assert got.t == pytest.approx(t)
    assert got.p_two_sided == pytest.approx(p)
    # the correction makes it more conservative than the plain paired t-test
    assert got.p_two_sided > stats.ttest_rel(a, b).pvalue

    # lower is better: the same data with a's advantage negated, same p-value
    low = corrected_resampled_ttest(a, b, n_fit=n_fit, n_scored=n_scored, greater_is_better=False)
    assert low is not None
    assert low.mean_better == pytest.approx(-0.022)
    assert low.t == pytest.approx(-t)
    assert low.p_two_sided == pytest.approx(p)

    assert corrected_resampled_ttest([0.8], [0.7], n_fit=10, n_scored=2, greater_is_better=True) is None
    assert corrected_resampled_ttest(a, b[:4], n_fit=10, n_scored=2, greater_is_better=True) is None


def _mv(resamples: np.ndarray, gib: bool = True) -> MetricValue:
    return MetricValue(
        name="m",
        value=float(np.mean(resamples)),
        greater_is_better=gib,
        resamples=[float(x) for x in resamples],
    )


def test_probability_best_is_the_share_of_resamples_won() -> None:
    winner = np.array([0] * 700 + [1] * 200 + [2] * 100)
    np.random.default_rng(3).shuffle(winner)
    scores = np.full((3, B), 0.70)
    scores[1] = 0.75  # B is second everywhere it does not win
    scores[winner, np.arange(B)] = 0.90
    names = ["a", "b", "c"]
    got = probability_best({n: _mv(scores[i]) for i, n in enumerate(names)}, greater_is_better=True)
    assert got == pytest.approx({"a": 0.7, "b": 0.2, "c": 0.1})

    # lower is better: the same planted winners with the scores mirrored
    mirrored = {n: _mv(1 - scores[i], gib=False) for i, n in enumerate(names)}
    assert probability_best(mirrored, greater_is_better=False) == pytest.approx(
        {"a": 0.7, "b": 0.2, "c": 0.1}
    )

    # a shared first place shares the resample
    tie = probability_best({"x": _mv(np.ones(10)), "y": _mv(np.ones(10))}, greater_is_better=True)
    assert tie == pytest.approx({"x": 0.5, "y": 0.5})


def test_probability_best_reaches_the_verdicts() -> None:
    r = shared()
    prior = baseline("prior", r)
    model = cand("xgboost", r + 0.01 + noise(1, 0.001))
    d = decide([model, prior], spec(), metric="roc_auc")
    v = verdicts(d)
    assert v["xgboost"].probability_best == pytest.approx(1.0)
    assert v["prior"].probability_best == pytest.approx(0.0)


# ---- a lower-is-better metric on the paired path ----------------------------------------------------------
def test_lower_rmse_on_every_resample_beats_the_baseline_and_reads_below() -> None:
    r = shared(centre=10.0, spread=0.5)
    mean_model = baseline("mean", r, metric="rmse")
    model = cand("lightgbm", r - 0.1 - np.abs(noise(1, 0.01)), metric="rmse")
    assert marginal_cis_overlap(model, mean_model, "rmse")

    d = decide([model, mean_model], spec(), metric="rmse")
    assert d.method == "paired bootstrap"
    assert d.leader == "lightgbm"
    assert d.recommended == "lightgbm" and d.justified
    assert "below" in d.because and "above" not in d.because
    c = next(c for c in d.comparisons if c.candidate == "lightgbm" and c.role == "baseline")
    assert c.diff < 0  # model − baseline, in RMSE units
    assert c.better_low > 0 and c.significant  # the advantage, sign-adjusted for the direction
    assert verdicts(d)["lightgbm"].probability_best == pytest.approx(1.0)

    # on CIs alone the RMSE gain is invisible
    assert not decide(unpaired([model, mean_model]), spec(), metric="rmse").justified


def test_higher_rmse_on_every_resample_is_not_justified() -> None:
    r = shared(centre=10.0, spread=0.5)
    mean_model = baseline("mean", r, metric="rmse")
    model = cand("lightgbm", r + 0.1 + np.abs(noise(1, 0.01)), metric="rmse")
    d = decide([model, mean_model], spec(), metric="rmse")
    assert not d.justified and d.recommended == "mean"
    assert "not significantly below" in d.because


# ---- "the strongest model" ---------------------------------------------------------------------------------
def test_the_strongest_model_named_when_not_justified_is_the_best_scoring_one() -> None:
    r = shared()
    prior = baseline("prior", r)
    # neither model clears the baseline; the simpler one wins the tie-break but scores lower
    best_scoring = cand("xgboost", r + 0.004 + noise(1, 0.01), complexity=4)
    simpler = cand("linear", r + 0.002 + noise(2, 0.01), complexity=2)
    assert best_scoring.metrics["roc_auc"].value > simpler.metrics["roc_auc"].value

    d = decide([best_scoring, simpler, prior], spec(), metric="roc_auc")
    assert not d.justified and d.recommended == "prior"
    assert "the strongest model, xgboost," in d.because
    assert "linear" not in d.because
    assert any("the strongest, xgboost" in r for r in verdicts(d)["prior"].reasons)


def test_the_strongest_model_is_the_best_scoring_one_when_the_baseline_fails_the_gates() -> None:
    r = shared()
    prior = baseline("prior", r, p99_ms=50.0)  # rejected by the latency budget below
    # equivalent to each other (a tie the simpler one wins), neither clear of the baseline's CI
    best_scoring = cand("xgboost", r + 0.003 + noise(1, 0.001), complexity=4)
    simpler = cand("linear", r + 0.002 + noise(2, 0.001), complexity=2)
    assert best_scoring.metrics["roc_auc"].value > simpler.metrics["roc_auc"].value

    d = decide([best_scoring, simpler, prior], spec({"latency_p99_ms": 10}), metric="roc_auc")
    assert verdicts(d)["prior"].verdict == "rejected"
    assert not d.justified
    assert d.recommended == "linear" and d.tie_break is not None  # the tie-break winner, not the best score
    assert "linear is the strongest model" not in d.because
    assert "the strongest model, xgboost" in d.because and "with its whole CI" in d.because


# ---- the reference and the comparisons recorded -----------------------------------------------------------
def test_the_reference_is_the_best_baseline_not_the_worst() -> None:
    r = shared()
    prior = baseline("prior", shared(seed=9, centre=0.50, spread=0.02))
    one_feature = baseline("single_feature", r, complexity=2)
    model = cand("xgboost", r - 0.005 + noise(1, 0.001))  # far above prior, below the one-feature rule

    d = decide([model, prior, one_feature], spec(), metric="roc_auc")
    assert d.best_baseline == "single_feature"
    assert not d.justified and d.recommended == "single_feature"
    assert {c.against for c in d.comparisons if c.role == "baseline"} == {"single_feature"}


def test_comparisons_cover_every_survivor_against_the_leader_and_the_best_baseline() -> None:
    r = shared()
    ms = [
        cand("xgboost", r + 0.020 + noise(1, 0.002)),
        cand("lightgbm", r + 0.019 + noise(2, 0.002)),
        cand("mlp", r + 0.010 + noise(3, 0.002), family=Family.NEURAL),
        cand("linear", r + 0.001 + noise(4, 0.01), family=Family.LINEAR),
        baseline("prior", shared(seed=9, centre=0.50, spread=0.02)),
        baseline("single_feature", r, complexity=2),
    ]
    d = decide(ms, spec(), metric="roc_auc")
    assert d.leader == "xgboost" and d.best_baseline == "single_feature"
    names = [m.candidate for m in ms]
    models = [m.candidate for m in ms if m.family is not Family.BASELINE]
    expected = {(n, "xgboost", "leader") for n in names if n != "xgboost"} | {
        (n, "single_feature", "baseline") for n in models
    }
    assert {(c.candidate, c.against, c.role) for c in d.comparisons} == expected
    assert len(d.comparisons) == len(expected)
    values = {m.candidate: m.metrics["roc_auc"].value for m in ms}
    for c in d.comparisons:
        assert c.p_value is not None and c.p_holm is not None
        assert c.p_holm >= c.p_value
        assert c.diff == pytest.approx(values[c.candidate] - values[c.against])
        assert c.better_low is not None and c.better_high is not None and c.better_low <= c.better_high
    by = {(c.candidate, c.role): c for c in d.comparisons}
    assert by[("mlp", "leader")].significant  # 0.01 behind on every resample
    assert not by[("lightgbm", "leader")].significant  # 0.001 behind, within the noise
    assert by[("mlp", "baseline")].significant
    assert not by[("linear", "baseline")].significant


def test_a_pair_reached_from_both_references_is_one_hypothesis() -> None:
    """The leader against the best baseline is the same claim whether read as "the leader beats the baseline"
    or "the baseline is worse than the leader": one test, one adjusted p-value, one verdict — and a baseline
    the leader significantly beats is never also "not beaten" (the CLINC150 inconsistency)."""
    r = shared()
    base = baseline("tfidf", r)
    leader = cand("mlp", _margin_except(r, np.arange(20)))  # better on 98% of resamples
    weak = [cand(f"m{k}", r - 0.02 + noise(k, 0.001)) for k in range(3)]  # clearly below the baseline
    d = decide([leader, *weak, base], spec(), metric="roc_auc")
    as_leader = next(c for c in d.comparisons if c.candidate == "tfidf" and c.role == "leader")
    as_baseline = next(c for c in d.comparisons if c.candidate == "mlp" and c.role == "baseline")
    assert as_leader.p_holm == pytest.approx(as_baseline.p_holm)
    assert as_leader.significant == as_baseline.significant
    assert d.justified == as_baseline.significant
    assert d.recommended == ("mlp" if as_baseline.significant else "tfidf")


def _with_folds(m: Measurement, folds: list[float]) -> Measurement:
    m.details["tuning"] = {"best_cv": folds, "fold_rows": [4000, 1000]}
    return m


def test_cross_validation_evidence_can_carry_a_claim_the_test_rows_cannot() -> None:
    """An inconclusive test-row difference plus a consistent, large CV advantage: the model beats the baseline
    (corrected resampled t-test, Holm with the bootstrap); the same CV advantage pointing the other way, or a
    test difference pointing against it, does not carry the claim."""
    r = shared()
    base = _with_folds(baseline("prior", r), [0.60, 0.61, 0.60, 0.62, 0.61])
    model = _with_folds(cand("lightgbm", r + 0.002 + noise(1, 0.01)), [0.70, 0.71, 0.70, 0.72, 0.71])
    test_only = paired_difference(
        "lightgbm", model.metrics["roc_auc"], "prior", base.metrics["roc_auc"], greater_is_better=True
    )
    assert test_only is not None and test_only.p_not_better > 0.05  # the test rows alone are inconclusive
    d = decide([model, base], spec(), metric="roc_auc")
    c = next(c for c in d.comparisons if c.role == "baseline")
    assert c.fold_p_holm is not None and c.fold_p_holm < 0.05 and c.fold_better > 0
    assert d.justified and d.recommended == "lightgbm"

    worse_on_folds = _with_folds(cand("lightgbm", r + 0.002 + noise(1, 0.01)), [0.50, 0.51, 0.50, 0.52, 0.51])
    d_worse = decide([worse_on_folds, base], spec(), metric="roc_auc")
    assert not d_worse.justified
    c_worse = next(c for c in d_worse.comparisons if c.role == "baseline")
    assert c_worse.fold_better < 0 and c_worse.fold_p_holm > 0.5  # one-sided: the folds point the other way
    below_on_test = _with_folds(cand("lightgbm", r - 0.002 + noise(1, 0.01)), [0.70, 0.71, 0.70, 0.72, 0.71])
    assert not decide([below_on_test, base], spec(), metric="roc_auc").justified  # contrary evidence
