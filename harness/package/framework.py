"""The Framework Recommendation (`framework-recommendation.md`): the weighted scorecard of the candidates that
passed the gates, each score explained from measured numbers, the rejected ones with why, and a plain word on
how the summary relates to what the ADR decided."""

from __future__ import annotations

from harness import fmt
from harness.package.context import FAMILY_SHORT, VERDICT_WORDS, Context, because_text
from harness.package.scoring import HOW, Row, Scorecard, score_candidates
from harness.spec import WEIGHT_KEYS

FILE = "framework-recommendation.md"
TITLE = "Framework Recommendation"
CRITERION_WORDS = {
    "quality": "Quality",
    "latency": "Latency",
    "cost": "Cost",
    "skills": "Team-skill fit",
    "maintenance": "Maintenance burden",
}


def render(ctx: Context) -> str:
    card = score_candidates(ctx)
    d = ctx.decision
    lines = [
        f"# {TITLE}: {ctx.spec.title}",
        "",
        f"For the decision recorded in [{ctx.links.adr_label}]({ctx.links.adr}) (run "
        f"{fmt.code(ctx.record.run_id)})."
        f" Optimizing metric: {ctx.label} ({ctx.direction}).",
        "",
        "> **A summary for discussion, not the decision.** The weighted score condenses each candidate's "
        "measured numbers into one figure, with weights the team chose. What was decided is the ADR's "
        f"decision: the gates, then {d.method} comparisons of every candidate on the same test rows and "
        "equivalence within a margin. A weighted sum of point estimates cannot tell a real difference from "
        "noise, so it never overrides the ADR.",
        "",
        *_agreement(ctx, card),
        "",
        "## Weights",
        "",
        *_weights(ctx, card),
        "",
        "## Scores",
        "",
        *_scores(card),
        "",
        "## How each score was reached",
        "",
        *_explained(card),
        "## Candidates that did not pass the gates",
        "",
        *_others(ctx),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _agreement(ctx: Context, card: Scorecard) -> list[str]:
    d = ctx.decision
    top = card.top
    chosen = d.recommended
    if top is None:
        return ["No candidate passed the gates, so there is nothing to score; the ADR chose no option."]
    if top.candidate == chosen:
        return [
            f'The top weighted score, "{top.candidate}" ({fmt.fmt_metric(top.total)}), is also the option '
            "the ADR chose."
        ]
    mine = next((r for r in card.rows if r.candidate == chosen), None)
    score = f", {fmt.fmt_metric(mine.total)}" if mine else ""
    lines = [
        f'**The top weighted score differs from the ADR\'s decision.** "{top.candidate}" scores '
        f'{fmt.fmt_metric(top.total)}; the ADR chose "{chosen}"{score}.',
        "",
    ]
    why: list[str] = []
    if mine is not None:
        ahead = [
            f"{CRITERION_WORDS[k].lower()} ({fmt.fmt_metric(s.value)} vs "
            f"{fmt.fmt_metric(mine.scores[k].value)})"
            for k, s in top.scores.items()
            if s.value > mine.scores[k].value
        ]
        if ahead:
            why.append(f'"{top.candidate}" scores higher on {", ".join(ahead)} under these weights.')
    why.append(f'The ADR chose "{chosen}" because {fmt.sentence(because_text(d.because))}')
    verdict = ctx.verdict(top.candidate)
    if verdict is not None and verdict.reasons:
        said = "; ".join(verdict.reasons)
        why.append(f'The ADR on "{top.candidate}": {fmt.sentence(said)}')
    if not d.justified:
        why.append(
            "No model beat the best baseline by more than the uncertainty of the measurement, which a "
            "weighted sum of point estimates does not see."
        )
    if d.tie_break:
        why.append(f"The ADR broke a statistical tie by {d.tie_break}.")
    return [*lines, " ".join(why)]


def _weights(ctx: Context, card: Scorecard) -> list[str]:
    written = "package" in ctx.spec.model_fields_set
    raw = ctx.spec.package.weights.raw()
    lines = [
        "| Criterion | Weight in the spec | Normalised | Used | Scored as |",
        "|---|---:|---:|---:|---|",
    ]
    for key in WEIGHT_KEYS:
        used = fmt.fmt_sig(card.used[key]) if key in card.used else fmt.DASH
        lines.append(
            f"| {CRITERION_WORDS[key]} | {fmt.fmt_sig(raw[key])} | {fmt.fmt_sig(card.weights[key])} | "
            f"{used} | {fmt.cell(HOW[key])} |"
        )
    source = (
        "The weights are the spec's `[package] weights`"
        if written
        else "The spec sets no `[package] weights`, so these are the defaults"
    )
    lines += ["", f"{source}, normalised to sum to 1. Every score is 0 (worst) to 1 (best)."]
    for key, reason in card.left_out.items():
        lines.append(
            f"{CRITERION_WORDS[key]} is not scored: {reason}; its weight is shared among the scored criteria "
            "(the Used column)."
        )
    return lines


def _scores(card: Scorecard) -> list[str]:
    if not card.rows:
        return ["No candidate passed the gates."]
    keys = list(card.used)
    head = " | ".join(CRITERION_WORDS[k] for k in keys)
    lines = [
        "Ordered by weighted score; the ADR's rank is on the optimizing metric among the candidates that "
        "passed the gates.",
        "",
        f"| Candidate | Family | ADR verdict (rank) | {head} | Weighted |",
        "|---|---|---|" + "---:|" * (len(keys) + 1),
    ]
    for row in card.rows:
        cells = " | ".join(fmt.fmt_metric(row.scores[k].value) for k in keys)
        name = f"**{row.candidate}**" if row.verdict == "recommended" else row.candidate
        verdict = f"{VERDICT_WORDS.get(row.verdict, row.verdict)} ({row.rank})"
        lines.append(
            f"| {name} | {FAMILY_SHORT.get(row.family, str(row.family))} | {verdict} | {cells} | "
            f"{fmt.fmt_metric(row.total)} |"
        )
    return lines


def _explained(card: Scorecard) -> list[str]:
    lines: list[str] = []
    for row in card.rows:
        lines += [f"### {row.candidate}: {fmt.fmt_metric(row.total)}", ""]
        lines += [_explain(row, key, card) for key in card.used]
        lines.append("")
    return lines or ["Nothing was scored.", ""]


def _explain(row: Row, key: str, card: Scorecard) -> str:
    s = row.scores[key]
    return (
        f"* {CRITERION_WORDS[key]} {fmt.fmt_metric(s.value)} (weight {fmt.fmt_sig(card.used[key])}): "
        f"{fmt.sentence(s.why)}"
    )


def _others(ctx: Context) -> list[str]:
    others = ctx.others()
    if not others:
        return ["Every measured candidate passed the gates."]
    lines = ["| Candidate | Family | Verdict | Why |", "|---|---|---|---|"]
    for name, family, verdict, why in others:
        reason = "; ".join(why) or "no reason recorded"
        lines.append(
            f"| {name} | {FAMILY_SHORT.get(family, str(family))} | {VERDICT_WORDS.get(verdict, verdict)} | "
            f"{fmt.cell(reason)} |"
        )
    return lines
