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
