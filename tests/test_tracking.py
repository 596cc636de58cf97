"""MLflow tracking against a real local MLflow file store: a small real run (a failing candidate among them)
logged with RunOptions.mlflow and read back with MlflowClient: one parent with the chosen option and the
ADR, one nested run per candidate with its metrics, CIs and latency, the failed one with its status. The CLI's
bare `--mlflow` logs to mlruns/ beside --out-dir; a store that cannot be written is a warning, not a lost
run; without mlflow installed, `--mlflow` is one error line before any training. Skipped without mlflow."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness import events as ev
from harness import tracking
from harness.runner import RunOptions, run
from harness.spec import load_spec
from tests import faulty_candidates

mlflow = pytest.importorskip(
    "mlflow", reason="the tracking extra is not installed (pip install -e '.[tracking]')"
)


def _spec_file(tmp_path: Path, include: list[str], **extra: object) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = (rng.random(600) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int)
    pl.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y}).write_csv(tmp_path / "data.csv")
    listed = ", ".join(f'"{name}"' for name in include)
    text = (
        'title = "Tracked decision"\n[data]\npath = "data.csv"\ntarget = "y"\n'
        f"[candidates]\ninclude = [{listed}]\ntuning_trials = 2\n"
        "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    for section, keys in extra.items():
        text += f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in dict(keys).items())  # type: ignore[call-overload]
    path = tmp_path / "decision.toml"
    path.write_text(text)
    return path


def _client(uri: str) -> mlflow.MlflowClient:
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # what log_to_mlflow sets for file:
    return mlflow.MlflowClient(uri)


def _runs(uri: str, experiment: str = "Tracked decision") -> tuple[object, dict[str, object]]:
    client = _client(uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r} in {uri}"
    runs = client.search_runs([found.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    children = {r.info.run_name: r for r in runs if r.data.tags.get("mlflow.parentRunId")}
    assert all(r.data.tags["mlflow.parentRunId"] == parents[0].info.run_id for r in children.values())
    return parents[0], children


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file store needs no network: any outgoing connection (telemetry included) fails the test."""

    def refuse(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"network call to {address}")
        return real(self, address)

    real = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.slow
def test_a_run_is_logged_to_a_local_file_store_and_reads_back(tmp_path, monkeypatch, no_network) -> None:

    monkeypatch.setenv("ARCHBENCH_CANDIDATES", faulty_candidates.ENV)
    spec = load_spec(_spec_file(tmp_path, ["zero-rule", "linear", "faulty-raise"]))
    events: list[ev.Event] = []
    uri = (tmp_path / "store").as_uri()
    options = RunOptions(
        executor="inline",
        runs_dir=tmp_path / "runs",
        adr_dir=tmp_path / "adr",
        mlflow=str(tmp_path / "store"),
    )
    result = run(spec, options=options, on_event=events.append)
    assert result.adr_path is not None and result.decision is not None
    warnings = [e.message for e in events if isinstance(e, ev.Log) and e.level == "warning"]
    assert not [w for w in warnings if "MLflow" in w], warnings

    parent, children = _runs(uri)
    tags = parent.data.tags
    assert tags["archbench.run_id"] == result.run_id
    assert tags["archbench.title"] == "Tracked decision"
    assert tags["archbench.chosen"] == (result.decision.recommended or "none")
    assert tags["archbench.method"] == result.decision.method
    assert parent.data.params["candidates.tuning_trials"] == "2" and parent.data.params["data.target"] == "y"
    client = _client(uri)
    adr = [a.path for a in client.list_artifacts(parent.info.run_id, "adr")]
    assert f"adr/{result.adr_path.name}" in adr
    assets = [a.path for a in client.list_artifacts(parent.info.run_id, "adr/assets")]
    number = result.adr_path.name[:4]
    assert f"adr/assets/{number}-claims.json" in assets and any(a.endswith(".svg") for a in assets)
    assert [a.path for a in client.list_artifacts(parent.info.run_id, "run")] == ["run/run.json"]
    logged_adr = client.download_artifacts(parent.info.run_id, f"adr/{result.adr_path.name}", str(tmp_path))
    assert Path(logged_adr).read_text() == result.adr_path.read_text()

    by = {m.candidate: m for m in result.measurements}
    assert set(children) == set(by)  # one nested run per candidate, failed ones included
    metric = result.decision.metric
    verdicts = {v.candidate: v.verdict for v in result.decision.verdicts}
    for name, m in by.items():
        child = children[name]
        assert child.data.tags["archbench.status"] == m.status
        assert child.data.params["family"] == str(m.family)
        assert child.data.tags["archbench.verdict"] == verdicts[name]
        if not m.ok:
            continue
        got, want = child.data.metrics, m.metrics[metric]
        assert got[metric] == pytest.approx(want.value)
        assert got[f"{metric}_ci_low"] == pytest.approx(want.ci_low)
        assert got[f"{metric}_ci_high"] == pytest.approx(want.ci_high)
        assert got["latency_p99_ms"] == pytest.approx(m.latency.p99_ms)
        assert got["size_mb"] == pytest.approx(m.size_mb) and got["train_time_s"] == pytest.approx(
            m.train_time_s
        )
    tuned = by["linear"].details["tuning"]["params"]
    assert tuned and {k: str(v) for k, v in tuned.items()}.items() <= children["linear"].data.params.items()
    failed = children["faulty-raise"]
    assert failed.data.tags["archbench.status"] == "failed"
    assert "planted failure in fit" in failed.data.tags["archbench.reason"]
    assert not failed.data.metrics
    assert "MLFLOW_TRACKING_URI" not in os.environ  # the caller's environment as it was


@pytest.mark.slow
def test_cli_bare_mlflow_logs_beside_the_runs_folder(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from harness.cli import app

    monkeypatch.chdir(tmp_path)
    spec_path = _spec_file(tmp_path, ["zero-rule"], tracking={"experiment": '"From the CLI"'})
    args = ["run", str(spec_path), "--mlflow", "--executor", "inline", "-q", "--out-dir", "out/runs"]
    result = CliRunner().invoke(app, [*args, "--adr-dir", "adr"])
    assert result.exit_code == 0, result.output
    parent, children = _runs((tmp_path / "out" / "mlruns").as_uri(), "From the CLI")
    assert parent.data.tags["archbench.chosen"] in children and "zero-rule" in children


@pytest.mark.slow
def test_a_store_that_cannot_be_written_is_a_warning_and_the_run_stands(tmp_path) -> None:
    spec_path = _spec_file(tmp_path, ["zero-rule"], tracking={"mlflow_uri": '"store"'})
    (tmp_path / "store").write_text("a file where the store's folder would go")

    events: list[ev.Event] = []
    options = RunOptions(executor="inline", runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr")
    result = run(load_spec(spec_path), options=options, on_event=events.append)
    assert result.adr_path is not None and result.record_path.exists()
    warned = [
        e.message for e in events if isinstance(e, ev.Log) and e.level == "warning" and "MLflow" in e.message
    ]
    assert len(warned) == 1 and "not logged" in warned[0] and "store" in warned[0]


def test_without_mlflow_the_flag_is_one_error_line_before_training(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from harness import runner
    from harness.cli import app

    monkeypatch.setattr(tracking, "available", lambda: False)
    monkeypatch.setattr(runner, "run", lambda *a, **k: pytest.fail("trained without mlflow"))
    spec_path = _spec_file(tmp_path, ["zero-rule"])
    result = CliRunner().invoke(app, ["run", str(spec_path), "--mlflow", "-q"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--mlflow" in lines[0] and "pip install" in lines[0], result.output


def test_uris() -> None:
    runs = Path("/data/work/runs")
    assert tracking.as_uri("", runs_dir=runs) == "file:///data/work/mlruns"
    assert tracking.as_uri("http://mlflow:5000", runs_dir=runs) == "http://mlflow:5000"
    assert tracking.as_uri("store", runs_dir=runs, base=Path("/specs")) == "file:///specs/store"
