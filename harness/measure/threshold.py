"""The decision threshold of a binary classifier, chosen on dev.

Label metrics (F1, accuracy, …) of a probabilistic classifier depend on where its scores are cut. At the
default 0.5 a well-ranked model on a 2%-positive table can score F1 0.000 — a threshold problem, not a model
problem. The threshold is chosen on the dev rows (scored by the model fitted on train only), never on test,
to maximise the optimizing metric when it is a label metric, else F1; the ADR states it.
"""

from __future__ import annotations

import numpy as np

from harness.dataset import Predictions, Task
from harness.types import TaskKind

LABEL_METRICS = ("f1", "accuracy", "balanced_accuracy", "macro_f1")
_CUTS = 99  # candidate thresholds: dev score quantiles


def threshold_target(metric: str) -> str:
    return metric if metric in LABEL_METRICS else "f1"


def choose_threshold(task: Task, y_dev: np.ndarray, dev: Predictions | None, metric: str) -> float | None:
    """The dev-optimal cut of the positive-class probability; None when it does not apply (not binary, no
    probabilities, one class on dev). Ties keep the cut closest to 0.5 (the model's own)."""
    from harness.measure.quality import score

    if task.kind is not TaskKind.BINARY or dev is None or dev.proba is None or len(dev) < 20:
        return None
    y = np.asarray(y_dev)
    if len(np.unique(y)) < 2:
        return None
    positive = 1 if task.positive_index is None else task.positive_index
    p = np.asarray(dev.proba, dtype=np.float64)[:, positive]
    cuts = np.unique(np.concatenate([np.quantile(p, np.linspace(0.01, 0.99, _CUTS)), [0.5]]))
    target = threshold_target(metric)
    best, best_value = 0.5, -np.inf
    for cut in sorted(cuts, key=lambda c: abs(c - 0.5)):
        value = score(task, y, dev, [], seed=0, n_boot=0, optimizing=target, threshold=float(cut))[
            target
        ].value
        if value > best_value + 1e-12:
            best, best_value = float(cut), value
    return round(best, 6)
