"""TabularEncoder: learns from train only, maps what it never saw to 'unknown', and serves one row cheaply."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import polars as pl
import pytest

from harness.candidates import registry
from harness.data.preprocess import UNKNOWN_CODE, TabularEncoder
from harness.dataset import Split
from harness.errors import InputError
from harness.types import TaskKind
from tests.candidates.tabular_data import tiny_tabular_splits

TRAIN = pl.DataFrame(
    {
        "amount": [1.0, 2.0, None, 4.0, 100.0, 3.0],
        "age": [30, 40, 50, 60, 70, 80],
        "city": ["paris", "paris", "rome", "rome", None, "oslo"],  # oslo appears once: rare → unknown
    }
)


def _encoder(**kwargs: object) -> TabularEncoder:
    return TabularEncoder(("amount", "age"), ("city",), **kwargs).fit(TRAIN)  # type: ignore[arg-type]


def test_statistics_are_the_training_split_s() -> None:
    enc = _encoder()
    amount = np.array([1.0, 2.0, 4.0, 100.0, 3.0])
    np.testing.assert_allclose(enc.medians_, [np.median(amount), 55.0])
    imputed = np.array([1.0, 2.0, 3.0, 4.0, 100.0, 3.0])  # the missing amount → median 3
    np.testing.assert_allclose(enc.means_, [imputed.mean(), 55.0])
    np.testing.assert_allclose(enc.stds_, [imputed.std(), np.std([30, 40, 50, 60, 70, 80])])
    assert enc.indicator_index_.tolist() == [0]  # only amount had missing values in train
    assert enc.vocabularies_ == [{"paris": 1, "rome": 2}]
    assert enc.n_categories_.tolist() == [3]


def test_unseen_rare_and_null_categories_are_unknown() -> None:
    enc = _encoder()
    batch = pl.DataFrame(
        {"amount": [1.0] * 5, "age": [1] * 5, "city": ["rome", "oslo", None, "tokyo", "paris"]}
    )
    assert enc.codes(batch)[:, 0].tolist() == [2, UNKNOWN_CODE, UNKNOWN_CODE, UNKNOWN_CODE, 1]
    assert _encoder(min_category_count=1).codes(batch)[:, 0].tolist() == [2, 3, 0, 0, 1]


def test_trees_get_nan_and_the_net_gets_imputed_scaled_values_with_indicators() -> None:
    enc = _encoder()
    batch = pl.DataFrame({"amount": [None, 3.0], "age": [55, None], "city": ["rome", "rome"]})
    trees = enc.for_trees(batch)
    assert trees.dtype == np.float32 and trees.shape == (2, 3)
    assert np.isnan(trees[0, 0]) and np.isnan(trees[1, 1]) and trees[0, 2] == 2
    dense, codes = enc.for_net(batch)
    assert dense.shape == (2, enc.n_net_numeric) == (2, 3)
    assert not np.isnan(dense).any()
    # a missing value is imputed with the train median, so it standardises like the median does
    np.testing.assert_allclose(dense[0, 0], (3.0 - enc.means_[0]) / enc.stds_[0], rtol=1e-6)
    np.testing.assert_allclose(dense[1, 1], 0.0, atol=1e-6)  # age median 55 == age mean 55
    assert dense[:, 2].tolist() == [1.0, 0.0]  # amount's missing-indicator
    assert codes.tolist() == [[2], [2]]


def test_small_and_large_batches_encode_the_same() -> None:
    """Below 256 rows codes come from dict lookups, above from polars replace_strict: same answer."""
    enc = _encoder(min_category_count=1)
    rng = np.random.default_rng(0)
    cities = rng.choice(np.array(["paris", "rome", "oslo", "tokyo", ""], dtype=object), size=600)
    cities[::7] = None
    batch = pl.DataFrame({"amount": rng.normal(size=600), "age": np.arange(600), "city": cities})
    assert batch.schema["city"] == pl.Object  # what a numpy object array with None becomes
    large = enc.for_trees(batch)
    small = np.vstack([enc.for_trees(batch.slice(i, 1)) for i in range(batch.height)])
    np.testing.assert_array_equal(large, small)


def test_serving_dtypes_differ_from_training_dtypes() -> None:
    """Serving often sends strings for numbers, ints for floats, categoricals as pl.Categorical."""
    enc = _encoder()
    batch = pl.DataFrame(
        {
            "amount": ["2.5", "n/a"],
            "age": [40.0, 41.5],
            "city": pl.Series(["rome", "nowhere"], dtype=pl.Categorical),
        }
    )
    trees = enc.for_trees(batch)
    assert trees[0, 0] == 2.5 and np.isnan(trees[1, 0])  # unparsable → missing, not an exception
    assert trees[:, 2].tolist() == [2, UNKNOWN_CODE]


def test_booleans_and_dates_are_numeric() -> None:
    frame = pl.DataFrame(
        {"flag": [True, False, None], "day": [dt.date(2024, 1, 1), None, dt.date(2024, 1, 3)]}
    )
    enc = TabularEncoder(("flag", "day"), ()).fit(frame)
    out = enc.for_trees(frame)
    assert out[:, 0].tolist()[:2] == [1.0, 0.0] and np.isnan(out[2, 0])
    assert out[2, 1] - out[0, 1] == 2.0


def test_bad_input_is_one_clear_input_error() -> None:
    with pytest.raises(InputError, match="'city' is treated as numeric"):
        TabularEncoder(("city",), ()).fit(TRAIN)
    with pytest.raises(InputError, match=r"'price'.* not in the data"):
        TabularEncoder(("price",), ()).fit(TRAIN)
    with pytest.raises(InputError, match="no numeric or categorical feature"):
        TabularEncoder((), ()).fit(TRAIN)
    with pytest.raises(InputError, match="'age' is missing from the batch"):
        _encoder().for_trees(TRAIN.drop("age"))


def test_pickle_round_trip_keeps_the_serving_path() -> None:
    enc = _encoder()
    clone = pickle.loads(pickle.dumps(enc))
    big = pl.concat([TRAIN] * 60)  # > 256 rows: the replace_strict path, rebuilt after unpickling
    np.testing.assert_array_equal(clone.for_trees(big), enc.for_trees(big))


@pytest.mark.parametrize("name", ["single-feature-rule", "xgboost", "lightgbm", "torch-mlp"])
def test_candidates_learn_nothing_from_dev(name: str) -> None:
    """A dev split with a new category and a shifted scale changes none of the encoder's statistics."""
    train, dev, _test = tiny_tabular_splits(TaskKind.BINARY)
    shifted = dev.X.with_columns(
        pl.col("x_other") * 1000 + 50,
        pl.Series("color", ["dev-only"] * dev.X.height),
    )
    candidate = registry.create(name, seed=0).fit(train, Split("dev", dev.task, shifted, dev.y))
    enc = candidate.encoder_  # type: ignore[attr-defined]
    reference = TabularEncoder(enc.numeric_columns, enc.categorical_columns).fit(train.X)
    assert enc.vocabularies_ == reference.vocabularies_
    for stat in ("medians_", "means_", "stds_"):
        np.testing.assert_array_equal(getattr(enc, stat), getattr(reference, stat))
    if "color" in enc.categorical_columns:
        j = enc.categorical_columns.index("color")
        assert "dev-only" not in enc.vocabularies_[j]
        assert enc.codes(shifted)[:, j].tolist() == [UNKNOWN_CODE] * shifted.height
