"""Tie-breaks among candidates statistically tied with the leader: team-skill fit, interpretability (when
preferred), simplicity, cost, p99 latency, then the point estimate. Measured, noisy quantities break a tie
only when the difference is material and outside the noise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.decide.words import _metric_num, _short_label
from harness.gates import num as _num
from harness.gates import usd as _usd
from harness.measure.catalog import MetricInfo
from harness.results import Measurement
from harness.spec import DecisionSpec
from harness.types import Interpretability, SkillLevel


def _skill_fit(m: Measurement, spec: DecisionSpec) -> SkillLevel:
    """The team's level in the weakest framework the candidate needs (unknown skill = none; a candidate
    needing no framework fits any team)."""
    if not m.skills:
        return SkillLevel.EXPERT
    return min((spec.team_skills.get(s, SkillLevel.NONE) for s in m.skills), key=lambda level: level.score)


MATERIAL_RATIO = 1.25  # a latency or cost difference below this ratio never breaks a tie


@dataclass(frozen=True)
class TieBreak:
    """One tie-break rule: a key (lower wins), how to show a candidate's value, and — for measured, noisy
    quantities — when a candidate is *clearly* worse than the best (otherwise it stays in the tie)."""

    label: str  # "team skill"
    key: Callable[[Measurement], float]
    show: Callable[[Measurement], str]
    clearly_worse: Callable[[Measurement, Measurement], bool] | None = None  # (candidate, best) -> bool

    def worse(self, m: Measurement, best: Measurement) -> bool:
        if self.clearly_worse is not None:
            return self.clearly_worse(m, best)
        return self.key(m) != self.key(best)


def _latency_clearly_worse(m: Measurement, best: Measurement) -> bool:
    """Material (≥ MATERIAL_RATIO × the best's p99) and outside the noise (the CIs do not overlap)."""
    a, b = m.latency, best.latency
    if a is None or b is None:
        return a is None and b is not None
    return a.p99_ms >= MATERIAL_RATIO * b.p99_ms and a.p99_low > b.p99_high


def _cost_clearly_worse(m: Measurement, best: Measurement) -> bool:
    a, b = m.cost_usd_per_1k, best.cost_usd_per_1k
    if a is None or b is None:
        return a is None and b is not None
    return a >= MATERIAL_RATIO * b and a - b > 0


def tie_breaks(spec: DecisionSpec, metric: str, info: MetricInfo) -> list[TieBreak]:
    rules = []
    if spec.team_skills:  # a team that stated no skills gives this rule nothing to go on
        rules.append(
            TieBreak(
                "team skill",
                lambda m: -_skill_fit(m, spec).score,
                lambda m: _skill_fit(m, spec).value,
            )
        )
    if spec.constraints.interpretability is Interpretability.PREFERRED:
        rules.append(
            TieBreak(
                "interpretability (preferred)",
                lambda m: 0 if m.interpretable else 1,
                lambda m: "interpretable" if m.interpretable else "not interpretable",
            )
        )
    sign = -1 if info.greater_is_better else 1
    rules += [
        TieBreak("simplicity", lambda m: m.complexity, lambda m: f"complexity {m.complexity}"),
        TieBreak(
            "cost",
            lambda m: float("inf") if m.cost_usd_per_1k is None else m.cost_usd_per_1k,
            lambda m: "cost unknown" if m.cost_usd_per_1k is None else f"{_usd(m.cost_usd_per_1k)} per 1k",
            _cost_clearly_worse,
        ),
        TieBreak(
            "p99 latency",
            lambda m: float("inf") if m.latency is None else m.latency.p99_ms,
            _show_p99,
            _latency_clearly_worse,
        ),
        TieBreak(
            f"{_short_label(info)} point estimate",
            lambda m: sign * m.metrics[metric].value,
            lambda m: _metric_num(m.metrics[metric].value),
        ),
    ]
    return rules


def _show_p99(m: Measurement) -> str:
    if m.latency is None:
        return "p99 unknown"
    if m.latency.p99_ci_ms is None:
        return f"p99 {_num(m.latency.p99_ms)} ms"
    return f"p99 {_num(m.latency.p99_ms)} ms [{_num(m.latency.p99_low)}, {_num(m.latency.p99_high)}]"


def break_tie(
    tied: list[Measurement], rules: list[TieBreak]
) -> tuple[Measurement, TieBreak | None, dict[str, TieBreak]]:
    """Lexicographic tie-break. Returns the winner, the rule that left it alone (None if nothing was tied),
    and for each loser the rule that eliminated it. A rule eliminates only candidates clearly worse than the
    best on it; the rest go on to the next rule."""
    remaining = list(tied)
    lost_on: dict[str, TieBreak] = {}
    decided_by: TieBreak | None = None
    for rule in rules:
        if len(remaining) == 1:
            break
        best = min(remaining, key=rule.key)
        kept = [m for m in remaining if not rule.worse(m, best)]
        for m in remaining:
            if m not in kept:
                lost_on[m.candidate] = rule
        remaining = kept
        if len(remaining) == 1:
            decided_by = rule
    # still tied on everything: keep the best-ranked (input order), an explicit and stable choice
    return remaining[0], decided_by, lost_on
