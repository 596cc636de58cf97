"""From measurements to a decision: gates, ranking, statistical ties, tie-breaks, and the baseline check.

A pure function of the measurements and the spec (no I/O, no clock), so every rule is tested with hand-built
`Measurement`s. The steps, in order:

1. Candidates that did not finish are "failed", with their reason.
2. Satisficing gates from `spec.constraints` (latency p99, throughput, model size, cost per 1k predictions,
   GPU on CPU hardware, interpretability "required"): a candidate violating any is "rejected", every
   violation named with its numbers.
3. Survivors are ranked on the optimizing metric; baselines take part and keep the verdict "baseline".
4. Survivors whose bootstrap CI overlaps the leader's are statistically tied with it. Among the tied models
   the choice goes, in order, to team-skill fit, interpretability (when "preferred"), lower complexity, lower
   cost per 1k, lower p99 latency, and only then the metric's point estimate.
5. The choice must beat the best baseline: its CI must lie entirely on the better side of the baseline's CI.
   If not, it is still named but `justified` is False and every verdict says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.errors import InputError
from harness.measure.catalog import METRICS, MetricInfo
from harness.results import CandidateVerdict, Decision, Measurement, MetricValue
from harness.spec import DecisionSpec
from harness.types import Family, Hardware, Interpretability, SkillLevel

_MAX_LISTED = 4  # candidates named in one `because` sentence before "and N more"


# ---- formatting --------------------------------------------------------------------------------------------
def _num(x: float, digits: int = 3) -> str:
    """A measured quantity for prose: 41.2, 0.831, 2,000, 850."""
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _usd(x: float, digits: int = 3) -> str:
    return f"${x:,.2f}" if x >= 10 else f"${x:.{digits}g}"


def _apart(fmt: Callable[[float, int], str], measured: float, limit: float) -> tuple[str, str]:
    """Format a measured value and its limit with enough digits that they never read as equal."""
    for digits in range(3, 8):
        a, b = fmt(measured, digits), fmt(limit, digits)
        if a != b:
            return a, b
    return a, b


def _metric_num(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:,.2f}"


def _short_label(info: MetricInfo) -> str:
    return info.label.split(" (")[0]  # "PR-AUC (average precision)" -> "PR-AUC"


def _with_ci(v: MetricValue) -> str:
    if v.ci_low is None or v.ci_high is None:
        return _metric_num(v.value)
    return f"{_metric_num(v.value)} [{_metric_num(v.ci_low)}, {_metric_num(v.ci_high)}]"


# ---- gates -------------------------------------------------------------------------------------------------
def gate_violations(m: Measurement, spec: DecisionSpec) -> list[str]:
    """Every constraint `m` breaks, each with the measured number and the limit."""
    c = spec.constraints
    out: list[str] = []
    if c.latency_p99_ms is not None:
        if m.latency is None:
            out.append(f"p99 latency not measured (budget {_num(c.latency_p99_ms)} ms)")
        elif m.latency.p99_ms > c.latency_p99_ms:
            got, limit = _apart(_num, m.latency.p99_ms, c.latency_p99_ms)
            out.append(f"p99 {got} ms > budget {limit} ms")
    if c.throughput_rps is not None:
        if m.throughput_rows_per_s is None:
            out.append(f"throughput not measured (required {_num(c.throughput_rps)} rows/s)")
        elif m.throughput_rows_per_s < c.throughput_rps:
            got, limit = _apart(_num, m.throughput_rows_per_s, c.throughput_rps)
            out.append(f"throughput {got} rows/s < required {limit} rows/s")
    if c.max_model_mb is not None:
        if m.size_mb is None:
            out.append(f"model size not measured (limit {_num(c.max_model_mb)} MB)")
        elif m.size_mb > c.max_model_mb:
            got, limit = _apart(_num, m.size_mb, c.max_model_mb)
            out.append(f"size {got} MB > limit {limit} MB")
    if c.budget_usd_per_1k_predictions is not None:
        budget = _usd(c.budget_usd_per_1k_predictions)
        if m.cost_usd_per_1k is None:
            out.append(f"cost per 1k predictions unknown (budget {budget})")
        elif m.cost_usd_per_1k > c.budget_usd_per_1k_predictions:
            got, limit = _apart(_usd, m.cost_usd_per_1k, c.budget_usd_per_1k_predictions)
            out.append(f"cost {got} per 1k predictions > budget {limit}")
    if c.hardware is Hardware.CPU and m.requires_gpu:
        out.append("needs a GPU; serving hardware is cpu")
    if c.interpretability is Interpretability.REQUIRED and not m.interpretable:
        out.append("not interpretable; interpretability is required")
    return out


# ---- comparisons -------------------------------------------------------------------------------------------
def _ci(v: MetricValue) -> tuple[float, float]:
    if v.ci_low is None or v.ci_high is None:
        return v.value, v.value
    return v.ci_low, v.ci_high


def cis_overlap(a: MetricValue, b: MetricValue) -> bool:
    a_low, a_high = _ci(a)
    b_low, b_high = _ci(b)
    return a_low <= b_high and b_low <= a_high


def ci_beats(a: MetricValue, b: MetricValue, *, greater_is_better: bool) -> bool:
    """True when a's whole CI lies on the better side of b's whole CI."""
    a_low, a_high = _ci(a)
    b_low, b_high = _ci(b)
    return a_low > b_high if greater_is_better else a_high < b_low


def _skill_fit(m: Measurement, spec: DecisionSpec) -> SkillLevel:
    """The team's level in the weakest framework the candidate needs (unknown skill = none; a candidate
    needing no framework fits any team)."""
    if not m.skills:
        return SkillLevel.EXPERT
    return min((spec.team_skills.get(s, SkillLevel.NONE) for s in m.skills), key=lambda level: level.score)


@dataclass(frozen=True)
class _TieBreak:
    """One tie-break rule: a key (lower wins) and how to show a candidate's value."""

    label: str  # "team skill"
    key: Callable[[Measurement], float]
    show: Callable[[Measurement], str]


def _tie_breaks(spec: DecisionSpec, metric: str, info: MetricInfo) -> list[_TieBreak]:
    rules = [
        _TieBreak(
            "team skill",
            lambda m: -_skill_fit(m, spec).score,
            lambda m: _skill_fit(m, spec).value,
        )
    ]
    if spec.constraints.interpretability is Interpretability.PREFERRED:
        rules.append(
            _TieBreak(
                "interpretability (preferred)",
                lambda m: 0 if m.interpretable else 1,
                lambda m: "interpretable" if m.interpretable else "not interpretable",
            )
        )
    sign = -1 if info.greater_is_better else 1
    rules += [
        _TieBreak("simplicity", lambda m: m.complexity, lambda m: f"complexity {m.complexity}"),
        _TieBreak(
            "cost",
            lambda m: float("inf") if m.cost_usd_per_1k is None else m.cost_usd_per_1k,
            lambda m: "cost unknown" if m.cost_usd_per_1k is None else f"{_usd(m.cost_usd_per_1k)} per 1k",
        ),
        _TieBreak(
            "p99 latency",
            lambda m: float("inf") if m.latency is None else m.latency.p99_ms,
            lambda m: "p99 unknown" if m.latency is None else f"p99 {_num(m.latency.p99_ms)} ms",
        ),
        _TieBreak(
            f"{_short_label(info)} point estimate",
            lambda m: sign * m.metrics[metric].value,
            lambda m: _metric_num(m.metrics[metric].value),
        ),
    ]
    return rules


def _break_tie(
    tied: list[Measurement], rules: list[_TieBreak]
) -> tuple[Measurement, _TieBreak | None, dict[str, _TieBreak]]:
    """Lexicographic tie-break. Returns the winner, the rule that left it alone (None if nothing was tied),
    and for each loser the rule that eliminated it."""
    remaining = list(tied)
    lost_on: dict[str, _TieBreak] = {}
    decided_by: _TieBreak | None = None
    for rule in rules:
        if len(remaining) == 1:
            break
        best = min(rule.key(m) for m in remaining)
        for m in remaining:
            if rule.key(m) != best:
                lost_on[m.candidate] = rule
        remaining = [m for m in remaining if rule.key(m) == best]
        if len(remaining) == 1:
            decided_by = rule
    # still tied on everything: keep the best-ranked (input order), an explicit and stable choice
    return remaining[0], decided_by, lost_on


# ---- the decision ------------------------------------------------------------------------------------------
def decide(measurements: Sequence[Measurement], spec: DecisionSpec, *, metric: str) -> Decision:
    """Gate, rank, break ties, check against the best baseline; every candidate gets reasons with numbers."""
    if metric not in METRICS:
        raise InputError(
            f"unknown metric {metric!r}", where="decide", fix=f"use one of: {', '.join(METRICS)}"
        )
    info = METRICS[metric]
    label = _short_label(info)
    gib = info.greater_is_better

    def better_first(ms: list[Measurement]) -> list[Measurement]:
        # the name breaks exact ties so the result never depends on the order measurements arrive in
        return sorted(
            ms, key=lambda m: (-m.metrics[metric].value if gib else m.metrics[metric].value, m.candidate)
        )

    def val(m: Measurement) -> str:
        return _with_ci(m.metrics[metric])

    def beats_baseline(m: Measurement) -> bool:
        return best_baseline is not None and ci_beats(
            m.metrics[metric], best_baseline.metrics[metric], greater_is_better=gib
        )

    failed: list[CandidateVerdict] = []
    finished: list[Measurement] = []
    for m in measurements:
        if m.status == "skipped":  # not run at all (e.g. needs a GPU that this host lacks): not a failure
            failed.append(_verdict(m, "skipped", [f"not run: {m.reason or 'no reason given'}"]))
        elif not m.ok:
            failed.append(
                _verdict(m, "failed", [f"{m.status.replace('_', ' ')}: {m.reason or 'no reason given'}"])
            )
        elif metric not in m.metrics:
            failed.append(_verdict(m, "failed", [f"no {label} was measured"]))
        else:
            finished.append(m)

    violations = {m.candidate: gate_violations(m, spec) for m in finished}
    survivors = better_first([m for m in finished if not violations[m.candidate]])
    rejected_ms = better_first([m for m in finished if violations[m.candidate]])
    rank = {m.candidate: i + 1 for i, m in enumerate(survivors)}
    baselines_all = better_first([m for m in finished if m.family is Family.BASELINE])
    best_baseline = baselines_all[0] if baselines_all else None

    rejected = [
        _verdict(
            m,
            "rejected",
            [f"rejected: {'; '.join(violations[m.candidate])} ({label} {val(m)})"],
            violations=violations[m.candidate],
        )
        for m in rejected_ms
    ]

    def gate_summary() -> str:
        return "; ".join(f"{m.candidate}: {violations[m.candidate][0]}" for m in rejected_ms[:_MAX_LISTED])

    models = [m for m in survivors if m.family is not Family.BASELINE]
    if not survivors:
        if finished:
            because = f"no candidate passes the gates ({gate_summary()})"
        else:
            because = "no candidate finished, so there is nothing to choose from"
        return Decision(
            metric=metric,
            recommended=None,
            justified=False,
            best_baseline=best_baseline.candidate if best_baseline else None,
            because=because,
            verdicts=[*rejected, *failed],
        )

    leader = survivors[0]
    tied = [m for m in survivors if cis_overlap(m.metrics[metric], leader.metrics[metric])]
    tied_models = [m for m in tied if m.family is not Family.BASELINE]
    if best_baseline is not None:
        # a tie-break must not hand the choice to a model failing the baseline check while another passes it
        beating = [m for m in tied_models if beats_baseline(m)]
        tied_models = beating or tied_models
    tie_break_text: str | None = None
    lost_on: dict[str, _TieBreak] = {}
    rule: _TieBreak | None = None

    if not models:  # only baselines pass the gates
        chosen = survivors[0]
    elif tied_models:
        chosen, rule, lost_on = _break_tie(tied_models, _tie_breaks(spec, metric, info))
        if rule is not None:
            others = [m for m in tied_models if m is not chosen]
            tie_break_text = (
                f"{rule.label} ({chosen.candidate}: {rule.show(chosen)} vs "
                + ", ".join(f"{m.candidate}: {rule.show(m)}" for m in others)
                + ")"
            )
    else:  # a baseline leads and no model is within its CI
        chosen = models[0]

    chosen_value = chosen.metrics[metric]
    justified = chosen.family is not Family.BASELINE and beats_baseline(chosen)
    strongest_model: Measurement | None = None
    if not justified and chosen.family is not Family.BASELINE and best_baseline in survivors:
        # No model earns its complexity: keep the best baseline (it passes the gates) and name the model
        # that came closest, so the team knows what would have to improve.
        strongest_model, chosen = chosen, best_baseline
        chosen_value = chosen.metrics[metric]
        rule, tie_break_text, lost_on = None, None, {}

    # ---- the sentence --------------------------------------------------------------------------------------
    n_pass = len(survivors)
    passing = (
        f"the {n_pass} candidates that pass the gates"
        if n_pass > 1
        else "the only candidate passing the gates"
    )
    base_text = f"{best_baseline.candidate}'s {val(best_baseline)}" if best_baseline else ""
    if strongest_model is not None:
        because = (
            f"no model is yet justified over the baseline: the strongest model, {strongest_model.candidate}, "
            f"scores {label} {val(strongest_model)}, which does not lie above {base_text}; keep the baseline "
            f"until a model's CI clears it"
        )
    elif chosen.family is Family.BASELINE:
        because = f"only baselines pass the gates and {chosen.candidate} has the best {label}, {val(chosen)}"
        because += f" ({gate_summary()})" if rejected_ms else " (no model finished)"
    elif not justified and best_baseline is not None:
        because = (
            f"no model is yet justified over the baseline: {chosen.candidate}'s {label} {val(chosen)} "
            f"does not lie above {base_text}; {chosen.candidate} is the strongest model that passes the gates"
        )
    elif not justified:
        because = (
            f"its {label} {val(chosen)} is the best of {passing}, but no baseline was measured, "
            f"so its gain over a trivial model is unknown"
        )
    elif rule is not None:
        others = [m for m in tied_models if m is not chosen]
        listed = [f"{m.candidate}'s {val(m)}" for m in others[:_MAX_LISTED]]
        tied_text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        because = (
            f"its {label} {val(chosen)} is statistically tied with {tied_text}, "
            f"so {tie_break_text} decided it; it beats the best baseline ({base_text})"
        )
    else:
        lead = "is the best" if chosen is leader else "ranks best among the models"
        because = (
            f"its {label} {val(chosen)} {lead} of {passing} and lies above the best baseline ({base_text})"
        )

    # ---- verdicts ------------------------------------------------------------------------------------------
    verdicts: list[CandidateVerdict] = []
    not_justified_note = (
        f"no model is justified over baseline {best_baseline.candidate} ({val(best_baseline)})"
        if best_baseline is not None and not justified and chosen.family is not Family.BASELINE
        else None
    )
    for m in survivors:
        reasons: list[str] = []
        if m is chosen:
            verdict = "recommended"
            if rule is not None:
                reasons.append(f"{label} {val(m)}; won a statistical tie on {tie_break_text}")
            else:
                reasons.append(f"{label} {val(m)}, rank {rank[m.candidate]} of {n_pass} passing the gates")
            if strongest_model is not None:
                reasons.append(
                    f"no model beats it: the strongest, {strongest_model.candidate}, "
                    f"scores {val(strongest_model)}"
                )
            elif not_justified_note:
                reasons.append(f"not yet justified: {not_justified_note}")
            elif justified and best_baseline is not None:
                reasons.append(f"CI lies above the best baseline ({base_text})")
        elif m.family is Family.BASELINE:
            verdict = "baseline"
            role = "the best baseline" if m is best_baseline else "a baseline"
            reasons.append(f"{role}: {label} {val(m)}; the reference a model must beat")
            if chosen.family is not Family.BASELINE and m is best_baseline:
                beaten = "beaten" if justified else "not beaten"
                reasons.append(f"{beaten} by {chosen.candidate} ({val(chosen)})")
        else:
            if m.candidate in lost_on:
                lost = lost_on[m.candidate]
                reasons.append(
                    f"{label} {val(m)} is within the CI of {chosen.candidate}'s {_with_ci(chosen_value)}; "
                    f"lost the tie-break on {lost.label} ({m.candidate}: {lost.show(m)} vs "
                    f"{chosen.candidate}: {lost.show(chosen)})"
                )
            elif m in tied:
                reasons.append(
                    f"{label} {val(m)} is within the CI of {chosen.candidate}'s {_with_ci(chosen_value)}"
                )
                if m not in tied_models:
                    reasons[-1] += f", but does not clear the baseline as {chosen.candidate} does"
                else:
                    reasons[-1] += "; identical on every tie-break, ranked lower"
            else:
                ref = leader if leader is not m else chosen
                reasons.append(f"{label} {val(m)} vs {ref.candidate}'s {val(ref)}; the CIs do not overlap")
            if best_baseline is not None and not beats_baseline(m):
                verdict = "not_justified"
                reasons.append(f"does not beat baseline {best_baseline.candidate} ({val(best_baseline)})")
            else:
                verdict = "runner_up"
        verdicts.append(_verdict(m, verdict, reasons, rank=rank[m.candidate]))

    return Decision(
        metric=metric,
        recommended=chosen.candidate,
        justified=justified,
        best_baseline=best_baseline.candidate if best_baseline else None,
        because=because,
        tie_break=tie_break_text,
        verdicts=[*verdicts, *rejected, *failed],
    )


def _verdict(
    m: Measurement,
    verdict: str,
    reasons: list[str],
    *,
    rank: int | None = None,
    violations: list[str] | None = None,
) -> CandidateVerdict:
    return CandidateVerdict(
        candidate=m.candidate,
        family=m.family,
        verdict=verdict,  # type: ignore[arg-type]
        rank=rank,
        reasons=reasons,
        violations=violations or [],
    )
