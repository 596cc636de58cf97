"""Slices: the optimizing metric per segment of the test rows, with CIs, and the hidden regressions — a
candidate that beats the baseline overall but is significantly worse than it on a segment with enough rows.

Segments: each low-cardinality categorical column, every `[evidence] slice_columns` entry (numeric ones in
quartile bins cut on the training rows), text length quartiles for text tasks. Per slice the candidate and the
best baseline are scored on the same bootstrap resamples of the slice's rows, so the comparison is paired;
the one-sided p-values of one candidate's slices are Holm-corrected together.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl

from harness.evidence.context import EvidenceContext, advantage, metric_on, take
from harness.evidence.model import CandidateSlices, ClassScore, ConfusedPair, Interval, SliceScore
from harness.measure.paired import holm, paired_difference
from harness.results import MetricValue
from harness.types import TaskKind

N_BOOT = 300  # per slice: enough for a 95% CI and a p-value, cheap across many slices
QUANTILE_BINS = 4


def segments(ctx: EvidenceContext) -> Iterator[tuple[str, str, np.ndarray]]:
    """(column, label, row indices into test) for every slice worth scoring."""
    opts = ctx.spec.evidence
    test, train, task = ctx.test.X, ctx.train.X, ctx.task
    named = [c for c in opts.slice_columns if c in test.columns]
    auto = [
        c
        for c in task.categorical_columns
        if c not in named and test.get_column(c).n_unique() <= opts.max_slice_categories
    ]
    for column in [*named, *auto]:
        values = test.get_column(column)
        if values.dtype.is_numeric() and values.n_unique() > opts.max_slice_categories:
            yield from _numeric_bins(column, values, train.get_column(column))
            continue
        labels = values.cast(pl.String).fill_null("(missing)").to_numpy()
        for value in sorted(set(labels.tolist()), key=str):
            yield column, f"{column} = {value}", np.flatnonzero(labels == value)
    for column in task.text_columns:
        words = np.array([len(str(t or "").split()) for t in test.get_column(column).to_list()])
        yield from _numeric_bins(f"{column} length (words)", pl.Series(words), pl.Series(words))


def _numeric_bins(column: str, values: pl.Series, train: pl.Series) -> Iterator[tuple[str, str, np.ndarray]]:
    x = values.cast(pl.Float64).to_numpy()
    ref = train.cast(pl.Float64).drop_nulls().to_numpy()
    ref = ref[np.isfinite(ref)]
    if len(ref) == 0:
        return
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1]))
    missing = ~np.isfinite(x)
    bins = np.digitize(np.where(missing, 0.0, x), edges)
    bounds = [-np.inf, *edges.tolist(), np.inf]
    for b in range(len(bounds) - 1):
        rows = np.flatnonzero((bins == b) & ~missing)
        low, high = bounds[b], bounds[b + 1]
        if np.isinf(low):
            label = f"{column} < {_num(high)}"
        elif np.isinf(high):
            label = f"{column} ≥ {_num(low)}"
        else:
            label = f"{column} in [{_num(low)}, {_num(high)})"
        yield column, label, rows
    if missing.any():
        yield column, f"{column} missing", np.flatnonzero(missing)


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _beats_baseline_overall(ctx: EvidenceContext, name: str) -> bool:
    base = ctx.baseline if ctx.baseline != name else None
    overall = ctx.measurements[name].metrics.get(ctx.metric)
    ref = ctx.measurements[base].metrics.get(ctx.metric) if base else None
    return bool(overall and ref and advantage(overall.value, ref.value, ctx.greater_is_better) > 0)


def _flag_hidden(slices: list[SliceScore], p_raw: dict[str, float], beats_overall: bool) -> None:
    """Holm across one candidate's slices; a hidden regression is a significant loss to the baseline on a
    slice by a candidate that beats it overall."""
    adjusted = holm(p_raw) if p_raw else {}
    for s in slices:
        if s.label in adjusted:
            s.p_worse = adjusted[s.label]
            s.hidden_regression = bool(
                beats_overall and s.vs_baseline is not None and s.vs_baseline.value < 0 and s.p_worse < 0.05
            )


def slice_candidate(
    ctx: EvidenceContext, name: str, segs: list[tuple[str, str, np.ndarray]]
) -> CandidateSlices:
    task, y, metric, gib = ctx.task, ctx.test.y, ctx.metric, ctx.greater_is_better
    preds = ctx.test_preds[name]
    base_name = ctx.baseline if ctx.baseline != name else None
    base = ctx.test_preds.get(base_name) if base_name else None
    beats_overall = _beats_baseline_overall(ctx, name)
    out: list[SliceScore] = []
    p_raw: dict[str, float] = {}
    for column, label, rows in segs:
        if len(rows) < ctx.spec.evidence.min_slice_rows:
            continue
        seed = ctx.seed + len(rows)  # same resamples for the candidate and the baseline on this slice
        mv = metric_on(task, y[rows], take(preds, rows), metric, seed=seed, n_boot=N_BOOT)
        s = SliceScore(column=column, label=label, rows=len(rows))
        if mv is not None:
            s.score = Interval(value=mv.value, low=mv.ci_low, high=mv.ci_high)
            if base is not None:
                bv = metric_on(task, y[rows], take(base, rows), metric, seed=seed, n_boot=N_BOOT)
                d = paired_difference(name, mv, str(base_name), bv, greater_is_better=gib) if bv else None
                if bv is not None:
                    s.baseline = bv.value
                if d is not None:
                    s.vs_baseline = Interval(value=d.better, low=d.better_low, high=d.better_high)
                    p_raw[label] = d.p_not_worse
        out.append(s)
    _flag_hidden(out, p_raw, beats_overall)
    scored = [s for s in out if s.score is not None]
    worst = None
    if scored:
        pick = min if gib else max
        worst = pick(scored, key=lambda s: s.score.value if s.score else 0.0)
    result = CandidateSlices(candidate=name, slices=out, worst=worst)
    if task.kind is TaskKind.MULTICLASS:
        result.per_class, result.confused = _classes(ctx, preds)
    return result


def _classes(ctx: EvidenceContext, preds: object) -> tuple[list[ClassScore], list[ConfusedPair]]:
    from sklearn.metrics import confusion_matrix, f1_score

    task, y = ctx.task, ctx.test.y
    labels = getattr(preds, "labels", None)
    proba = getattr(preds, "proba", None)
    if labels is None and proba is not None:
        labels = np.asarray(proba).argmax(axis=1)
    if labels is None:
        return [], []
    k = task.n_classes
    f1 = f1_score(y, labels, labels=list(range(k)), average=None, zero_division=0)
    support = np.bincount(y, minlength=k)
    per_class = sorted(
        (ClassScore(label=str(task.classes[i]), f1=float(f1[i]), support=int(support[i])) for i in range(k)),
        key=lambda c: (c.f1, -c.support),
    )
    cm = confusion_matrix(y, labels, labels=list(range(k)))
    np.fill_diagonal(cm, 0)
    pairs = []
    for flat in np.argsort(cm, axis=None)[::-1][:5]:
        i, j = divmod(int(flat), k)
        if cm[i, j] == 0:
            break
        pairs.append(
            ConfusedPair(
                true=str(task.classes[i]),
                predicted=str(task.classes[j]),
                count=int(cm[i, j]),
                share_of_true=float(cm[i, j] / max(support[i], 1)),
            )
        )
    return per_class[:10], pairs


def qa_slices(ctx: EvidenceContext) -> list[CandidateSlices]:
    """QA: questions whose gold document some training question points at, and those whose document no
    training question does (new knowledge), per candidate and against the best baseline."""
    from harness.measure.qa import score_qa_slices

    unseen = ctx.test.extra.get("unseen_doc")
    if unseen is None:
        return []
    unseen = np.asarray(unseen, dtype=bool)
    masks = {"gold document seen in training": ~unseen, "gold document unseen in training": unseen}
    gold = ctx.test.extra.get("doc_ids")

    def scores(name: str) -> dict[str, MetricValue | None]:
        found = score_qa_slices(
            ctx.task,
            ctx.test.y,
            ctx.test_preds[name],
            [ctx.metric],
            ctx.seed,
            masks,
            300,
            gold_doc_ids=gold,
            optimizing=ctx.metric,
        )
        return {label: m.get(ctx.metric) for label, m in found.items()}

    base = scores(ctx.baseline) if ctx.baseline else {}
    out = []
    for name in ctx.ranked():
        mine = scores(name)
        rows = []
        p_raw: dict[str, float] = {}
        for label, mask in masks.items():
            mv = mine.get(label)
            s = SliceScore(column="gold document", label=label, rows=int(mask.sum()))
            if mv is not None:
                s.score = Interval(value=mv.value, low=mv.ci_low, high=mv.ci_high)
                bv = base.get(label)
                if bv is not None and name != ctx.baseline:
                    s.baseline = bv.value
                    d = paired_difference(
                        name, mv, str(ctx.baseline), bv, greater_is_better=ctx.greater_is_better
                    )
                    if d is not None:
                        s.vs_baseline = Interval(value=d.better, low=d.better_low, high=d.better_high)
                        p_raw[label] = d.p_not_worse
            rows.append(s)
        _flag_hidden(rows, p_raw, _beats_baseline_overall(ctx, name))
        scored = [s for s in rows if s.score is not None]
        pick = min if ctx.greater_is_better else max
        worst = pick(scored, key=lambda s: s.score.value if s.score else 0.0) if scored else None
        out.append(CandidateSlices(candidate=name, slices=rows, worst=worst))
    return out


def measure_slices(ctx: EvidenceContext) -> list[CandidateSlices]:
    if ctx.task.kind is TaskKind.QA:
        return qa_slices(ctx)
    segs = list(segments(ctx))
    return [slice_candidate(ctx, name, segs) for name in ctx.ranked()]
