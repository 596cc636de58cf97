"""Binary label metrics at a threshold chosen on dev (harness.measure.threshold): a model that ranks a rare
class well but never gives it 0.5 scores F1 0.000 at the default cut — a threshold problem, not a model."""

from __future__ import annotations

import numpy as np

from harness.dataset import Predictions, Task
from harness.measure.quality import score
from harness.measure.threshold import choose_threshold
from harness.types import TaskKind

TASK = Task(kind=TaskKind.BINARY, target="y", feature_columns=("x",), classes=(0, 1), positive_index=1)


def _rare(seed: int, n: int = 4000) -> tuple[np.ndarray, Predictions]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.03).astype(int)
    p = np.clip(0.02 + 0.25 * y + rng.normal(0, 0.05, n), 0.001, 0.45)  # ranks well, never reaches 0.5
    return y, Predictions(proba=np.column_stack([1 - p, p]))


def test_the_dev_threshold_rescues_f1_that_the_default_cut_zeroes() -> None:
    y_dev, dev = _rare(1)
    y_test, test = _rare(2)
    cut = choose_threshold(TASK, y_dev, dev, "pr_auc")
    assert cut is not None and cut < 0.5
    at_default = score(TASK, y_test, test, ["f1"], seed=0, n_boot=0)["f1"].value
    at_dev_cut = score(TASK, y_test, test, ["f1"], seed=0, n_boot=0, threshold=cut)["f1"].value
    assert at_default == 0.0
    assert at_dev_cut > 0.8
    # ranking metrics do not depend on the cut
    auc = score(TASK, y_test, test, ["roc_auc"], seed=0, n_boot=0)["roc_auc"].value
    assert score(TASK, y_test, test, ["roc_auc"], seed=0, n_boot=0, threshold=cut)["roc_auc"].value == auc


def test_no_threshold_without_probabilities_or_for_multiclass() -> None:
    y, dev = _rare(3)
    assert choose_threshold(TASK, y, Predictions(labels=np.zeros(len(y), dtype=int)), "f1") is None
    multi = Task(kind=TaskKind.MULTICLASS, target="y", feature_columns=("x",), classes=(0, 1, 2))
    assert choose_threshold(multi, y, dev, "f1") is None
