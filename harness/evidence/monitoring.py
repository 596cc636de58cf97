"""The monitoring reference: the chosen model's prediction distribution and its most important features'
distributions on test, kept in the run record so a label-free drift check (PSI) has a baseline, and the
signals the ADR tells the team to watch."""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.evidence.context import EvidenceContext
from harness.evidence.model import Distribution, LeakCheck, Monitoring
from harness.types import TaskKind

BINS = 10
TOP_FEATURES = 5
PSI_ALERT = 0.2  # the usual rule of thumb: PSI ≥ 0.2 is a significant shift


def numeric_distribution(name: str, x: np.ndarray) -> Distribution | None:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return None
    edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1)))
    if len(edges) < 2:
        return Distribution(name=name, edges=[float(edges[0])], shares=[1.0])
    counts = np.histogram(x, bins=edges)[0]
    return Distribution(
        name=name, edges=[float(e) for e in edges], shares=[float(c / len(x)) for c in counts]
    )


def categorical_distribution(name: str, values: list[object]) -> Distribution:
    labels = ["(missing)" if v is None else str(v) for v in values]
    found, counts = np.unique(np.array(labels, dtype=object), return_counts=True)
    order = np.argsort(-counts)[:20]
    return Distribution(
        name=name,
        categories=[str(found[i]) for i in order],
        shares=[float(counts[i] / len(labels)) for i in order],
    )


def monitoring_reference(ctx: EvidenceContext, name: str, leak: LeakCheck | None) -> Monitoring:
    task, preds, X = ctx.task, ctx.test_preds[name], ctx.test.X
    score: Distribution | None = None
    if task.kind is TaskKind.REGRESSION and preds.values is not None:
        score = numeric_distribution("predicted value", np.asarray(preds.values, dtype=float))
    elif task.kind is TaskKind.BINARY and preds.proba is not None:
        pos = 1 if task.positive_index is None else task.positive_index
        score = numeric_distribution("positive-class score", np.asarray(preds.proba, dtype=float)[:, pos])
    elif task.is_classification:
        labels = preds.labels if preds.labels is not None else np.asarray(preds.proba).argmax(axis=1)
        score = categorical_distribution("predicted class", [task.classes[int(i)] for i in labels])
    ranked = [f.feature for f in leak.importances] if leak else []
    ranked += [c for c in task.feature_columns if c not in ranked]
    features = []
    for column in ranked[:TOP_FEATURES]:
        col = X.get_column(column)
        if column in task.text_columns:
            words = np.array([len(str(t or "").split()) for t in col.to_list()], dtype=float)
            d = numeric_distribution(f"{column} length (words)", words)
        elif col.dtype.is_numeric() and column not in task.categorical_columns:
            d = numeric_distribution(column, col.cast(pl.Float64).to_numpy())
        else:
            d = categorical_distribution(column, col.to_list())
        if d is not None:
            features.append(d)
    signals = []
    if score is not None:
        signals.append(f"PSI of the {score.name} distribution against this reference ≥ {PSI_ALERT:g}")
    if features:
        names = ", ".join(f.name for f in features[:3])
        signals.append(f"PSI ≥ {PSI_ALERT:g} on the top features ({names})")
    if task.categorical_columns:
        signals.append("share of requests with a category never seen in training")
    if task.numeric_columns:
        signals.append("share of requests with a number outside the training range")
    if ctx.spec.constraints.latency_p99_ms is not None:
        signals.append(f"p99 latency against the {ctx.spec.constraints.latency_p99_ms:g} ms budget")
    signals.append("the metric on freshly labelled rows, against the baseline's (the fallback)")
    return Monitoring(candidate=name, score=score, features=features, signals=signals)
