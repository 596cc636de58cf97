"""make_splits: strategies, fractions, determinism, the labelled-examples cap, and prepare()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness.data import build_task, make_splits, prepare
from harness.errors import InputError
from tests.conftest import make_tiny_classification_df, make_tiny_regression_df
from tests.data.helpers import assert_message, make_spec

FRAUD_COLUMNS = {"id_column": "transaction_id", "group_column": "customer_id", "time_column": "event_time"}


def fraud_spec(**kwargs) -> object:
    data = {**FRAUD_COLUMNS, **{k: v for k, v in kwargs.items() if k not in ("constraints", "audit", "seed")}}
    sections = {k: v for k, v in kwargs.items() if k in ("constraints", "audit", "seed")}
    return make_spec("is_fraud", **data, **sections)


def split_rows(splits) -> list[np.ndarray]:
    return [s.extra["row_index"] for s in splits]


def assert_partition(splits, n_rows: int) -> None:
    rows = np.concatenate(split_rows(splits))
    assert len(rows) == len(np.unique(rows)) == n_rows


def test_stratified_keeps_positive_rate_and_fractions(fraud_df: pl.DataFrame) -> None:
    spec = make_spec("is_fraud", split="stratified", id_column="transaction_id")
    task = build_task(fraud_df, spec)
    splits = make_splits(fraud_df, task, spec)
    assert splits.strategy == "stratified"
    assert_partition(splits, fraud_df.height)
    assert (len(splits.train), len(splits.dev), len(splits.test)) == (4_200, 600, 1_200)
    overall = fraud_df["is_fraud"].mean()
    for split in splits:
        assert abs(split.y.mean() - overall) < 0.003, split.name
    assert list(splits.train.X.columns) == list(task.feature_columns)
    assert "is_fraud" not in splits.train.X.columns and "transaction_id" not in splits.train.X.columns
    assert set(splits.train.extra) == {"row_index", "ids"}
    # y is the encoded target of exactly those rows
    rows = splits.test.extra["row_index"]
    assert np.array_equal(splits.test.y, fraud_df["is_fraud"].to_numpy()[rows])


def test_group_split_keeps_each_customer_in_one_split(fraud_df: pl.DataFrame) -> None:
    spec = fraud_spec()  # auto → group
    task = build_task(fraud_df, spec)
    splits = make_splits(fraud_df, task, spec)
    assert splits.strategy == "group"
    assert_partition(splits, fraud_df.height)
    train, dev, test = (set(s.extra["groups"].tolist()) for s in splits)
    assert not (train & dev) and not (train & test) and not (dev & test)
    assert abs(len(splits.test) / fraud_df.height - 0.2) < 0.03
    assert abs(len(splits.dev) / fraud_df.height - 0.1) < 0.03
    overall = fraud_df["is_fraud"].mean()
    for split in splits:  # StratifiedGroupKFold keeps the class balance reasonably
        assert abs(split.y.mean() - overall) < 0.01, split.name
    assert set(splits.train.extra) == {"row_index", "ids", "groups", "times"}


def test_group_split_for_regression() -> None:
    df = make_tiny_regression_df(600).with_columns((pl.col("row_id") // 5).alias("grp"))
    spec = make_spec("y", group_column="grp")
    splits = make_splits(df, build_task(df, spec), spec)
    assert splits.strategy == "group"
    groups = [set(s.extra["groups"].tolist()) for s in splits]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])


@pytest.mark.parametrize("many_groups_path", [False, True])
def test_no_group_in_two_splits_checked_against_the_source_rows(
    many_groups_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Classification by group, both code paths (StratifiedGroupKFold and, above MAX_GROUPS_FOR_STRATIFIED,
    GroupShuffleSplit). Groups are read back from the *source* rows each split holds (`row_index`), not from
    the split's own `groups`, so a split that mixed a group's rows cannot hide it; and every row of a group
    lands in the split its group went to."""
    from harness.data import split as split_module

    if many_groups_path:
        monkeypatch.setattr(split_module, "MAX_GROUPS_FOR_STRATIFIED", 0)
    df = make_tiny_classification_df(700, seed=4).with_columns(
        ((pl.col("row_id") * 7919) % 97).alias("grp")  # 97 groups of ~7 rows, interleaved through the file
    )
    spec = make_spec("label", group_column="grp", seed=2)
    splits = make_splits(df, build_task(df, spec), spec)
    assert splits.strategy == "group"
    assert_partition(splits, df.height)
    source = df["grp"].to_numpy()
    owner: dict[int, str] = {}
    for split in splits:
        rows = split.extra["row_index"]
        assert np.array_equal(split.extra["groups"], source[rows]), split.name
        for group in np.unique(source[rows]).tolist():
            assert owner.setdefault(group, split.name) == split.name, (
                f"group {group} in {owner[group]} and {split.name}"
            )
    assert len(owner) == 97 and {owner[g] for g in owner} == {"train", "dev", "test"}
    sizes = {s.name: len(s) for s in splits}
    assert sizes["test"] > sizes["dev"] > 0 and sizes["train"] > sizes["test"]


def test_time_split_puts_latest_rows_in_test(fraud_df: pl.DataFrame) -> None:
    spec = fraud_spec(split="time")
    splits = make_splits(fraud_df, build_task(fraud_df, spec), spec)
    assert splits.strategy == "time"
    assert_partition(splits, fraud_df.height)
    train, dev, test = (s.extra["times"] for s in splits)
    assert train.max() <= dev.min() and dev.max() <= test.min()
    assert (len(splits.train), len(splits.dev), len(splits.test)) == (4_200, 600, 1_200)
    assert np.all(np.diff(test.astype("int64")) >= 0)  # chronological within the split


def test_auto_without_group_or_time_is_stratified_or_random(
    tiny_classification_df, tiny_regression_df
) -> None:
    spec = make_spec()
    assert (
        make_splits(tiny_classification_df, build_task(tiny_classification_df, spec), spec).strategy
        == "stratified"
    )
    spec = make_spec("y")
    splits = make_splits(tiny_regression_df, build_task(tiny_regression_df, spec), spec)
    assert splits.strategy == "random"
    assert_partition(splits, tiny_regression_df.height)
    assert splits.train.y.dtype == np.float64


@pytest.mark.parametrize("split", ["stratified", "group", "time"])
def test_deterministic_by_seed(fraud_df: pl.DataFrame, split: str) -> None:
    def rows(seed: int) -> list[np.ndarray]:
        spec = fraud_spec(split=split, seed=seed)
        return split_rows(make_splits(fraud_df, build_task(fraud_df, spec), spec))

    first, again, other = rows(1), rows(1), rows(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    if split != "time":  # a time split does not depend on the seed
        assert not np.array_equal(first[2], other[2])


def test_labelled_examples_caps_every_labelled_row_a_candidate_uses(fraud_df: pl.DataFrame) -> None:
    spec = fraud_spec(split="stratified", constraints={"labelled_examples": 1_000})
    splits = make_splits(fraud_df, build_task(fraud_df, spec), spec)
    # train and dev (early stopping, tuning) share the cap in their 4200:600 proportion; test is not capped
    assert (len(splits.train), len(splits.dev), len(splits.test)) == (875, 125, 1_200)
    assert abs(splits.train.y.mean() - fraud_df["is_fraud"].mean()) < 0.003  # stratified sample
    assert any("labelled_examples = 1,000" in n for n in splits.notes)
    assert_partition_disjoint = set(splits.train.extra["row_index"]) & set(splits.test.extra["row_index"])
    assert not assert_partition_disjoint


def test_labelled_examples_larger_than_train_changes_nothing(tiny_classification_df) -> None:
    spec = make_spec(constraints={"labelled_examples": 10_000})
    splits = make_splits(tiny_classification_df, build_task(tiny_classification_df, spec), spec)
    assert len(splits.train) == 280
    assert not any("capped" in n for n in splits.notes)


def test_rare_class_cannot_be_stratified() -> None:
    df = make_tiny_classification_df(200).with_columns(
        pl.when(pl.col("row_id") < 2).then(pl.lit(2)).otherwise(pl.col("label")).alias("label")
    )
    spec = make_spec(task="multiclass")
    with pytest.raises(InputError) as info:
        make_splits(df, build_task(df, spec), spec)
    assert_message(info.value, "class 2", "has 2 row(s)", "at least 3", "add labelled rows of that class")


def test_stratified_split_too_small_for_all_classes() -> None:
    df = pl.DataFrame({"x": np.arange(120.0), "label": [f"c{i % 30}" for i in range(120)]})
    spec = make_spec()
    with pytest.raises(InputError) as info:
        make_splits(df, build_task(df, spec), spec)
    assert_message(info.value, "cannot hold all 30 classes", "raise data.dev_fraction")


def test_time_split_without_positives_in_test_is_refused() -> None:
    n = 300
    df = pl.DataFrame(
        {"t": np.arange(n), "x": np.arange(n, dtype=float), "label": (np.arange(n) < 30).astype(int)}
    )
    spec = make_spec(time_column="t")
    with pytest.raises(InputError) as info:
        make_splits(df, build_task(df, spec), spec)
    assert_message(info.value, "time split leaves the dev split without class(es) [1]")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"split": "group"}, "needs data.group_column"),
        ({"split": "time"}, "needs data.time_column"),
    ],
)
def test_strategy_needs_its_column(tiny_classification_df, kwargs: dict, needle: str) -> None:
    spec = make_spec(**kwargs)
    with pytest.raises(InputError) as info:
        make_splits(tiny_classification_df, build_task(tiny_classification_df, spec), spec)
    assert_message(info.value, needle)


def test_stratified_regression_is_refused(tiny_regression_df) -> None:
    spec = make_spec("y", split="stratified")
    with pytest.raises(InputError) as info:
        make_splits(tiny_regression_df, build_task(tiny_regression_df, spec), spec)
    assert_message(info.value, "classification target", "split = 'random'")


def test_missing_group_values_are_refused(tiny_classification_df) -> None:
    df = tiny_classification_df.with_columns(
        pl.when(pl.col("row_id") % 50 == 0).then(None).otherwise(pl.col("row_id") // 4).alias("grp")
    )
    spec = make_spec(group_column="grp")
    with pytest.raises(InputError) as info:
        make_splits(df, build_task(df, spec), spec)
    assert_message(info.value, "group_column 'grp' is missing in 8 rows")


def test_too_few_rows() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.5, 1.5, 2.5]})
    spec = make_spec("y")
    with pytest.raises(InputError) as info:
        make_splits(df, build_task(df, spec), spec)
    assert_message(info.value, "too few")


# ---- prepare -------------------------------------------------------------------------------------------


def test_prepare_drops_leak_and_dedupes(fraud_parquet: Path, fraud_df: pl.DataFrame, fraud_generator) -> None:
    spec = fraud_spec(audit={"drop_columns": ["chargeback_flag"], "dedupe": True})
    prepared = prepare(spec, fraud_parquet)
    n_exact = round(fraud_df.height * fraud_generator.PLANTED["exact_duplicate_fraction"])
    assert prepared.rows_loaded == fraud_df.height
    assert prepared.duplicates_dropped == n_exact
    assert prepared.n_rows == fraud_df.height - n_exact
    assert prepared.columns_loaded == fraud_df.width and prepared.n_columns == fraud_df.width - 1
    assert "chargeback_flag" not in prepared.df.columns
    assert any(f"dropped {n_exact:,} exact duplicate" in n for n in prepared.notes)
    assert prepared.fingerprint == prepare(spec, fraud_parquet).fingerprint
    assert len(prepared.fingerprint) == 16
    assert prepared.task.target == "is_fraud"


def test_prepare_without_dedupe_keeps_every_row(fraud_parquet: Path, fraud_df: pl.DataFrame) -> None:
    prepared = prepare(fraud_spec(), fraud_parquet)
    assert prepared.n_rows == fraud_df.height and prepared.duplicates_dropped == 0
    assert "chargeback_flag" in prepared.task.feature_columns  # nothing drops it unless the spec says so


def test_prepare_refuses_to_drop_the_target(fraud_parquet: Path) -> None:
    with pytest.raises(InputError) as info:
        prepare(fraud_spec(audit={"drop_columns": ["is_fraud"]}), fraud_parquet)
    assert_message(info.value, "'is_fraud'", "data.target")


def test_prepare_reads_the_spec_path(tmp_path: Path, tiny_classification_df) -> None:
    from harness.spec import load_spec

    tiny_classification_df.write_csv(tmp_path / "tiny.csv")
    (tmp_path / "decision.toml").write_text('title = "tiny"\n[data]\npath = "tiny.csv"\ntarget = "label"\n')
    prepared = prepare(load_spec(tmp_path / "decision.toml"))
    assert prepared.path == tmp_path / "tiny.csv" and prepared.n_rows == 400
