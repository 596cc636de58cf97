"""The options of a decision as the ADR shows them: one per candidate with its verdict, and the Good /
Neutral / Bad bullets derived from its measured numbers (Considered Options, Pros and Cons, the evidence
table)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from harness import fmt, gates
from harness.adr.evidence import option_bullets
from harness.evidence.model import Evidence
from harness.fmt import (
    fmt_int,
    fmt_mb,
    fmt_metric,
    fmt_ms,
    fmt_seconds,
    metric_label,
)
from harness.measure.catalog import SECONDARY_METRICS
from harness.record import RunRecord
from harness.results import CandidateVerdict, Decision, Measurement
from harness.spec import Constraints, DecisionSpec
from harness.types import Family, SkillLevel

_DASH = "—"  # shown for a number that was not measured
# Money is written "0.01 USD", never "$0.01": GitHub renders text between two dollar signs as math.

FAMILY_WORDS: dict[Family, str] = {
    Family.BASELINE: "baseline: a simple reference model that every other option must beat",
    Family.LINEAR: "linear model: logistic or ridge regression on standardised and one-hot features",
    Family.FOREST: "bagged decision trees: a random forest or extra-trees ensemble",
    Family.GBT: "gradient-boosted decision trees",
    Family.NEURAL: "neural network trained on this data",
    Family.RAG: "retrieval-augmented generation: search a knowledge base, then answer",
    Family.FINETUNE: "fine-tuned pretrained model",
    Family.PROMPT: "prompt-only use of a pretrained language model",
}
FAMILY_SHORT: dict[Family, str] = {
    Family.BASELINE: "baseline",
    Family.LINEAR: "linear",
    Family.FOREST: "random forest",
    Family.GBT: "gradient-boosted trees",
    Family.NEURAL: "neural net",
    Family.RAG: "RAG",
    Family.FINETUNE: "fine-tune",
    Family.PROMPT: "prompt-only",
}
VERDICT_WORDS: dict[str, str] = {
    "recommended": "recommended",
    "runner_up": "runner-up",
    "baseline": "baseline",
    "not_justified": "not justified over the baseline",
    "rejected": "rejected",
    "failed": "failed",
    "skipped": "not run",
}
_VERDICT_ORDER = ["recommended", "runner_up", "not_justified", "baseline", "rejected", "failed", "skipped"]
_SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}
_POLARITY_ORDER = {"Good": 0, "Neutral": 1, "Bad": 2}

NO_JUSTIFIED_MODEL = "No model is yet justified over the baseline."


@dataclass(frozen=True)
class _Option:
    name: str
    family: Family
    measurement: Measurement | None
    verdict: CandidateVerdict | None

    @property
    def verdict_key(self) -> str:
        if self.verdict is not None:
            return self.verdict.verdict
        return "failed" if self.measurement is not None and not self.measurement.ok else "rejected"


def _options(record: RunRecord, decision: Decision) -> list[_Option]:
    """Every candidate, measured or judged, in reading order: chosen first, then by rank, failures last."""
    verdicts = {v.candidate: v for v in decision.verdicts}
    seen: dict[str, _Option] = {}
    for m in record.measurements:
        seen[m.candidate] = _Option(m.candidate, m.family, m, verdicts.get(m.candidate))
    for v in decision.verdicts:
        if v.candidate not in seen:
            seen[v.candidate] = _Option(v.candidate, v.family, None, v)
    original = {name: i for i, name in enumerate(seen)}

    def key(o: _Option) -> tuple[int, int, int]:
        rank = o.verdict.rank if o.verdict and o.verdict.rank is not None else 10**6
        return (_VERDICT_ORDER.index(o.verdict_key), rank, original[o.name])

    return sorted(seen.values(), key=key)


# ---- bullets derived from the numbers ---------------------------------------------------------------------

_Bullet = tuple[str, str]  # (Good | Neutral | Bad, text after "because")


def _constraint_bullets(m: Measurement, c: Constraints, *, has_violations: bool) -> list[_Bullet]:
    """Each measured number against its budget (harness.gates): within → Good (with headroom), over → Bad,
    unset → Neutral. When decide already listed violations, over-budget bullets are left to those."""
    return gates.bullets(m, c, has_violations=has_violations)


def _skill_bullets(m: Measurement, team: dict[str, SkillLevel]) -> list[_Bullet]:
    if not m.skills:
        return []
    known = [s for s in m.skills if team.get(s, SkillLevel.NONE).score >= SkillLevel.PROFICIENT.score]
    gaps = [s for s in m.skills if s in team and s not in known]
    unstated = [s for s in m.skills if s not in team]
    out: list[_Bullet] = []
    if known:
        out.append(("Good", "the team already works with " + ", ".join(f"{s} ({team[s]})" for s in known)))
    if gaps:
        described = ", ".join(f"{s} ({team[s]})" for s in gaps)
        out.append(("Bad", f"it needs skills the team lacks: {described}"))
    if unstated:  # an unstated skill is unknown, not missing
        out.append(("Neutral", f"it needs {', '.join(unstated)}; the team did not state its skill there"))
    return out


def _sorted_bullets(bullets: Iterable[_Bullet]) -> list[str]:
    ordered = sorted(enumerate(bullets), key=lambda ib: (_POLARITY_ORDER[ib[1][0]], ib[0]))
    return [f"* {polarity}, because {fmt.sentence(text)}" for _, (polarity, text) in ordered]


def _considered(options: list[_Option]) -> list[str]:
    return [f"* {o.name} — {_describe(o)}" for o in options]


def _describe(o: _Option) -> str:
    from harness.candidates.registry import about

    rule = o.measurement.details.get("rule") if o.measurement is not None else None
    if rule:  # a baseline that says what it is (the single-feature rule names its feature)
        return f"baseline: {rule}"
    return about(o.name) or FAMILY_WORDS.get(o.family, str(o.family))


def _pros_and_cons(
    spec: DecisionSpec, decision: Decision, options: list[_Option], evidence: Evidence | None = None
) -> list[str]:
    metric, label = decision.metric, metric_label(decision.metric)
    n_ranked = sum(1 for o in options if o.verdict and o.verdict.rank is not None)
    lines: list[str] = []
    for o in options:
        m, v = o.measurement, o.verdict
        verdict = VERDICT_WORDS.get(o.verdict_key, o.verdict_key)
        rank = f" (rank {v.rank} of {n_ranked} that passed the gates)" if v and v.rank is not None else ""
        family = _describe(o)
        reasons = [r for r in (v.reasons if v else []) if m is None or m.ok or r != m.reason]
        why = f" {fmt.capitalized(fmt.sentence('; '.join(reasons)))}" if reasons else ""
        lines += ["", f"### {o.name}", "", f"{family[0].upper()}{family[1:]} — **{verdict}**{rank}.{why}", ""]
        bullets: list[_Bullet] = []
        if m is not None and not m.ok:
            why = m.reason or "no reason recorded"
            if m.status == "skipped":
                bullets.append(("Neutral", f"it was skipped: {why}"))
            elif m.status == "timed_out":
                bullets.append(("Bad", f"it ran past its time budget: {why}"))
            elif m.status == "cancelled":
                bullets.append(("Neutral", f"it was cancelled before it finished: {why}"))
            else:
                bullets.append(("Bad", f"it failed: {why}"))
        if m is not None and m.ok and metric in m.metrics:
            polarity = "Good" if v is not None and v.rank == 1 else "Neutral"
            best = "the best " if polarity == "Good" else ""
            bullets.append(
                (
                    polarity,
                    f"it scores {best}{label} {fmt.metric_with_ci(m, metric, ci_label='95% CI ')} "
                    "on the test split",
                )
            )
        for violation in v.violations if v else []:
            bullets.append(("Bad", violation))
        if m is not None and m.ok:
            bullets += _constraint_bullets(m, spec.constraints, has_violations=bool(v and v.violations))
        if m is not None:
            bullets += _skill_bullets(m, spec.team_skills)
            if m.ok:
                bullets += option_bullets(evidence, m.candidate, metric, decision.best_baseline)
            if m.ok and m.train_time_s is not None:
                shared = m.details.get("shared_work_s")
                extra = f", after {fmt_seconds(shared)} s of shared work (embeddings reused by others)"
                bullets.append(
                    ("Neutral", f"it trains in {fmt_seconds(m.train_time_s)} s{extra if shared else ''}")
                )
        lines += _sorted_bullets(bullets) or ["* Neutral, because nothing was measured for it"]
    return lines[1:]


def _evidence(record: RunRecord, decision: Decision, options: list[_Option]) -> list[str]:
    metric = decision.metric
    secondary = [s for s in SECONDARY_METRICS.get(record.task.kind, ()) if s != metric]
    header = [
        "Candidate",
        "Family",
        f"{metric_label(metric)} (95% CI)",
        "Other metrics",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "Throughput rows/s",
        "Size MB",
        "Train s",
        "Cost USD/1k",
        "Verdict",
    ]
    align = ["---", "---", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]
    rows = [f"| {' | '.join(header)} |", f"|{'|'.join(align)}|"]
    for o in options:
        m, v = o.measurement, o.verdict
        verdict = VERDICT_WORDS.get(o.verdict_key, o.verdict_key)
        if v and v.rank is not None:
            verdict += f" (#{v.rank})"
        if m is not None and not m.ok:
            verdict += f": {fmt.short(m.reason or m.status, 120)}"
        elif v and v.violations:
            verdict += f": {fmt.short('; '.join(v.violations), 120)}"
        name = f"**{o.name}**" if o.name == decision.recommended else o.name
        if m is None:
            cells = [name, FAMILY_SHORT.get(o.family, str(o.family))] + [_DASH] * 9 + [verdict]
        else:
            others = [s for s in secondary if s in m.metrics]
            others += sorted(k for k in m.metrics if k != metric and k not in others)
            lat = m.latency
            cells = [
                name,
                FAMILY_SHORT.get(o.family, str(o.family)),
                fmt.metric_with_ci(m, metric),
                " · ".join(f"{metric_label(k)} {fmt_metric(m.metrics[k].value)}" for k in others) or _DASH,
                fmt_ms(lat.p50_ms if lat else None),
                fmt_ms(lat.p95_ms if lat else None),
                fmt_ms(lat.p99_ms if lat else None),
                fmt_int(m.throughput_rows_per_s),
                fmt_mb(m.size_bytes),
                fmt_seconds(m.train_time_s),
                fmt.cost_cell(m.cost_usd_per_1k),
                verdict,
            ]
        rows.append("| " + " | ".join(fmt.cell(c) for c in cells) + " |")
    test_rows = record.splits.sizes.get("test")
    batch = next((m.batch_size for m in record.measurements if m.batch_size), None)
    note = (
        f"Quality on the held-out test split{f' ({test_rows:,} rows)' if test_rows else ''}, "
        "with bootstrap 95% confidence intervals. Latency is per request (a batch of one, warm, on the real "
        "predict path); "
        f"throughput is measured on batches{f' of {batch:,} rows' if batch else ''}. "
        "Size is the serialized model (and index); cost prices the serving hardware per 1,000 predictions."
    )
    return [note, "", *rows]
