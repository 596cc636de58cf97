"""The Framework Recommendation's weighted score: each candidate that passed the gates scored 0–1 on quality,
latency, cost, team-skill fit and maintenance burden, from its measured numbers, then summed with the spec's
normalised weights (`[package] weights`).

A summary for discussion, not the decision: the ADR decides with paired statistics, gates and equivalence,
which a weighted sum of point estimates cannot express. Pure functions, so tests can recompute every score.
A criterion not measured for every scored candidate is left out (its weight shared among the others) rather
than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness import fmt
from harness.package.context import Context
from harness.results import Measurement
from harness.spec import WEIGHT_KEYS
from harness.types import Family, SkillLevel

MAX_COMPLEXITY = 5  # candidates rate themselves 1 (a rule) … 5 (a fine-tuned transformer)
MAX_SKILL = SkillLevel.EXPERT.score

HOW: dict[str, str] = {  # how each criterion is scored, for the weights table
    "quality": "the share of the room above the best baseline that the candidate closes: the baseline's "
    "score is 0, a perfect score (1 for scores, 0 for errors) is 1; a tiny gain stays a tiny score",
    "latency": "p99 per request: headroom under the budget (1 − p99 / budget); without a budget, log-scaled "
    "between the fastest (1) and the slowest (0)",
    "cost": "cost per 1k predictions: headroom under the budget (1 − cost / budget); without a budget, "
    "log-scaled between the cheapest (1) and the dearest (0)",
    "skills": "the team's stated level (none, basic, proficient, expert: 0 to 1 in equal steps) in each "
    "framework the candidate needs, averaged; a candidate needing none scores 1",
    "maintenance": "the mean of: simplicity (complexity 1 of 5 → 1, 5 of 5 → 0), interpretable (1 or 0), "
    "CPU-only (1 or 0) and size (log-scaled between the smallest (1) and the largest (0))",
}


@dataclass(frozen=True)
class Score:
    value: float  # 0–1, higher is better
    why: str  # the measured numbers it comes from


@dataclass(frozen=True)
class Row:
    candidate: str
    family: Family
    verdict: str
    rank: int  # the ADR's rank on the optimizing metric
    scores: dict[str, Score]
    total: float


@dataclass(frozen=True)
class Scorecard:
    weights: dict[str, float]  # the spec's weights, normalised to sum to 1
    used: dict[str, float]  # over the criteria that could be scored, normalised again
    left_out: dict[str, str]  # criterion → why it was not scored
    rows: list[Row] = field(default_factory=list)  # best weighted total first; ties keep the ADR's order

    @property
    def top(self) -> Row | None:
        return self.rows[0] if self.rows else None


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def log_scaled(value: float, values: Sequence[float]) -> float:
    """1 for the smallest of `values`, 0 for the largest, log-scaled between (latency, cost and size span
    orders of magnitude); linear when a value is not positive; 1 for all when they are equal."""
    low, high = min(values), max(values)
    if high <= low:
        return 1.0
    if low > 0:
        return _clip((math.log(high) - math.log(value)) / (math.log(high) - math.log(low)))
    return _clip((high - value) / (high - low))


def headroom(value: float, budget: float) -> float:
    """1 − value / budget, clipped: the share of the budget left."""
    return _clip(1 - value / budget) if budget > 0 else 0.0


def quality_score(value: float, baseline: float, greater_is_better: bool) -> float:
    """The share of the room between the best baseline (0) and a perfect score (1) that `value` closes.

    Why not min-max between the baseline and the best candidate: that stretches a gain smaller than the
    noise (0.847 vs 0.838 ROC-AUC) to the whole 0–1 range. Scores in the catalog that grow are bounded by 1;
    errors (RMSE, MAE, log loss) by 0."""
    perfect = 1.0 if greater_is_better else 0.0
    room = perfect - baseline if greater_is_better else baseline - perfect
    gain = value - baseline if greater_is_better else baseline - value
    if room <= 0:
        return 1.0 if gain >= 0 else 0.0
    return _clip(gain / room)


def skills_score(needs: Sequence[str], team: dict[str, SkillLevel]) -> float:
    if not needs:
        return 1.0
    return sum(team.get(s, SkillLevel.NONE).score for s in needs) / (MAX_SKILL * len(needs))


def simplicity(complexity: int) -> float:
    return _clip((MAX_COMPLEXITY - complexity) / (MAX_COMPLEXITY - 1))


# ---- one criterion at a time: {candidate: Score} or the reason it cannot be scored ---------------------


def _quality(ctx: Context, ms: list[Measurement]) -> dict[str, Score] | str:
    values = {m.candidate: ctx.value(m) for m in ms}
    if any(v is None for v in values.values()):
        return f"{ctx.label} was not measured for every candidate"
    vals = {k: v for k, v in values.items() if v is not None}
    base_name = ctx.decision.best_baseline
    base = ctx.value(ctx.measurement(base_name))
    if base is None or base_name is None:
        base_name = min(vals, key=lambda k: vals[k] if ctx.greater_is_better else -vals[k])
        base = vals[base_name]
    out = {}
    for m in ms:
        v = vals[m.candidate]
        perfect = 1 if ctx.greater_is_better else 0
        why = (
            f"{ctx.label} {fmt.metric_with_ci(m, ctx.metric, ci_label='CI ')}, between the best baseline, "
            f"{base_name} ({fmt.fmt_metric(base)}), and a perfect {perfect}"
        )
        out[m.candidate] = Score(quality_score(v, base, ctx.greater_is_better), why)
    return out


def _budgeted(
    values: dict[str, float | None],
    budget: float | None,
    *,
    what: str,
    show: str,
    unit: str,
    missing: str,
) -> dict[str, Score] | str:
    if any(fmt.missing(v) for v in values.values()):
        return missing
    vals = {k: v for k, v in values.items() if v is not None}
    out = {}
    for name, v in vals.items():
        if budget is not None:
            score = headroom(v, budget)
            why = f"{what} {show_value(show, v)} {unit} of the {fmt.fmt_budget(budget)} {unit} budget"
        else:
            score = log_scaled(v, list(vals.values()))
            low, high = min(vals.values()), max(vals.values())
            why = (
                f"{what} {show_value(show, v)} {unit}; no budget set, so log-scaled between "
                f"{show_value(show, low)} and {show_value(show, high)} {unit}"
            )
        out[name] = Score(score, why)
    return out


def show_value(kind: str, value: float) -> str:
    """Latency, cost and size as the ADR prints them."""
    if kind == "ms":
        return fmt.fmt_ms(value)
    if kind == "usd":
        return fmt.cost_cell(value)
    return fmt.fmt_mb(int(value))


def _latency(ctx: Context, ms: list[Measurement]) -> dict[str, Score] | str:
    values = {m.candidate: (m.latency.p99_ms if m.latency else None) for m in ms}
    return _budgeted(
        values,
        ctx.spec.constraints.latency_p99_ms,
        what="p99",
        show="ms",
        unit="ms",
        missing="latency was not measured for every candidate",
    )


def _cost(ctx: Context, ms: list[Measurement]) -> dict[str, Score] | str:
    values = {m.candidate: m.cost_usd_per_1k for m in ms}
    why = (
        "cost was not priced: the spec sets no constraints.hardware_usd_per_hour"
        if ctx.spec.constraints.hardware_usd_per_hour is None
        else "cost was not measured for every candidate"
    )
    return _budgeted(
        values,
        ctx.spec.constraints.budget_usd_per_1k_predictions,
        what="per 1k predictions",
        show="usd",
        unit="USD",
        missing=why,
    )


def _skills(ctx: Context, ms: list[Measurement]) -> dict[str, Score] | str:
    team = ctx.spec.team_skills
    if not team:
        return "the spec states no team skills (team_skills)"
    out = {}
    for m in ms:
        if not m.skills:
            out[m.candidate] = Score(1.0, "needs no named framework")
            continue
        levels = ", ".join(
            f"{s} {team[s].value}" if s in team else f"{s} not stated (counted as none)" for s in m.skills
        )
        out[m.candidate] = Score(skills_score(m.skills, team), f"needs {levels}")
    return out


def _maintenance(ctx: Context, ms: list[Measurement]) -> dict[str, Score] | str:
    sizes = [m.size_bytes for m in ms]
    sized = all(s is not None and s > 0 for s in sizes)
    known = [float(s) for s in sizes if s is not None]
    out = {}
    for m in ms:
        parts = [simplicity(m.complexity), 1.0 if m.interpretable else 0.0, 0.0 if m.requires_gpu else 1.0]
        words = [
            f"complexity {m.complexity} of {MAX_COMPLEXITY}",
            "interpretable" if m.interpretable else "not interpretable",
            "needs a GPU" if m.requires_gpu else "CPU only",
        ]
        if sized and m.size_bytes is not None:
            parts.append(log_scaled(float(m.size_bytes), known))
            words.append(
                f"{fmt.fmt_mb(m.size_bytes)} MB (log-scaled between {fmt.fmt_mb(int(min(known)))} and "
                f"{fmt.fmt_mb(int(max(known)))} MB)"
            )
        out[m.candidate] = Score(sum(parts) / len(parts), ", ".join(words))
    return out


_CRITERIA = {
    "quality": _quality,
    "latency": _latency,
    "cost": _cost,
    "skills": _skills,
    "maintenance": _maintenance,
}


def score_candidates(ctx: Context) -> Scorecard:
    """Score every candidate that passed the gates on each criterion with a positive weight."""
    weights = ctx.spec.package.weights.normalised()
    survivors = ctx.survivors()
    ms = [m for _v, m in survivors]
    scored: dict[str, dict[str, Score]] = {}
    left_out: dict[str, str] = {}
    for key in WEIGHT_KEYS:
        if weights[key] <= 0:
            continue
        result = _CRITERIA[key](ctx, ms) if ms else {}
        if isinstance(result, str):
            left_out[key] = result
        else:
            scored[key] = result
    total_w = sum(weights[k] for k in scored)
    used = {k: weights[k] / total_w for k in scored} if total_w > 0 else {}
    rows = []
    for v, m in survivors:
        scores = {k: scored[k][m.candidate] for k in scored}
        total = sum(used[k] * s.value for k, s in scores.items())
        rows.append(Row(m.candidate, m.family, v.verdict, v.rank or 0, scores, total))
    rows.sort(key=lambda r: (-round(r.total, 9), r.rank))
    return Scorecard(weights=weights, used=used, left_out=left_out, rows=rows)
