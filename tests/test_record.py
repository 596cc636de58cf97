"""The run record: ids sort by time, run.json round-trips (NaN too), writes are atomic, provenance is safe."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from harness import provenance
from harness.errors import InputError
from harness.record import (
    DataSummary,
    RunRecord,
    SplitsSummary,
    TaskSummary,
    build_record,
    command_line,
    load_record,
    new_run_id,
    write_record,
)
from harness.results import CandidateVerdict, Decision, LatencyStats, Measurement, MetricValue
from harness.spec import spec_from_toml
from harness.types import Family, TaskKind

SPEC_TOML = """
title = "Pick a model family for card-fraud scoring"
decision_makers = ["Ada Lovelace", "Grace Hopper"]
task = "binary"
metric = "roc_auc"
seed = 7

[data]
path = "fraud.csv"
target = "is_fraud"
id_column = "txn_id"
positive_label = 1
split = "stratified"

[constraints]
latency_p99_ms = 20.0
max_model_mb = 50.0
budget_usd_per_1k_predictions = 0.01
hardware_usd_per_hour = 0.4
interpretability = "preferred"

[team_skills]
sklearn = "expert"
xgboost = "proficient"
pytorch = "basic"

[audit]
acknowledge = ["leakage:chargeback_flag"]
drop_columns = ["chargeback_flag"]
"""


@dataclass
class FakeFinding:
    """Stands in for the audit's Finding: any object with these attributes is accepted."""

    severity: str
    code: str
    title: str
    evidence: object
    fix: str
    blocking: bool = False


def _metric(name: str, value: float, low: float | None = None, high: float | None = None) -> MetricValue:
    from harness.measure.catalog import METRICS

    return MetricValue(
        name=name, value=value, ci_low=low, ci_high=high, greater_is_better=METRICS[name].greater_is_better
    )


def _latency(p50: float, p95: float, p99: float) -> LatencyStats:
    return LatencyStats(p50_ms=p50, p95_ms=p95, p99_ms=p99, mean_ms=(p50 + p95) / 2, n_calls=500)


def sample_measurements() -> list[Measurement]:
    return [
        Measurement(
            candidate="majority",
            family=Family.BASELINE,
            metrics={"roc_auc": _metric("roc_auc", 0.5, 0.5, 0.5), "log_loss": _metric("log_loss", 0.098)},
            latency=_latency(0.011, 0.014, 0.02),
            throughput_rows_per_s=2_500_000.0,
            batch_size=1024,
            size_bytes=120,
            train_time_s=0.001,
            cost_usd_per_1k=4.4e-8,
            skills=["sklearn"],
            interpretable=True,
            complexity=1,
        ),
        Measurement(
            candidate="logistic-regression",
            family=Family.BASELINE,
            metrics={
                "roc_auc": _metric("roc_auc", 0.8312, 0.8101, 0.8507),
                "pr_auc": _metric("pr_auc", 0.2113),
                "f1": _metric("f1", 0.18),
            },
            latency=_latency(0.21, 0.25, 0.31),
            throughput_rows_per_s=410_000.0,
            batch_size=1024,
            size_bytes=4_300,
            train_time_s=0.42,
            cost_usd_per_1k=2.7e-7,
            skills=["sklearn"],
            interpretable=True,
            complexity=1,
        ),
        Measurement(
            candidate="xgboost",
            family=Family.GBT,
            metrics={
                "roc_auc": _metric("roc_auc", 0.9123, 0.8977, 0.9251),
                "pr_auc": _metric("pr_auc", 0.4412),
                "f1": _metric("f1", 0.3944),
            },
            latency=_latency(0.92, 1.13, 1.48),
            throughput_rows_per_s=183_412.5,
            batch_size=1024,
            size_bytes=1_843_200,
            train_time_s=4.217,
            cost_usd_per_1k=6.1e-7,
            train_rows=14_000,
            skills=["xgboost"],
            complexity=2,
        ),
        Measurement(
            candidate="lightgbm",
            family=Family.GBT,
            metrics={
                "roc_auc": _metric("roc_auc", 0.9051, 0.8899, 0.9188),
                "pr_auc": _metric("pr_auc", 0.4234),
            },
            latency=_latency(0.61, 0.83, 1.02),
            throughput_rows_per_s=251_003.0,
            batch_size=1024,
            size_bytes=912_000,
            train_time_s=2.5,
            cost_usd_per_1k=4.4e-7,
            skills=["lightgbm"],
            complexity=2,
        ),
        Measurement(
            candidate="mlp-torch",
            family=Family.NEURAL,
            metrics={
                "roc_auc": _metric("roc_auc", 0.8874, 0.8702, 0.9031),
                "pr_auc": _metric("pr_auc", float("nan")),
            },
            latency=_latency(9.5, 18.2, 41.237),
            throughput_rows_per_s=12_034.0,
            batch_size=1024,
            size_bytes=61_500_000,
            train_time_s=57.9,
            cost_usd_per_1k=9.2e-6,
            skills=["pytorch"],
            complexity=3,
            details={"best_epoch": 11, "layers": [64, 32]},
        ),
        Measurement(
            candidate="tabular-transformer",
            family=Family.NEURAL,
            status="failed",
            reason="fit failed: RuntimeError: shape mismatch | 13 vs 12 columns",
            skills=["pytorch", "transformers"],
            complexity=4,
        ),
    ]


def sample_decision(*, justified: bool = True) -> Decision:
    verdicts = [
        CandidateVerdict(
            candidate="xgboost",
            family=Family.GBT,
            verdict="recommended" if justified else "not_justified",
            rank=1,
            reasons=["ROC-AUC 0.912 beats the best baseline 0.831 (CI does not overlap)"],
        ),
        CandidateVerdict(
            candidate="lightgbm",
            family=Family.GBT,
            verdict="runner_up" if justified else "not_justified",
            rank=2,
            reasons=["ROC-AUC 0.905 < 0.912 of xgboost"],
        ),
        CandidateVerdict(
            candidate="majority", family=Family.BASELINE, verdict="baseline", reasons=["reference"]
        ),
        CandidateVerdict(
            candidate="logistic-regression",
            family=Family.BASELINE,
            verdict="baseline",
            rank=3 if justified else 1,
            reasons=["best baseline"],
        ),
        CandidateVerdict(
            candidate="mlp-torch",
            family=Family.NEURAL,
            verdict="rejected",
            reasons=["fails the latency gate"],
            violations=["p99 41.24 ms > budget 20 ms", "size 61.5 MB > limit 50 MB"],
        ),
        CandidateVerdict(
            candidate="tabular-transformer",
            family=Family.NEURAL,
            verdict="failed",
            reasons=["fit failed: RuntimeError: shape mismatch | 13 vs 12 columns"],
        ),
    ]
    if justified:
        return Decision(
            metric="roc_auc",
            recommended="xgboost",
            justified=True,
            best_baseline="logistic-regression",
            because="it has the highest ROC-AUC (0.912) of the options that meet every constraint",
            tie_break=None,
            verdicts=verdicts,
        )
    return Decision(
        metric="roc_auc",
        recommended="logistic-regression",
        justified=False,
        best_baseline="logistic-regression",
        because="no candidate beats it beyond the 95% confidence interval",
        verdicts=verdicts,
    )


def make_record(
    *, justified: bool = True, findings: list | None = None, run_id: str | None = None
) -> RunRecord:
    spec = spec_from_toml(SPEC_TOML)
    if findings is None:
        findings = [
            FakeFinding(
                "blocking",
                "leakage:chargeback_flag",
                "Column predicts the target almost perfectly",
                {"column": "chargeback_flag", "roc_auc_alone": 0.998},
                "drop the column",
                blocking=True,
            ),
            {
                "severity": "warning",
                "code": "near_duplicates",
                "title": "Near-duplicate rows",
                "evidence": "212 rows in 97 clusters (Jaccard ≥ 0.9)",
                "fix": "dedupe or group the split by customer",
            },
        ]
    return RunRecord(
        run_id=run_id or "20261123T101500Z-3f2a",
        created_at=dt.datetime(2026, 11, 23, 10, 15, tzinfo=dt.UTC),
        command="harness run datasets/fraud/decision.toml --runs-dir 'my runs'",
        spec=spec.to_dict(),
        spec_toml=SPEC_TOML,
        data=DataSummary(
            path="datasets/fraud/fraud.csv",
            sha256="ab" * 32,
            rows=20_000,
            columns=["txn_id", "amount", "merchant", "hour", "country", "chargeback_flag", "is_fraud"],
        ),
        task=TaskSummary(
            kind=TaskKind.BINARY,
            target="is_fraud",
            classes=["0", "1"],
            class_counts={"0": 19_600, "1": 400},
            positive_label="1",
            n_features=5,
            n_numeric=3,
            n_categorical=2,
        ),
        splits=SplitsSummary(strategy="stratified", sizes={"train": 14_000, "dev": 2_000, "test": 4_000}),
        findings=findings,
        measurements=sample_measurements(),
        decision=sample_decision(justified=justified),
        provenance=provenance.collect_provenance(),
        seeds={"spec": 7},
        timings={"data": 0.31, "audit": 1.2, "candidates": 66.0},
    )


# ---- tests ------------------------------------------------------------------------------------------------


def test_run_id_is_utc_timestamp_with_suffix_and_sorts_by_time() -> None:
    early = new_run_id(dt.datetime(2026, 11, 23, 10, 15, 0, tzinfo=dt.UTC))
    late = new_run_id(dt.datetime(2026, 11, 23, 12, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))))
    assert early.startswith("20261123T101500Z-") and len(early.split("-")[1]) == 4
    assert late.startswith("20261123T091500Z-")  # converted to UTC
    assert sorted([early, late]) == [late, early]
    assert len({new_run_id() for _ in range(50)}) > 1


def test_command_line_quotes_arguments() -> None:
    assert command_line(["harness", "run", "my spec.toml"]) == "harness run 'my spec.toml'"


def test_run_json_round_trips_through_load_record(tmp_path: Path) -> None:
    record = make_record()
    path = write_record(record, tmp_path / "runs")
    assert path == tmp_path / "runs" / record.run_id / "run.json"
    loaded = load_record(path)
    assert load_record(path.parent) == loaded  # the run folder works too
    # NaN survives (pydantic alone would write null and then refuse to read it back)
    assert math.isnan(loaded.measurements[4].metrics["pr_auc"].value)
    loaded.measurements[4].metrics["pr_auc"].value = record.measurements[4].metrics["pr_auc"].value = 0.0
    assert loaded == record
    assert loaded.decision_spec() == spec_from_toml(SPEC_TOML)
    assert loaded.findings[0].code == "leakage:chargeback_flag" and loaded.findings[0].blocking
    assert loaded.findings[1].evidence.startswith("212 rows")


def test_write_is_atomic_nothing_written_when_serialisation_fails(tmp_path: Path) -> None:
    record = make_record()
    record.measurements[2].details["model"] = object()  # not JSON-serialisable
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        write_record(record, tmp_path)
    assert not (tmp_path / record.run_id / "run.json").exists()
    assert list(tmp_path.rglob("*.tmp")) == []


def test_write_is_atomic_old_record_kept_when_replace_fails(tmp_path: Path, monkeypatch) -> None:
    record = make_record()
    path = write_record(record, tmp_path)
    before = path.read_bytes()
    record.cancelled = True

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_record(record, tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]  # temp file cleaned up


def test_load_record_errors_are_one_line_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run record not found"):
        load_record(tmp_path / "nope")
    bad = tmp_path / "run.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_record(bad)
    raw = json.loads(json.dumps(make_record().model_dump(mode="json")))
    del raw["data"]["rows"]
    bad.write_text(json.dumps(raw))
    with pytest.raises(InputError, match=r"'data\.rows'") as info:
        load_record(bad)
    assert "\n" not in str(info.value)


def test_provenance_lists_libraries_without_importing_them() -> None:
    import sys

    p = provenance.collect_provenance()
    expected = {"numpy", "polars", "scipy", "scikit-learn", "xgboost", "lightgbm", "torch", "transformers"}
    assert expected | {"sentence-transformers", "faiss", "pydantic"} == set(p.libraries)
    assert p.libraries["pydantic"]
    assert p.python and p.platform and p.code_version
    assert provenance.library_versions({"nothing-here": ("surely-not-installed-archbench-xyz",)}) == {
        "nothing-here": None
    }
    if "torch" not in sys.modules:  # collecting must not have imported it
        provenance.collect_provenance()
        assert "torch" not in sys.modules


def test_provenance_never_fails_without_git(monkeypatch, tmp_path: Path) -> None:
    import subprocess

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    p = provenance.collect_provenance()
    assert p.git_commit is None and p.git_dirty is None
    assert p.code_version.startswith("archbench ")
    assert provenance.git_state(tmp_path) == (None, None)


def test_provenance_reads_git_commit_and_dirty_flag(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    run = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, env=env, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (tmp_path / "f.txt").write_text("one")
    run("add", "f.txt")
    run("commit", "-qm", "first")
    commit, dirty = provenance.git_state(tmp_path)
    assert commit and len(commit) == 40 and dirty is False
    (tmp_path / "f.txt").write_text("two")
    assert provenance.git_state(tmp_path) == (commit, True)


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    data = os.urandom(3_000_000)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert provenance.sha256_file(path, chunk_bytes=65_536) == hashlib.sha256(data).hexdigest()


def test_build_record_from_runner_objects(tmp_path: Path) -> None:
    csv = tmp_path / "fraud.csv"
    df = pl.DataFrame({"amount": [1.0, 2.0, 3.0, 4.0, 5.0], "is_fraud": [0, 0, 1, 0, 0]})
    df.write_csv(csv)
    spec = spec_from_toml(SPEC_TOML.replace('path = "fraud.csv"', f'path = "{csv.as_posix()}"'))
    task = SimpleNamespace(
        kind=TaskKind.BINARY,
        target="is_fraud",
        classes=(0, 1),
        positive_index=1,
        feature_columns=("amount",),
        numeric_columns=("amount",),
        categorical_columns=(),
        text_columns=(),
    )
    prepared = SimpleNamespace(df=df, task=task)
    splits = SimpleNamespace(train=[0, 1, 2], dev=[3], test=[4], strategy="stratified", notes=["tiny"])
    record = build_record(
        run_id="20260101T000000Z-0000",
        spec=spec,
        prepared=prepared,
        splits=splits,
        findings=[FakeFinding("info", "x", "X", [1, 2], "none")],
        measurements=sample_measurements()[:1],
        decision=None,
        command="harness run x.toml",
        timings={"data": 0.1},
    )
    assert record.data.rows == 5 and record.data.columns == ["amount", "is_fraud"]
    assert record.data.sha256 == provenance.sha256_file(csv)
    assert record.task.class_counts == {"0": 4, "1": 1} and record.task.positive_label == "1"
    assert record.splits.sizes == {"train": 3, "dev": 1, "test": 1} and record.splits.notes == ["tiny"]
    assert record.seeds == {"spec": 7}
    assert record.findings[0].evidence == [1, 2]
    assert load_record(write_record(record, tmp_path / "runs")) == record
