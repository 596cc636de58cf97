"""The local executor: trials that raise, hang in native code, exhaust memory, crash the interpreter or call
sys.exit are each recorded as failed with their reason, in a worker process, and the run completes with an
ADR. And a resumed run keeps the finished trials and reaches the same decision as an uninterrupted one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness.runner import RunOptions, run
from harness.spec import spec_from_dict
from tests import faulty_candidates

pytestmark = pytest.mark.slow


def _table(path: Path, n: int = 600, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int)
    pl.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y}).write_csv(path)


def _spec(tmp_path: Path, include: list[str], **candidates: object):
    _table(tmp_path / "data.csv")
    return spec_from_dict(
        {
            "title": "Fault tolerance",
            "data": {"path": str(tmp_path / "data.csv"), "target": "y"},
            "candidates": {"include": include, "tuning_trials": 2, **candidates},
            "evidence": {"learning_curves": False, "robustness": False},
        }
    )


def test_misbehaving_trials_are_recorded_as_failed_and_the_run_completes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ARCHBENCH_CANDIDATES", faulty_candidates.ENV)
    faults = ["faulty-raise", "faulty-hang", "faulty-memory", "faulty-segfault", "faulty-exit"]
    # memory grows slowly on a busy VM (page faults): a cap well below what the candidate takes, time for it
    spec = _spec(tmp_path, ["zero-rule", "linear", *faults], time_budget_s=5)
    options = RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", memory_mb=1000)
    result = run(spec, options=options)
    by = {m.candidate: m for m in result.measurements}
    assert by["linear"].ok and result.decision.recommended in ("linear", "single-feature-rule")
    assert by["faulty-raise"].status == "failed" and "planted failure in fit" in by["faulty-raise"].reason
    assert by["faulty-hang"].status == "timed_out" and "past its 5 s budget" in by["faulty-hang"].reason
    assert by["faulty-memory"].status == "failed" and "over the 1,000 MB cap" in by["faulty-memory"].reason
    assert by["faulty-segfault"].status == "failed" and "SIGSEGV" in by["faulty-segfault"].reason
    assert by["faulty-exit"].status == "failed" and "exit code 3" in by["faulty-exit"].reason
    assert result.adr_path is not None and result.adr_path.exists()
    text = result.adr_path.read_text()
    for name in faults:
        assert name in text  # every failure is in the record the team reads, with its reason


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_run_trials_side_by_side_each_with_its_share_of_the_cores(tmp_path, monkeypatch, workers):
    import os

    monkeypatch.setenv("ARCHBENCH_CANDIDATES", faulty_candidates.ENV)
    monkeypatch.setenv("ARCHBENCH_STAMPS", str(tmp_path / "stamps.txt"))
    include = ["zero-rule", "stamp-a", "faulty-hang", "stamp-b"]
    spec = _spec(tmp_path, include, time_budget_s=5, tuning_trials=1, cv_folds=2)
    options = RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", workers=workers)
    result = run(spec, options=options)
    by = {m.candidate: m for m in result.measurements}
    assert by["stamp-a"].ok and by["stamp-b"].ok and by["faulty-hang"].status == "timed_out"
    fits = [line.split() for line in (tmp_path / "stamps.txt").read_text().splitlines()]
    for fit in fits:  # the hang runs until it is killed, past its 5 s budget: no earlier than that
        fit[3] = str(min(float(fit[3]), float(fit[2]) + 5))
    side_by_side = [
        (a[0], b[0], a[1] != b[1])
        for a in fits
        for b in fits
        if a[0] < b[0] and min(float(a[3]), float(b[3])) > max(float(a[2]), float(b[2]))
    ]
    threads = {f[4] for f in fits}
    if workers == 1:
        assert side_by_side == [] and threads == {"-"}  # one after the other, threads left to the trial
    else:  # two trials at once, in two processes, each with its share of the cores
        assert side_by_side and all(two_processes for _, _, two_processes in side_by_side)
        assert threads == {str(max(1, len(os.sched_getaffinity(0)) // workers))}


def test_a_resumed_run_keeps_finished_trials_and_reaches_the_same_decision(tmp_path) -> None:
    include = ["zero-rule", "linear", "xgboost"]
    options = RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr")
    whole = run(_spec(tmp_path, include), options=options)  # uninterrupted
    # the same run as if interrupted after two trials: its trial log lacks xgboost, and it has no record yet
    trials = tmp_path / "runs" / whole.run_id / "trials"
    (trials / "xgboost-seed0.pkl").unlink()
    log = trials / "log.jsonl"
    log.write_text("".join(line + "\n" for line in log.read_text().splitlines() if "xgboost" not in line))
    (tmp_path / "runs" / whole.run_id / "run.json").unlink()
    resumed = run(
        _spec(tmp_path, include),
        options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", resume=whole.run_id),
    )
    assert resumed.run_id == whole.run_id
    assert [line for line in log.read_text().splitlines() if "xgboost" in line]  # refitted and logged again
    assert resumed.decision.recommended == whole.decision.recommended
    scores = {m.candidate: round(m.metrics["roc_auc"].value, 6) for m in whole.measurements if m.ok}
    assert {m.candidate: round(m.metrics["roc_auc"].value, 6) for m in resumed.measurements if m.ok} == scores
    assert (tmp_path / "runs" / whole.run_id / "run.json").exists()


def test_resume_refuses_another_spec(tmp_path) -> None:
    from harness.errors import InputError

    first = run(
        _spec(tmp_path, ["zero-rule"]),
        options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", write_adr=False),
    )
    with pytest.raises(InputError, match="the spec changed since that run"):
        run(
            _spec(tmp_path, ["zero-rule", "linear"]),
            options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", resume=first.run_id),
        )


def test_further_seeds_run_as_trials_on_the_executor_and_are_kept_for_a_resume(tmp_path: Path) -> None:
    """seeds = 2: the second seed's trials go through the same executor as the first (worker processes here),
    land in the trial log, and give the same numbers as running them in-process."""
    _table(tmp_path / "data.csv")
    spec = spec_from_dict(
        {
            "title": "Seeds on the executor",
            "seeds": 2,
            "data": {"path": str(tmp_path / "data.csv"), "target": "y"},
            "candidates": {"include": ["zero-rule", "linear"], "tuning_trials": 2},
            "evidence": {"learning_curves": False, "robustness": False},
        }
    )
    workers = run(spec, options=RunOptions(runs_dir=tmp_path / "w", adr_dir=tmp_path / "a1"))
    inline = run(
        spec, options=RunOptions(runs_dir=tmp_path / "i", adr_dir=tmp_path / "a2", executor="inline")
    )
    assert [s["seed"] for s in workers.record.seed_runs] == [0, 1]
    assert workers.record.seed_runs == inline.record.seed_runs  # the same numbers, whichever executor
    logged = [json.loads(line) for line in (workers.record_path.parent / "trials" / "log.jsonl").open()]
    assert {(e["candidate"], e["seed"]) for e in logged} >= {("linear", 0), ("linear", 1)}
