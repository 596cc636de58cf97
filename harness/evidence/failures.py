"""The chosen model's three most likely failures, each with measured evidence and a designed response:
confidently wrong (or, for regression, the prediction band with the largest errors), out of the training
distribution (unseen categories, out-of-range numbers, text far from every training text), and stale (the
metric over successive time windows of test). Ordered by measured severity.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.evidence.context import EvidenceContext, advantage, metric_on, take
from harness.evidence.model import FailureMode
from harness.measure.catalog import METRICS
from harness.types import TaskKind

CONFIDENT = 0.9
WINDOWS = 4


def _labels(preds: object) -> np.ndarray | None:
    labels = getattr(preds, "labels", None)
    proba = getattr(preds, "proba", None)
    if labels is not None:
        return np.asarray(labels)
    return None if proba is None else np.asarray(proba).argmax(axis=1)


def confident_wrong(ctx: EvidenceContext, name: str) -> FailureMode | None:
    preds, y = ctx.test_preds[name], ctx.test.y
    if preds.proba is None:
        return None
    proba = np.asarray(preds.proba, dtype=float)
    threshold = ctx.measurements[name].details.get("threshold")
    labels = _labels(preds)
    if threshold is not None and ctx.task.kind is TaskKind.BINARY:
        pos = 1 if ctx.task.positive_index is None else ctx.task.positive_index
        labels = np.where(proba[:, pos] >= threshold, pos, 1 - pos)
    assert labels is not None
    confidence = proba[np.arange(len(y)), labels]
    wrong = labels != y.astype(int)
    n_wrong = int(wrong.sum())
    if n_wrong == 0:
        return FailureMode(
            kind="confident_wrong",
            title="Confidently wrong",
            evidence="no test row was misclassified",
            response="none needed on this test set",
            severity=0.0,
        )
    sure = float(np.mean(confidence[wrong] >= CONFIDENT))
    order = np.argsort(confidence)
    k = max(1, len(y) // 10)
    caught = float(wrong[order[:k]].sum() / n_wrong)
    cut = float(confidence[order[k - 1]])
    return FailureMode(
        kind="confident_wrong",
        title="Confidently wrong",
        evidence=f"{sure:.0%} of the {n_wrong:,} test errors were made with confidence ≥ {CONFIDENT:g} "
        f"(no threshold on confidence can catch those)",
        response=f"abstain below confidence {cut:.2f}: routing those {k:,} least-confident rows (10%) "
        f"to human review removes {caught:.0%} of the errors",
        severity=sure,
    )


def residual_band(ctx: EvidenceContext, name: str) -> FailureMode | None:
    preds, y = ctx.test_preds[name], ctx.test.y.astype(float)
    if preds.values is None:
        return None
    values = np.asarray(preds.values, dtype=float)
    abs_err = np.abs(values - y)
    edges = np.unique(np.quantile(values, [0.2, 0.4, 0.6, 0.8]))
    bands = np.digitize(values, edges)
    worst, worst_mae = 0, -1.0
    for b in np.unique(bands):
        mae = float(abs_err[bands == b].mean())
        if mae > worst_mae:
            worst, worst_mae = int(b), mae
    bounds = [float(values.min()), *edges.tolist(), float(values.max())]
    low, high = bounds[worst], bounds[worst + 1]
    overall = float(abs_err.mean())
    rows = bands == worst
    response = f"flag predictions in [{low:.3g}, {high:.3g}] for review or report them with a wider interval"
    base = ctx.test_preds.get(ctx.baseline or "")
    if base is not None and base.values is not None and ctx.baseline != name:
        base_mae = float(np.abs(np.asarray(base.values, dtype=float)[rows] - y[rows]).mean())
        if base_mae < worst_mae:
            response = (
                f"fall back to {ctx.baseline} for predictions in [{low:.3g}, {high:.3g}] "
                f"(its mean error there is {base_mae:.3g})"
            )
    return FailureMode(
        kind="residual_band",
        title="Largest errors in one prediction band",
        evidence=f"predictions in [{low:.3g}, {high:.3g}] ({int(rows.sum()):,} rows) have mean absolute "
        f"error {worst_mae:.3g}, {worst_mae / max(overall, 1e-12):.1f}× the overall {overall:.3g}",
        response=response,
        severity=min(1.0, (worst_mae / max(overall, 1e-12) - 1.0) / 2),
    )


def outside_support(ctx: EvidenceContext) -> tuple[np.ndarray, list[str]]:
    """Test rows outside the training support, and what put them there."""
    train, test, task = ctx.train.X, ctx.test.X, ctx.task
    out = np.zeros(len(ctx.test), dtype=bool)
    reasons: list[str] = []
    for c in task.categorical_columns:
        seen = set(train.get_column(c).drop_nulls().cast(pl.String).to_list())
        values = test.get_column(c).cast(pl.String).to_numpy()
        hit = np.array([v is not None and v not in seen for v in values])
        if hit.any():
            out |= hit
            reasons.append(f"unseen {c} ({int(hit.sum()):,})")
    for c in task.numeric_columns:
        col = train.get_column(c).cast(pl.Float64)
        lo, hi = col.min(), col.max()
        if lo is None or hi is None:
            continue
        x = test.get_column(c).cast(pl.Float64).to_numpy()
        hit = np.isfinite(x) & ((x < lo) | (x > hi))
        if hit.any():
            out |= hit
            reasons.append(f"{c} outside the training range ({int(hit.sum()):,})")
    for c in task.text_columns:
        hit = _far_texts(ctx, c)
        if hit.any():
            out |= hit
            reasons.append(f"{c} far from every training text ({int(hit.sum()):,})")
    return out, reasons


def _far_texts(ctx: EvidenceContext, column: str) -> np.ndarray:
    """Test texts whose nearest training text (TF-IDF cosine) is farther than for 95% of dev texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = [str(t or "") for t in ctx.train.X.get_column(column).to_list()]
    test = [str(t or "") for t in ctx.test.X.get_column(column).to_list()]
    dev = [str(t or "") for t in ctx.dev.X.get_column(column).to_list()] or test
    vec = TfidfVectorizer(min_df=1, sublinear_tf=True).fit(train)
    T = vec.transform(train)

    def nearest(texts: list[str]) -> np.ndarray:
        return np.asarray((vec.transform(texts) @ T.T).max(axis=1).todense()).ravel()

    cut = float(np.quantile(nearest(dev), 0.05))
    return nearest(test) < cut


def out_of_distribution(ctx: EvidenceContext, name: str) -> FailureMode:
    task, y, metric = ctx.task, ctx.test.y, ctx.metric
    label = METRICS[metric].label
    if task.kind is TaskKind.QA:
        return _qa_unseen(ctx, name)
    far, reasons = outside_support(ctx)
    n_far = int(far.sum())
    if n_far < ctx.spec.evidence.min_slice_rows:
        return FailureMode(
            kind="out_of_distribution",
            title="Out of distribution",
            evidence=f"{n_far:,} test {'row lies' if n_far == 1 else 'rows lie'} outside the training "
            "support; too few to score "
            f"(need {ctx.spec.evidence.min_slice_rows})",
            response="log rows with unseen categories or out-of-range values in production: they are the "
            "first drift signal",
            severity=0.0,
            measured=n_far > 0,
        )
    rows, inside = np.flatnonzero(far), np.flatnonzero(~far)
    preds = ctx.test_preds[name]
    on = metric_on(task, y[rows], take(preds, rows), metric, seed=ctx.seed, n_boot=300)
    off = metric_on(task, y[inside], take(preds, inside), metric, seed=ctx.seed, n_boot=300)
    if on is None or off is None:
        return FailureMode(
            kind="out_of_distribution",
            title="Out of distribution",
            evidence=f"{n_far:,} test rows ({n_far / len(y):.0%}) lie outside the training support "
            f"({'; '.join(reasons)}); {label} is undefined on them",
            response="route such rows to human review until they are labelled",
            severity=n_far / len(y),
        )
    drop = advantage(off.value, on.value, ctx.greater_is_better)
    response = "route rows outside the training support to human review and add them to the next training set"
    base = ctx.test_preds.get(ctx.baseline or "")
    if base is not None and ctx.baseline != name:
        b = metric_on(task, y[rows], take(base, rows), metric, seed=ctx.seed)
        if b is not None and advantage(b.value, on.value, ctx.greater_is_better) > 0:
            response = (
                f"fall back to {ctx.baseline} on rows outside the training support "
                f"({label} {b.value:.3f} there)"
            )
    return FailureMode(
        kind="out_of_distribution",
        title="Out of distribution",
        evidence=f"{n_far:,} test rows ({n_far / len(y):.0%}) lie outside the training support "
        f"({'; '.join(reasons[:3])}): {label} {on.show()} on them vs {off.show()} inside",
        response=response,
        severity=max(drop, 0.0) * 10 * n_far / len(y) + (0.05 if drop > 0 else 0.0),
    )


def _qa_unseen(ctx: EvidenceContext, name: str) -> FailureMode:
    """QA: questions whose gold document no training question points at — knowledge the model was never
    shown; a fine-tuned model meets them in production every time a document is added."""
    from harness.measure.qa import score_qa_slices

    label = METRICS[ctx.metric].label
    unseen = ctx.test.extra.get("unseen_doc")
    n = 0 if unseen is None else int(np.sum(unseen))
    if unseen is None or n == 0:
        return FailureMode(
            kind="out_of_distribution",
            title="Questions about unseen documents",
            evidence="every test question's document is also behind some training question: new knowledge "
            "is not in this test",
            response="re-index on every document change and track unanswered questions",
            measured=False,
        )
    mask = np.asarray(unseen, dtype=bool)
    found = score_qa_slices(
        ctx.task,
        ctx.test.y,
        ctx.test_preds[name],
        [ctx.metric],
        ctx.seed,
        {"unseen": mask, "seen": ~mask},
        300,
        gold_doc_ids=ctx.test.extra.get("doc_ids"),
    )
    on, off = found.get("unseen", {}).get(ctx.metric), found.get("seen", {}).get(ctx.metric)
    if on is None or off is None:
        return FailureMode(
            kind="out_of_distribution",
            title="Questions about unseen documents",
            evidence=f"{n:,} test questions ask about documents no training question covers; {label} is "
            "undefined on one side",
            response="route such questions to human review",
            measured=False,
        )
    drop = advantage(off.value, on.value, ctx.greater_is_better)
    return FailureMode(
        kind="out_of_distribution",
        title="Questions about unseen documents",
        evidence=f"{n:,} test questions ({n / len(mask):.0%}) ask about documents no training question "
        f"covers: {label} {on.show()} on them vs {off.show()} on the rest",
        response="keep retrieval over the live index (re-index on every document change) and route "
        "low-confidence answers about new documents to human review",
        severity=max(drop, 0.0) * 10 * n / len(mask) + (0.05 if drop > 0 else 0.0),
    )


def staleness(ctx: EvidenceContext, name: str) -> FailureMode:
    from scipy.stats import linregress

    task, metric = ctx.task, ctx.metric
    label = METRICS[metric].label
    times = ctx.test.extra.get("times")
    if task.kind is TaskKind.QA:
        days = ctx.spec.constraints.knowledge_freshness_days
        return FailureMode(
            kind="stale",
            title="Stale knowledge",
            evidence=f"the knowledge-freshness constraint is {days} day{'s' if days != 1 else ''}"
            if days is not None
            else "no knowledge-freshness constraint was stated",
            response=f"rebuild the index at least every {'day' if days == 1 else f'{days} days'}"
            if days is not None
            else "state constraints.knowledge_freshness_days and rebuild the index at that cadence",
            measured=False,
        )
    if times is None or ctx.spec.data.time_column is None:
        return FailureMode(
            kind="stale",
            title="Stale model",
            evidence="no time column: decay over time cannot be measured on this data",
            response='set data.time_column (and split = "time") to measure it; until then retrain on a '
            "fixed cadence and watch the monitoring signals below",
            measured=False,
        )
    order = np.argsort(np.asarray(times), kind="stable")
    windows = [w for w in np.array_split(order, WINDOWS) if len(w)]
    preds, y = ctx.test_preds[name], ctx.test.y
    scores = [metric_on(task, y[w], take(preds, w), metric, seed=ctx.seed) for w in windows]
    if any(s is None for s in scores) or len(windows) < 3:
        return FailureMode(
            kind="stale",
            title="Stale model",
            evidence=f"{label} is undefined on some time windows of test (too few rows or one class)",
            response="retrain on a fixed cadence; measure again with more recent labelled data",
            measured=False,
        )
    values = [s.value for s in scores if s is not None]
    fit = linregress(np.arange(len(values)), values)
    decay = -advantage(float(fit.slope), 0.0, ctx.greater_is_better)  # > 0: getting worse per window
    span = _span(np.asarray(times)[order])
    per = f" (≈ {span / len(windows):.0f} days each)" if span else ""
    shown = ", ".join(f"{v:.3f}" for v in values)
    split = ctx.strategy
    caveat = (
        ""
        if split == "time"
        else (
            f"; the split is {split}, so test spans the training period: this is variation over time, not "
            "decay after training"
        )
    )
    if decay > 0 and fit.pvalue < 0.1:
        # how far it may fall before retraining: the decision's own equivalence margin (else 2%)
        margin = ctx.decision.equivalence_margin or abs(values[0]) * 0.02
        windows_to = max(margin, 1e-9) / decay
        days = round(max(windows_to * span / len(windows), 1)) if span else None
        cadence = f"{windows_to:.1f} test windows" if days is None else f"{days} days" if days > 1 else "day"
        response = (
            f"retrain at least every {cadence}: {label} falls by {decay:.3f} per window{per}, and "
            f"{margin:.3f} is the margin the decision treats as no difference; alert when the monitored "
            "score distribution drifts"
        )
        severity = min(1.0, decay / max(abs(values[0]), 1e-9) * 5)
    else:
        response = (
            "no measurable decay across test; retrain on a fixed cadence and watch the monitoring signals"
        )
        severity = 0.0
    return FailureMode(
        kind="stale",
        title="Stale model",
        evidence=f"{label} over {len(values)} successive time windows of test{per}: {shown} "
        f"(slope {fit.slope:+.4f} per window, p = {fit.pvalue:.2f}){caveat}",
        response=response,
        severity=severity,
    )


def _span(times: np.ndarray) -> float | None:
    """Days covered by `times` (datetime64 or numbers taken as days), or None."""
    try:
        if np.issubdtype(times.dtype, np.datetime64):
            return float((times[-1] - times[0]) / np.timedelta64(1, "D"))
    except TypeError:
        return None
    return None


def failure_modes(ctx: EvidenceContext, name: str) -> list[FailureMode]:
    if ctx.task.kind is TaskKind.REGRESSION:
        first = residual_band(ctx, name)
    elif ctx.task.kind is TaskKind.QA:
        first = None  # answers carry no confidence to abstain on
    else:
        first = confident_wrong(ctx, name)
    modes = [m for m in (first, out_of_distribution(ctx, name), staleness(ctx, name)) if m is not None]
    return sorted(modes, key=lambda m: (not m.measured, -m.severity))[:3]
