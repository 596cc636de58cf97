"""Sentences read off the run's evidence, shared by the package documents: a learning curve (is more data
still paying?), the stale-model failure mode and the monitoring signals (when to retrain)."""

from __future__ import annotations

from harness import fmt
from harness.evidence.model import FailureMode, LearningCurve
from harness.package.context import Context


def curve_of(ctx: Context, candidate: str) -> LearningCurve | None:
    ev = ctx.record.evidence
    if ev is None:
        return None
    return next((c for c in ev.learning_curves if c.candidate == candidate and c.points), None)


def still_rising(ctx: Context, curve: LearningCurve) -> bool | None:
    """Rising when the gain per doubling of the rows exceeds the decision's equivalence margin (the smallest
    difference the team counts), or 0 without one; None when the curve has no slope."""
    slope = curve.slope_per_doubling
    if slope is None or fmt.missing(slope):
        return None
    gain = slope if ctx.greater_is_better else -slope
    return gain > (ctx.decision.equivalence_margin or 0.0)


def curve_sentence(ctx: Context, candidate: str) -> str:
    """`ROC-AUC at 10% of the rows: 0.737 (21 rows) · …; per doubling +0.060: still rising.` or why not."""
    curve = curve_of(ctx, candidate)
    if curve is None:
        return f"Learning curve of {candidate}: {not_measured_why(ctx)}."
    points = " · ".join(
        f"{p.fraction:.0%}: {fmt.fmt_metric(p.mean)} ({fmt.fmt_int(p.rows)} rows)" for p in curve.points
    )
    text = f"Learning curve of {candidate} ({ctx.label} by share of the training rows of one fit): {points}"
    rising = still_rising(ctx, curve)
    if rising is None:
        return text + "; too few points to read a trend."
    slope = f"{curve.slope_per_doubling:+,.3f}"
    margin = ctx.decision.equivalence_margin
    bar = f"the {fmt.fmt_sig(margin)} equivalence margin" if margin else "zero"
    if rising:
        return (
            f"{text}. Over the last doubling it moved {slope}, more than {bar}: still rising, so more "
            "labelled "
            "rows are likely to pay."
        )
    return (
        f"{text}. Over the last doubling it moved {slope}, not more than {bar}: flat, so more rows of the "
        "same kind are unlikely to help much."
    )


def not_measured_why(ctx: Context) -> str:
    ev = ctx.record.evidence
    if ev is None:
        return "not measured (the run recorded no evidence)"
    skipped = ev.skipped.get("learning curves")
    return f"not measured ({skipped})" if skipped else "not measured for this candidate"


def stale_mode(ctx: Context) -> FailureMode | None:
    ev = ctx.record.evidence
    return next((f for f in ev.failure_modes if f.kind == "stale"), None) if ev else None


def monitoring_signals(ctx: Context) -> list[str]:
    ev = ctx.record.evidence
    return list(ev.monitoring.signals) if ev is not None and ev.monitoring is not None else []
