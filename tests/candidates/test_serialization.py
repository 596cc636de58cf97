"""Fitted tabular candidates survive pickling (the runner may ship them between processes) unchanged."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from harness.candidates import registry
from harness.types import TaskKind
from tests.candidates.tabular_data import tiny_tabular_splits


@pytest.mark.parametrize("name", ["zero-rule", "single-feature-rule", "xgboost", "lightgbm", "torch-mlp"])
@pytest.mark.parametrize("kind", [TaskKind.MULTICLASS, TaskKind.REGRESSION])
def test_pickle_round_trip_predicts_the_same(name: str, kind: TaskKind) -> None:
    train, dev, test = tiny_tabular_splits(kind)
    fitted = registry.create(name, seed=0).fit(train, dev)
    clone = pickle.loads(pickle.dumps(fitted))
    for batch in (test.X, test.X.head(1)):
        a, b = fitted.predict(batch), clone.predict(batch)
        for field in ("proba", "values", "labels"):
            if getattr(a, field) is not None:
                np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert clone.size_bytes() == fitted.size_bytes()
    assert clone.details() == fitted.details()
