"""Too good to be true: the share of the chosen model's lift over a no-information prediction carried by its
single strongest feature. Permutation importance on dev, scored by the model fitted on train only (so dev is
unseen by it), the chosen model's own metric. A column that encodes the label with noise can stay under the
audit's one-feature threshold yet carry most of the lift; here it shows as one feature doing the work.

Also gives the importance ranking the monitoring reference uses.
"""

from __future__ import annotations

import numpy as np

from harness.dataset import Predictions
from harness.evidence.context import EvidenceContext, advantage, metric_on
from harness.evidence.model import FeatureImportance, LeakCheck
from harness.types import TaskKind

ACK_PREFIX = (
    "suspected_leak:"  # `[audit] acknowledge = ["suspected_leak:<feature>"]`: known at prediction time
)
REPEATS = 3
CONCENTRATION = 0.6  # the top feature's share of all features' (positive) permutation importance
MAX_ROWS = 5000
# Features permuted (REPEATS predictions and scores each): on a wider table, those with the strongest held-out
# one-feature association with the target on train (the audit's lookup-table score), so 2,000 columns cost 300
# predictions, not 6,000. A feature that carries a model's lift alone is strong on its own too.
MAX_PERMUTED = 100


def no_information(ctx: EvidenceContext, n: int) -> Predictions:
    """What a model without features predicts: the training class shares, or the training mean."""
    task, y = ctx.task, ctx.train.y
    if task.kind is TaskKind.REGRESSION:
        return Predictions(values=np.full(n, float(np.mean(y))))
    k = max(task.n_classes, 2)
    shares = np.bincount(y.astype(int), minlength=k) / len(y)
    proba = np.tile(shares, (n, 1))
    return Predictions(labels=np.full(n, int(shares.argmax())), proba=proba)


def leak_check(ctx: EvidenceContext, name: str) -> LeakCheck | None:
    from harness.measure.measurement import predict_in_batches
    from harness.protocol import subset

    model = ctx.dev_models.get(name)
    task = ctx.task
    if model is None or task.kind is TaskKind.QA or len(ctx.dev) < 30 or task.text_columns:
        return None
    rng = np.random.default_rng(ctx.seed)
    rows = np.arange(len(ctx.dev))
    if len(rows) > MAX_ROWS:
        rows = np.sort(rng.choice(rows, MAX_ROWS, replace=False))
    dev = subset(ctx.dev, rows, "importance")
    gib = ctx.greater_is_better
    base = metric_on(task, dev.y, predict_in_batches(model, dev), ctx.metric, seed=0)
    chance = metric_on(task, dev.y, no_information(ctx, len(dev)), ctx.metric, seed=0)
    if base is None or chance is None:
        return None
    lift = advantage(base.value, chance.value, gib)
    features, note = _features_to_permute(ctx, rng)
    importances = []
    for feature in features:
        drops = []
        for _ in range(REPEATS):
            column = dev.X.get_column(feature)
            shuffled = dev.X.with_columns(column.gather(rng.permutation(len(dev))).alias(feature))
            preds = predict_in_batches(model, type(dev)(dev.name, task, shuffled, dev.y, dev.extra))
            mv = metric_on(task, dev.y, preds, ctx.metric, seed=0)
            if mv is not None:
                drops.append(advantage(base.value, mv.value, gib))
        if drops:
            drop = float(np.mean(drops))
            share = drop / lift if lift > 0 else None
            importances.append(FeatureImportance(feature=feature, drop=drop, share_of_lift=share))
    importances.sort(key=lambda f: -f.drop)
    threshold = ctx.spec.evidence.leak_share
    top = importances[0] if importances else None
    positive = sum(max(f.drop, 0.0) for f in importances)
    concentration = top.drop / positive if top is not None and positive > 0 else None
    suspected = None
    # Both: the feature carries most of the lift, and the model barely uses anything else. A strong but
    # legitimate feature in an interacting model (fraud's `amount`: 63% of the lift, 28% of the importance)
    # fails the second; a label copy with noise passes both (89% and 97% in the planted test).
    if (
        top is not None
        and len(importances) > 1
        and top.share_of_lift is not None
        and top.share_of_lift >= threshold
        and concentration is not None
        and concentration >= CONCENTRATION
    ):
        suspected = top.feature
    acknowledged = f"{ACK_PREFIX}{suspected}" in ctx.spec.audit.acknowledge if suspected else False
    return LeakCheck(
        acknowledged=acknowledged,
        candidate=name,
        lift=lift,
        importances=importances[:10],
        suspected=suspected,
        threshold=threshold,
        concentration=concentration,
        permuted=len(features),
        of_features=len(task.feature_columns),
        note=note,
    )


def _features_to_permute(ctx: EvidenceContext, rng: np.random.Generator) -> tuple[list[str], str | None]:
    """Every feature, or on a table wider than MAX_PERMUTED the MAX_PERMUTED with the best held-out
    one-feature score on (at most MAX_ROWS of) the training rows, in column order; and what was left out."""
    from harness.audit.leakage import encoded_column_scores
    from harness.protocol import subset

    features = list(ctx.task.feature_columns)
    if len(features) <= MAX_PERMUTED:
        return features, None
    train = ctx.train
    rows = np.arange(len(train))
    if len(rows) > MAX_ROWS:
        rows = np.sort(rng.choice(rows, MAX_ROWS, replace=False))
        train = subset(train, rows, "leak screen")
    scores = encoded_column_scores(train.X, train.y, ctx.task, features, ctx.seed)
    ranked = sorted(features, key=lambda c: -scores.get(c, -np.inf))  # stable: ties keep column order
    kept = set(ranked[:MAX_PERMUTED])
    note = (
        f"permutation importance of the {MAX_PERMUTED} of {len(features):,} features with the strongest "
        "held-out one-feature association with the target on train; the others were not permuted"
    )
    return [c for c in features if c in kept], note
