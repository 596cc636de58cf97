"""OOS metrics: planted confusion counts give exact in-scope accuracy / OOS recall / OOS precision."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import InputError
from harness.measure.oos import oos_scores

OOS = 2


def test_planted_counts() -> None:
    # 8 in-scope rows: 6 right, 1 wrong intent, 1 called OOS; 4 OOS rows: 3 caught, 1 routed to intent 0
    y = np.array([0, 0, 0, 1, 1, 1, 0, 1, OOS, OOS, OOS, OOS])
    pred = np.array([0, 0, 0, 1, 1, 1, 1, OOS, OOS, OOS, OOS, 0])
    scores = oos_scores(y, pred, OOS, n_boot=500, seed=1)
    assert scores["in_scope_accuracy"].value == pytest.approx(6 / 8)
    assert scores["oos_recall"].value == pytest.approx(3 / 4)
    assert scores["oos_precision"].value == pytest.approx(3 / 4)
    for metric in scores.values():
        assert metric.ci_low is not None and metric.ci_high is not None
        assert metric.ci_low <= metric.value <= metric.ci_high


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
