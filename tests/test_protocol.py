"""The evaluation protocol: golden test file, CV folds that follow the split strategy, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness import data
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.protocol import EvaluationProtocol, cv_folds, fix_protocol
from harness.runner import RunOptions, audit_and_split, run
from harness.spec import load_spec
from harness.types import TaskKind


def _table(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pl.DataFrame(
        {
            "x": x,
            "noise": rng.normal(size=n),
            "shop": rng.choice(["a", "b", "c"], size=n),
            "y": (x + rng.normal(scale=0.8, size=n) > 0).astype(int),
        }
    )


def _write_spec(folder: Path, extra: str = "", candidates: str = "") -> Path:
    path = folder / "decision.toml"
    path.write_text(
        f'title = "Protocol test"\n[data]\npath = "train.csv"\ntarget = "y"\n{extra}\n'
        f"[candidates]\n{candidates}\n"
    )
    return path


def test_golden_test_file_is_the_test_split_and_never_trained_on(tmp_path: Path) -> None:
    _table(600, 0).write_csv(tmp_path / "train.csv")
    golden = _table(150, 1)
    golden.write_csv(tmp_path / "test.csv")
    spec = load_spec(_write_spec(tmp_path, 'test_path = "test.csv"'))
    prepared = data.prepare(spec)
    assert prepared.golden_rows == 150
    _findings, splits = audit_and_split(prepared, spec)
    assert len(splits.test) == 150
    assert np.allclose(splits.test.X["x"].to_numpy(), golden["x"].to_numpy())  # the file's rows, in order
    assert len(splits.train) + len(splits.dev) == 600  # train and dev come from data.path only
    assert set(splits.test.extra["row_index"]).isdisjoint(splits.train.extra["row_index"])
    assert any("golden" in n for n in splits.notes)
    protocol = fix_protocol(spec, splits, golden="test.csv")
    assert "the golden file test.csv" in protocol.describe()[0]


def test_a_golden_file_missing_a_column_is_one_clear_error(tmp_path: Path) -> None:
    _table(300, 0).write_csv(tmp_path / "train.csv")
    _table(50, 1).drop("shop").write_csv(tmp_path / "test.csv")
    spec = load_spec(_write_spec(tmp_path, 'test_path = "test.csv"'))
    with pytest.raises(InputError, match=r"lacks column\(s\) 'shop'") as info:
        data.prepare(spec)
    assert "test_path" in str(info.value)


def _protocol(strategy: str, folds: int = 5) -> EvaluationProtocol:
    return EvaluationProtocol(
        strategy=strategy,
        test="a held-out split",
        n_train=0,
        n_dev=0,
        n_test=0,
        cv_folds=folds,
        tuning_trials=1,
        tuning_time_s=1,
        seeds=(0,),
    )


def _split(n: int, **extra: np.ndarray) -> Split:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.2).astype(np.int64)
    task = Task(TaskKind.BINARY, "y", ("x",), numeric_columns=("x",), classes=(0, 1), positive_index=1)
    return Split("train", task, pl.DataFrame({"x": rng.normal(size=n)}), y, extra=dict(extra))


def test_folds_are_stratified_partitions() -> None:
    split = _split(1000)
    folds = cv_folds(split, _protocol("stratified"), seed=0)
    assert len(folds) == 5
    scored = np.concatenate([b for _a, b in folds])
    assert sorted(scored.tolist()) == list(range(1000))  # every row scored exactly once
    for a, b in folds:
        assert set(a).isdisjoint(b)
        assert abs(split.y[b].mean() - split.y.mean()) < 0.02  # class balance kept


def test_group_folds_never_split_a_group() -> None:
    groups = np.repeat(np.arange(100), 10)
    split = _split(1000, groups=groups)
    for a, b in cv_folds(split, _protocol("group"), seed=0):
        assert set(groups[a]).isdisjoint(groups[b])


def test_time_folds_always_score_the_future() -> None:
    times = np.random.default_rng(1).permutation(1000)
    split = _split(1000, times=times)
    folds = cv_folds(split, _protocol("time", 4), seed=0)
    assert len(folds) == 4
    for a, b in folds:
        assert times[a].max() < times[b].min()


def test_fold_count_follows_the_data_size(tmp_path: Path) -> None:
    _table(600, 0).write_csv(tmp_path / "train.csv")
    spec = load_spec(_write_spec(tmp_path))
    _f, splits = audit_and_split(data.prepare(spec), spec)
    assert fix_protocol(spec, splits).cv_folds == 5  # small data: 5 folds
    spec = load_spec(_write_spec(tmp_path, candidates="cv_folds = 1"))
    assert fix_protocol(spec, splits).cv_folds == 1
    assert cv_folds(splits.train, fix_protocol(spec, splits), seed=0) == []


def test_same_seed_gives_the_same_decision_and_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reproducible given the same thread count (float sums depend on it) and a trial-bound search (a
    # time-bound one stops after however many trials the machine managed): the run records both.
    monkeypatch.setenv("ARCHBENCH_THREADS", "1")
    _table(800, 3).write_csv(tmp_path / "train.csv")
    spec_path = _write_spec(
        tmp_path, candidates='include = ["linear", "lightgbm"]\ntuning_trials = 4\ntuning_time_s = 600'
    )
    results = [
        run(load_spec(spec_path), options=RunOptions(runs_dir=tmp_path / f"runs{i}", write_adr=False))
        for i in range(2)
    ]
    first, second = (r.decision for r in results)
    assert first is not None and second is not None
    assert first.recommended == second.recommended and first.justified == second.justified
    assert first.because == second.because
    scores = [
        {
            m.candidate: (m.metrics["roc_auc"].value, m.details.get("tuning", {}).get("params"))
            for m in r.measurements
        }
        for r in results
    ]
    assert scores[0] == scores[1]
    assert {"zero-rule", "single-feature-rule", "linear", "lightgbm"} <= set(
        scores[0]
    )  # baselines always run
    tuned = next(m for m in results[0].measurements if m.candidate == "lightgbm").details["tuning"]
    assert np.mean(tuned["best_cv"]) >= np.mean(tuned["default_cv"])  # never worse than the defaults
    assert tuned["n_trials"] == 4
