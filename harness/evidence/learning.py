"""Learning curves: each family's tuned configuration refitted on about 10/25/50% of the training rows and
scored on the same CV folds the selection used (without folds: fitted on part of train, scored on dev). The
100% point is the tuning's own fold score. Will more data help, and which family gains most from it?

From the curves, `crossing` extrapolates each family's score linearly in log(rows) and reports the training
volume at which another family would overtake the chosen one — an estimate, said to be one.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from harness.evidence.context import EvidenceContext, metric_on
from harness.evidence.model import CurvePoint, LearningCurve
from harness.types import Family

FRACTIONS = (0.1, 0.25, 0.5)
MAX_FOLDS = 3  # a curve's shape needs fewer folds than the selection did
MIN_ROWS = 20


def _sample(
    y: np.ndarray, rows: np.ndarray, fraction: float, rng: np.random.Generator, strat: bool
) -> np.ndarray:
    """About `fraction` of `rows`, keeping the class shares (classification) — nested across fractions
    because the permutation is drawn once per fold."""
    if not strat:
        return np.sort(rows[: max(MIN_ROWS, round(fraction * len(rows)))])
    keep = []
    for cls in np.unique(y[rows]):
        members = rows[y[rows] == cls]
        keep.append(members[: max(2, round(fraction * len(members)))])
    return np.sort(np.concatenate(keep))


def curve_of(ctx: EvidenceContext, name: str, deadline: float) -> LearningCurve | None:
    from harness.candidates import registry
    from harness.candidates.base import TrainingHooks
    from harness.measure.measurement import predict_in_batches
    from harness.protocol import subset

    m = ctx.measurements[name]
    tuning: dict[str, Any] = m.details.get("tuning") or {}
    params = tuning.get("params") or {}
    train, dev, task = ctx.train, ctx.dev, ctx.task
    strat = task.is_classification
    rng = np.random.default_rng(ctx.seed)
    plan = (ctx.folds or [(np.arange(len(train)), np.array([], dtype=int))])[:MAX_FOLDS]
    perms = [rng.permutation(fit) for fit, _ in plan]
    hooks = TrainingHooks(deadline=deadline)
    points: list[CurvePoint] = []
    for fraction in FRACTIONS:
        scores, rows_used = [], []
        for (_fit, held), perm in zip(plan, perms, strict=True):
            if time.monotonic() > deadline:
                break
            rows = _sample(train.y, perm, fraction, rng, strat)
            model: Any = registry.create(name, seed=ctx.seed, spec=ctx.spec, params=params)
            model.hooks = hooks
            try:
                model.fit(subset(train, rows, "curve-fit"), dev)
                target = subset(train, held, "curve-score") if len(held) else dev
                mv = metric_on(task, target.y, predict_in_batches(model, target), ctx.metric, seed=0)
            except Exception:  # a fraction too small for this family (one class, too few rows): no point
                mv = None
            if mv is not None:
                scores.append(mv.value)
                rows_used.append(len(rows))
        if len(scores) < len(plan):  # out of time (or a fold failed): a partial mean would mislead
            break
        points.append(_point(fraction, rows_used, scores))
    full = tuning.get("best_cv") if ctx.folds else None
    if full:  # the tuning's own fold scores: the same folds, all the fit rows
        points.append(_point(1.0, [len(f) for f, _ in plan], list(full)[: len(plan)]))
    elif name in ctx.dev_preds and len(dev):
        mv = metric_on(task, dev.y, ctx.dev_preds[name], ctx.metric, seed=0)
        if mv is not None:
            points.append(_point(1.0, [len(train)], [mv.value]))
    if len(points) < 2:
        return None
    return LearningCurve(candidate=name, points=points, slope_per_doubling=_slope(points))


def _point(fraction: float, rows: list[int], scores: list[float]) -> CurvePoint:
    return CurvePoint(
        fraction=fraction,
        rows=int(np.mean(rows)),
        mean=float(np.mean(scores)),
        sd=float(np.std(scores, ddof=1)) if len(scores) > 1 else None,
        folds=len(scores),
    )


def _slope(points: list[CurvePoint]) -> float | None:
    a, b = points[-2], points[-1]
    if a.rows <= 0 or b.rows <= a.rows:
        return None
    return (b.mean - a.mean) / math.log2(b.rows / a.rows)


def measure_learning_curves(ctx: EvidenceContext, budget_s: float) -> tuple[list[LearningCurve], str | None]:
    """One curve per candidate family, the chosen one first, while the budget lasts."""
    from harness.types import TaskKind

    if ctx.task.kind is TaskKind.QA:
        return [], "QA families index or fine-tune on the whole corpus: not refitted on fractions"
    deadline = min(ctx.deadline, time.monotonic() + budget_s)
    out, left = [], []
    for name in ctx.ranked():
        m = ctx.measurements[name]
        if m.family is Family.BASELINE and name != ctx.baseline:
            continue
        if time.monotonic() > deadline:
            left.append(name)
            continue
        curve = curve_of(ctx, name, deadline)
        if curve is not None:
            out.append(curve)
            if curve.points[0].fraction != FRACTIONS[0] or len(curve.points) < len(FRACTIONS) + 1:
                left.append(f"{name} (partly)")
    return out, (f"time budget spent before {', '.join(left)}" if left else None)


def crossing(curves: list[LearningCurve], chosen: str, greater_is_better: bool) -> list[tuple[str, int]]:
    """(family, training rows) where another candidate's extrapolated curve overtakes the chosen one's,
    within 10× the rows used today; fitted as score = a + b·log(rows) on each curve's points."""
    by = {c.candidate: c for c in curves}
    if chosen not in by or len(by[chosen].points) < 3:
        return []

    def fit(c: LearningCurve) -> tuple[float, float]:
        x = np.log([p.rows for p in c.points])
        y = np.array([p.mean for p in c.points]) * (1 if greater_is_better else -1)
        b, a = np.polyfit(x, y, 1)
        return float(a), float(b)

    a0, b0 = fit(by[chosen])
    now = by[chosen].points[-1].rows
    out = []
    for c in curves:
        if c.candidate == chosen or len(c.points) < 3:
            continue
        a, b = fit(c)
        if b <= b0:
            continue  # gains no faster than the chosen one: it never overtakes
        x = (a0 - a) / (b - b0)
        rows = int(math.exp(x))
        if now < rows <= 10 * now:
            out.append((c.candidate, rows))
    return sorted(out, key=lambda t: t[1])
