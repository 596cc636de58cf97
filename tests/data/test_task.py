"""build_task / encode_target: task detection, feature typing, positive class, and the error paths."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import pytest

from harness.data import build_task, build_task_with_notes, encode_target
from harness.errors import InputError
from harness.types import TaskKind
from tests.data.helpers import assert_message, make_spec


def frame(label: list | pl.Series, **extra: list) -> pl.DataFrame:
    n = len(label)
    return pl.DataFrame(
        {"x": np.arange(n, dtype=float), "c": ["a", "b"] * (n // 2) + ["a"] * (n % 2), **extra}
    ).with_columns(pl.Series("label", label))


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ([0, 1] * 50, TaskKind.BINARY),
        ([True, False, False, False] * 25, TaskKind.BINARY),
        (["yes", "no", "no", "no"] * 25, TaskKind.BINARY),
        (["cat", "dog", "bird", "fish"] * 25, TaskKind.MULTICLASS),
        ([0, 1, 2, 3] * 100, TaskKind.MULTICLASS),  # 4 integer values in 400 rows: labels
        (list(range(400)), TaskKind.REGRESSION),  # many integer values: a quantity
        ([0, 1, 2, 3, 4] * 10, TaskKind.REGRESSION),  # 5 values in 50 rows is > 5% of rows
        ([0.5, 1.5, 2.25, 3.0] * 25, TaskKind.REGRESSION),
    ],
)
def test_detects_task_kind(label: list, kind: TaskKind) -> None:
    task, notes = build_task_with_notes(frame(label), make_spec())
    assert task.kind is kind
    assert any("task detected" in n for n in notes)


def test_classes_sorted_and_positive_index() -> None:
    assert build_task(frame([0, 1] * 50), make_spec()).classes == (0, 1)
    assert build_task(frame([0, 1] * 50), make_spec()).positive_index == 1
    assert build_task(frame([True, False] * 50), make_spec()).positive_index == 1
    # strings: the minority class is the positive one
    task = build_task(frame(["yes", "no", "no", "no"] * 25), make_spec())
    assert task.classes == ("no", "yes") and task.positive_index == 1
    task = build_task(frame(["ok", "ok", "ok", "fraud"] * 25), make_spec())
    assert task.classes == ("fraud", "ok") and task.positive_index == 0
    # multiclass has no positive class
    assert build_task(frame(["a", "b", "c", "d"] * 25), make_spec()).positive_index is None


def test_positive_label_from_spec() -> None:
    df = frame(["yes", "no", "no", "no"] * 25)
    assert build_task(df, make_spec(positive_label="no")).positive_index == 0
    # TOML may give "1" for an integer target
    assert build_task(frame([0, 1] * 50), make_spec(positive_label="0")).positive_index == 0
    with pytest.raises(InputError) as info:
        build_task(df, make_spec(positive_label="maybe"))
    assert_message(info.value, "'maybe'", "['no', 'yes']", "positive_label")


def test_explicit_task_overrides_detection() -> None:
    assert build_task(frame([0, 1, 2, 3] * 100), make_spec(task="regression")).kind is TaskKind.REGRESSION


def test_missing_target_column_suggests_close_matches() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([0, 1] * 50), make_spec("lable"))
    assert_message(info.value, "'lable' is not a column", "did you mean 'label'", "x, c, label")


def test_target_with_missing_values_is_refused() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([0, 1, None, 1] * 25), make_spec())
    assert_message(info.value, "missing in 25 of 100 rows", "label those rows or remove them")
    with pytest.raises(InputError) as info:
        build_task(frame([0.5, float("nan"), 2.0, 3.0] * 25), make_spec())
    assert_message(info.value, "missing in 25 of 100 rows")


def test_single_class_target() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([1] * 100), make_spec())
    assert_message(info.value, "single class (1)", "add rows of the other class")


def test_binary_task_with_three_values() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([0, 1, 2, 2] * 25), make_spec(task="binary"))
    assert_message(info.value, "3 distinct values", "multiclass")


def test_regression_on_text_target() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame(["a", "b", "c"] * 10), make_spec(task="regression"))
    assert_message(info.value, "not a number")


@pytest.mark.parametrize("key", ["id_column", "group_column", "time_column"])
def test_named_columns_must_exist(key: str) -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([0, 1] * 50), make_spec(**{key: "nope"}))
    assert_message(info.value, f"data.{key} 'nope' is not a column", "use one of")


def test_feature_columns_default_and_types() -> None:
    df = frame(
        [0, 1] * 50,
        row_id=list(range(100)),
        customer=[i // 4 for i in range(100)],
        when=[datetime(2024, 1, 1 + i % 28) for i in range(100)],
        flag=[True, False] * 50,
        review=["great product"] * 100,
        created=[datetime(2024, 1, 1)] * 100,
    )
    spec = make_spec(id_column="row_id", group_column="customer", time_column="when", text_columns=["review"])
    task, notes = build_task_with_notes(df, spec)
    assert task.feature_columns == ("x", "c", "flag", "review", "created")
    assert task.numeric_columns == ("x", "created")  # a date: calendar features (harness.data.preprocess)
    assert task.categorical_columns == ("c", "flag")
    assert task.text_columns == ("review",)
    assert any("'created' (year)" in n and "used as calendar features" in n for n in notes), notes


def test_explicit_feature_columns() -> None:
    df = frame([0, 1] * 50)
    assert build_task(df, make_spec(feature_columns=["c"])).feature_columns == ("c",)
    with pytest.raises(InputError) as info:
        build_task(df, make_spec(feature_columns=["x", "label"]))
    assert_message(info.value, "'label'", "remove 'label' from feature_columns")
    with pytest.raises(InputError) as info:
        build_task(df, make_spec(feature_columns=["xx"]))
    assert_message(info.value, "data.feature_columns 'xx' is not a column", "did you mean 'x'")


def test_text_column_must_hold_text() -> None:
    with pytest.raises(InputError) as info:
        build_task(frame([0, 1] * 50), make_spec(text_columns=["x"]))
    assert_message(info.value, "text column 'x'", "remove 'x' from text_columns")


def test_encode_target() -> None:
    df = frame(["yes", "no", "no", "maybe"] * 25)
    task = build_task(df, make_spec())
    codes = encode_target(df, task)
    assert codes.dtype == np.int64
    assert [task.classes[i] for i in codes[:4]] == ["yes", "no", "no", "maybe"]
    reg = frame([0.5, 1.5, 2.25, 3.0] * 25)
    values = encode_target(reg, build_task(reg, make_spec()))
    assert values.dtype == np.float64 and values[:2].tolist() == [0.5, 1.5]


def test_encode_target_rejects_unknown_label() -> None:
    df = frame(["yes", "no"] * 50)
    task = build_task(df, make_spec())
    other = df.with_columns(pl.lit("maybe").alias("label"))
    with pytest.raises(InputError) as info:
        encode_target(other, task)
    assert_message(info.value, "outside the task's classes", "'maybe'")


def test_fraud_task(fraud_df: pl.DataFrame, fraud_generator) -> None:
    spec = make_spec(
        "is_fraud", id_column="transaction_id", group_column="customer_id", time_column="event_time"
    )
    task = build_task(fraud_df.drop("chargeback_flag"), spec)
    assert task.kind is TaskKind.BINARY and task.classes == (0, 1) and task.positive_index == 1
    assert set(task.numeric_columns) == set(fraud_generator.PLANTED["numeric_columns"])
    assert set(task.categorical_columns) == set(fraud_generator.PLANTED["categorical_columns"])


def test_free_text_columns_are_detected_and_can_be_turned_off() -> None:
    from harness.data import build_task_with_notes
    from harness.spec import spec_from_dict

    words = ["cancel", "my", "order", "please", "where", "is", "parcel", "refund", "the", "invoice", "login"]
    texts = [" ".join(words[(i + j) % len(words)] for j in range(4 + i % 5)) + f" #{i}" for i in range(200)]
    df = pl.DataFrame(
        {
            "message": texts,
            "plan": [["basic", "pro", "team"][i % 3] for i in range(200)],  # a category, not prose
            "label": [i % 2 for i in range(200)],
        }
    )
    raw = {"title": "text detection", "data": {"path": "x.csv", "target": "label"}}
    task, notes = build_task_with_notes(df, spec_from_dict(raw))
    assert task.text_columns == ("message",)
    assert task.categorical_columns == ("plan",)
    assert any("'message' reads as free text" in n for n in notes)

    raw["data"]["detect_text"] = False
    task, _ = build_task_with_notes(df, spec_from_dict(raw))
    assert task.text_columns == ()
    assert "message" in task.categorical_columns
