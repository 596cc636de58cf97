"""The fraud generator: deterministic, fast, and its planted truths hold."""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import average_precision_score

from harness.data import build_task, encode_target, make_splits
from tests.data.helpers import make_spec


def test_deterministic_by_seed(fraud_generator: ModuleType) -> None:
    first = fraud_generator.generate(2_000, seed=3)
    assert first.equals(fraud_generator.generate(2_000, seed=3))
    assert not first.equals(fraud_generator.generate(2_000, seed=4))


def test_schema_and_shape(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    planted = fraud_generator.PLANTED
    assert fraud_df.height == 6_000
    expected = {
        planted["id_column"], planted["group_column"], planted["time_column"], planted["target"],
        planted["leaky_column"], *planted["numeric_columns"], *planted["categorical_columns"],
    }  # fmt: skip
    assert set(fraud_df.columns) == expected
    for name in planted["numeric_columns"]:
        assert fraud_df.schema[name].is_numeric(), name
    assert fraud_df["merchant_category"].n_unique() == 12
    assert set(fraud_df["channel"].unique()) == {"pos", "online", "atm"}
    assert 12 <= fraud_df["country"].n_unique() <= 20
    assert fraud_df["card_type"].n_unique() == 4
    assert 600 <= fraud_df["customer_id"].n_unique() <= 800  # ~ rows / 7.5
    span_days = (fraud_df["event_time"].max() - fraud_df["event_time"].min()).days
    assert 85 <= span_days <= 90
    assert fraud_df["event_time"].is_sorted()
    assert fraud_df["hour_of_day"].min() >= 0 and fraud_df["hour_of_day"].max() <= 23


def test_positive_rate_in_range(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    low, high = fraud_generator.PLANTED["positive_rate_range"]
    assert low <= fraud_df["is_fraud"].mean() <= high


def test_leaky_column_almost_equals_target(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    agreement = (fraud_df["chargeback_flag"] == fraud_df["is_fraud"]).mean()
    assert fraud_generator.PLANTED["leak_agreement_min"] <= agreement < 1.0


def test_exact_duplicates(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    n_exact = round(fraud_df.height * fraud_generator.PLANTED["exact_duplicate_fraction"])
    assert fraud_df.height - fraud_df.unique().height == n_exact
    # a double-ingested batch: the transaction_id repeats too
    assert fraud_df.height - fraud_df["transaction_id"].n_unique() == n_exact


def test_exact_duplicates_straddle_a_row_wise_split(fraud_df: pl.DataFrame) -> None:
    spec = make_spec("is_fraud", split="stratified")
    splits = make_splits(fraud_df, build_task(fraud_df, spec), spec)
    ids = [set(fraud_df["transaction_id"].to_numpy()[s.extra["row_index"]].tolist()) for s in splits]
    assert len(ids[0] & ids[2]) > 5  # the audit's train/test overlap check has something to find


def test_near_duplicates(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    planted = fraud_generator.PLANTED
    n_near = round(fraud_df.height * planted["near_duplicate_fraction"])
    rows = fraud_df.unique(subset="transaction_id", keep="first")
    keys = ["customer_id", "merchant_category", "channel", "country"]
    pairs = (
        rows.join(rows, on=keys, suffix="_2")
        .filter(pl.col("transaction_id") != pl.col("transaction_id_2"))
        .with_columns(
            (pl.col("event_time_2") - pl.col("event_time")).dt.total_seconds().alias("dt_s"),
            (pl.col("amount_2") - pl.col("amount")).abs().alias("d_amount"),
        )
        .filter(
            pl.col("dt_s").is_between(1, planted["near_duplicate_max_seconds"])
            & (pl.col("d_amount") <= planted["near_duplicate_max_amount_delta"] + 1e-9)
        )
    )
    assert n_near <= pairs.height <= n_near * 1.05
    assert (pairs["is_fraud"] == pairs["is_fraud_2"]).all()


def test_missing_device_risk(fraud_df: pl.DataFrame, fraud_generator: ModuleType) -> None:
    share = fraud_df[fraud_generator.PLANTED["missing_column"]].null_count() / fraud_df.height
    assert 0.02 <= share <= 0.04
    assert sum(fraud_df[c].null_count() for c in fraud_df.columns if c != "device_risk_score") == 0


def test_fast(fraud_generator: ModuleType) -> None:
    t0 = time.perf_counter()
    df = fraud_generator.generate()
    assert df.height == 60_000
    assert time.perf_counter() - t0 < 5.0


def test_cli_writes_and_respects_if_missing(fraud_generator: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    assert fraud_generator.main(["--rows", "500", "--seed", "1", "--out", str(out)]) == 0
    assert pl.read_parquet(out).equals(fraud_generator.generate(500, seed=1))
    out.write_bytes(b"sentinel")
    assert fraud_generator.main(["--rows", "500", "--out", str(out), "--if-missing"]) == 0
    assert out.read_bytes() == b"sentinel"


@pytest.mark.slow  # trains a boosted model on 21k rows: seconds, more on a busy machine
def test_trees_beat_the_best_single_feature(fraud_generator: ModuleType) -> None:
    """The planted signal is non-linear: boosted trees clearly beat any one feature and the zero rule."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    df = fraud_generator.generate(30_000, seed=3).drop("chargeback_flag")
    spec = make_spec(
        "is_fraud", id_column="transaction_id", group_column="customer_id", time_column="event_time"
    )
    task = build_task(df, spec)
    splits = make_splits(df, task, spec)

    train, test = splits.train, splits.test
    levels = {c: sorted(train.X[c].unique().to_list()) for c in task.categorical_columns}

    def matrix(X: pl.DataFrame) -> np.ndarray:
        codes = [
            X[c].replace_strict(levels[c], list(range(len(levels[c]))), default=None, return_dtype=pl.Float64)
            for c in task.categorical_columns
        ]
        return X.select(task.numeric_columns).with_columns(codes).to_numpy()

    model = HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.05,
        categorical_features=list(range(len(task.numeric_columns), len(task.feature_columns))),
        random_state=0,
    ).fit(matrix(train.X), train.y)
    gbt = average_precision_score(test.y, model.predict_proba(matrix(test.X))[:, 1])

    y_full = encode_target(df, task)
    best_single = 0.0
    for name in task.numeric_columns:  # a threshold rule on one feature, either direction
        values = test.X[name].fill_null(strategy="mean").to_numpy()
        best_single = max(
            best_single, average_precision_score(test.y, values), average_precision_score(test.y, -values)
        )
    for name in task.categorical_columns:  # a per-category fraud rate learnt on train
        rates = train.X.with_columns(pl.Series("y", train.y)).group_by(name).agg(pl.col("y").mean())
        scores = (
            test.X.join(rates, on=name, how="left", maintain_order="left")["y"]
            .fill_null(float(y_full.mean()))
            .to_numpy()
        )
        best_single = max(best_single, average_precision_score(test.y, scores))
    zero_rule = test.y.mean()
    print(f"GBT PR-AUC {gbt:.3f}, best single feature {best_single:.3f}, zero rule {test.y.mean():.3f}")
    assert gbt > 2 * best_single, (gbt, best_single)
    assert gbt > 5 * zero_rule, (gbt, zero_rule)
