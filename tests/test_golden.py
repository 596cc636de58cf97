"""A golden test file (`[data] test_path`) is scored once per candidate, after all tuning, and reported; no
fit — tuning folds, early stopping, the final fit, the evidence's refits — ever sees one of its rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness.runner import RunOptions, run
from harness.spec import spec_from_dict
from tests import faulty_candidates

pytestmark = pytest.mark.slow


def test_golden_rows_are_never_trained_tuned_or_early_stopped_on(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ARCHBENCH_CANDIDATES", faulty_candidates.ENV)
    monkeypatch.setenv("ARCHBENCH_SPY", str(tmp_path / "spy.txt"))
    rng = np.random.default_rng(0)

    def table(n: int, offset: float) -> pl.DataFrame:
        a = rng.uniform(0, 100, n) + offset  # golden rows: a ≥ 1000, which no other row has
        y = (rng.random(n) < 1 / (1 + np.exp(-(a - offset - 50) / 10))).astype(int)
        return pl.DataFrame({"a": a, "b": rng.normal(size=n), "y": y})

    table(600, 0.0).write_csv(tmp_path / "data.csv")
    table(150, 1000.0).write_csv(tmp_path / "golden.csv")
    spec = spec_from_dict(
        {
            "title": "Golden",
            "data": {
                "path": str(tmp_path / "data.csv"),
                "test_path": str(tmp_path / "golden.csv"),
                "target": "y",
            },
            "candidates": {"include": ["zero-rule", "spy"], "tuning_trials": 2},
        }
    )
    result = run(
        spec, options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", executor="inline")
    )
    lines = [line.split() for line in (tmp_path / "spy.txt").read_text().splitlines()]
    fits = [float(v) for kind, v in lines if kind == "fit"]
    predicted = [float(v) for kind, v in lines if kind == "predict"]
    assert len(fits) >= 3  # tuning folds, the final fit, the refit on train + dev
    assert max(fits) < 1000  # no fit ever saw a golden row
    assert max(predicted) >= 1000  # the golden rows were scored
    assert result.record.splits.sizes["test"] == 150
    assert "the golden file golden.csv" in result.adr_path.read_text()


def test_on_time_ordered_data_the_latest_window_is_scored_beside_the_golden_file(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ARCHBENCH_CANDIDATES", faulty_candidates.ENV)
    monkeypatch.setenv("ARCHBENCH_SPY", str(tmp_path / "spy.txt"))
    monkeypatch.setenv("ARCHBENCH_SPY_COLUMN", "b")  # b, a noise column, marks the latest window: b ≥ 5
    rng = np.random.default_rng(1)
    n = 600
    t = np.arange(n)
    a = rng.uniform(0, 100, n)
    b = rng.uniform(0, 1, n) + np.where(t >= n - 120, 9.0, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(a - 50) / 10))).astype(int)
    pl.DataFrame({"t": t, "a": a, "b": b, "y": y}).write_csv(tmp_path / "data.csv")
    g = rng.uniform(0, 100, 150)
    golden_y = (rng.random(150) < 1 / (1 + np.exp(-(g - 50) / 10))).astype(int)
    golden = {"t": np.arange(n, n + 150), "a": g, "b": rng.uniform(0, 1, 150), "y": golden_y}
    pl.DataFrame(golden).write_csv(tmp_path / "golden.csv")
    spec = spec_from_dict(
        {
            "title": "Golden and rolling",
            "data": {
                "path": str(tmp_path / "data.csv"),
                "test_path": str(tmp_path / "golden.csv"),
                "target": "y",
                "time_column": "t",
            },
            "candidates": {"include": ["zero-rule", "linear", "spy"], "tuning_trials": 2},
            "evidence": {"learning_curves": False, "robustness": False},
        }
    )
    result = run(
        spec, options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", executor="inline")
    )
    assert result.record.splits.sizes["rolling"] == 120 and result.record.splits.sizes["test"] == 150
    lines = [line.split() for line in (tmp_path / "spy.txt").read_text().splitlines()]
    assert max(float(v) for kind, v in lines if kind == "fit") < 5  # the window was never fitted on
    assert any(float(v) >= 5 for kind, v in lines if kind == "predict")  # and it was scored
    linear = next(m for m in result.measurements if m.candidate == "linear")
    rolling = linear.details["rolling"]
    assert rolling["rows"] == 120 and 0.5 < rolling["value"] <= 1 and rolling["low"] <= rolling["value"]
    text = result.adr_path.read_text()
    assert "### Golden file and rolling window" in text and "| linear |" in text
    assert "They agree" in text or "They disagree" in text
