"""OOS metrics: planted confusion counts give exact in-scope accuracy / OOS recall / OOS precision."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import InputError
from harness.measure.oos import oos_scores
from harness.measure.quality import bootstrap_counts

OOS = 2


def test_planted_counts() -> None:
    # 8 in-scope rows: 5 right, 2 wrong intent, 1 called OOS; 5 OOS rows: 3 caught, 2 routed to intents.
    # Asymmetric on purpose: in-scope accuracy 5/8, OOS recall 3/5, OOS precision 3/4 (and overall accuracy
    # 8/13) are all different, so swapping any two of them fails.
    y = np.array([0, 0, 0, 1, 1, 0, 1, 1, OOS, OOS, OOS, OOS, OOS])
    pred = np.array([0, 0, 0, 1, 1, 1, 0, OOS, OOS, OOS, OOS, 0, 1])
    scores = oos_scores(y, pred, OOS, n_boot=500, seed=1)
    assert list(scores) == ["in_scope_accuracy", "oos_recall", "oos_precision"]
    assert scores["in_scope_accuracy"].value == pytest.approx(5 / 8)
    assert scores["oos_recall"].value == pytest.approx(3 / 5)
    assert scores["oos_precision"].value == pytest.approx(3 / 4)
    for metric in scores.values():
        assert metric.greater_is_better
        assert metric.ci_low is not None and metric.ci_high is not None
        assert metric.ci_low <= metric.value <= metric.ci_high

    # the intervals: 95% percentiles of the same seeded resamples as harness.measure.quality, by hand
    counts = np.concatenate(bootstrap_counts(len(y), 500, seed=1))
    is_oos, said_oos = y == OOS, pred == OOS
    planted = {
        "in_scope_accuracy": ((pred == y) & ~is_oos, ~is_oos),
        "oos_recall": (said_oos & is_oos, is_oos),
        "oos_precision": (said_oos & is_oos, said_oos),
    }
    for name, (hits, total) in planted.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = (counts @ hits) / (counts @ total)
        low, high = np.percentile(ratios[np.isfinite(ratios)], [2.5, 97.5])
        assert (scores[name].ci_low, scores[name].ci_high) == (pytest.approx(low), pytest.approx(high)), name


def test_same_seed_same_interval_and_undefined_metrics_left_out() -> None:
    y = np.array([0, 1, 0, 1, OOS])
    pred = np.array([0, 1, 1, 1, 0])
    a, b = oos_scores(y, pred, OOS, seed=3), oos_scores(y, pred, OOS, seed=3)
    assert a == b
    assert "oos_precision" not in a  # nothing predicted OOS: precision is undefined, not 0
    no_oos = oos_scores(np.array([0, 1]), np.array([0, 1]), OOS, n_boot=0)
    assert set(no_oos) == {"in_scope_accuracy"} and no_oos["in_scope_accuracy"].ci_low is None


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="empty"):
        oos_scores(np.array([], dtype=int), np.array([], dtype=int), OOS)
    with pytest.raises(ValueError, match="equal-length"):
        oos_scores(np.array([0, 1]), np.array([0]), OOS)
