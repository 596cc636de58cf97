"""The Benchmark Methodology before training (`harness plan`), the run that follows it and names every
deviation, and `harness verify`: the same decision re-run on the recorded data, each claim checked — exit 0
when all hold, 1 naming the claim that does not (a tightened latency budget), 2 when the data changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from harness.cli import app
from harness.plan import read_plan
from tests.test_executor import _table

pytestmark = pytest.mark.slow
cli = CliRunner()


def _project(root: Path, **constraints: float) -> Path:
    """A team's folder: data.csv, decision.toml (relative data path), the log in adr/."""
    root.mkdir(parents=True, exist_ok=True)
    _table(root / "data.csv")
    spec = {
        "title": "Verify me",
        "data": {"path": "data.csv", "target": "y"},
        "constraints": dict(constraints),
        "candidates": {"include": ["zero-rule", "linear"], "tuning_trials": 2},
        "evidence": {"learning_curves": False, "robustness": False},
    }
    (root / "decision.toml").write_text(tomli_w.dumps(spec))
    return root / "decision.toml"


def _harness(*args: str | Path) -> tuple[int, str]:
    result = cli.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_plan_then_run_follows_the_plan_and_verify_holds(tmp_path: Path, monkeypatch) -> None:
    spec = _project(tmp_path / "team", latency_p99_ms=50.0)
    monkeypatch.chdir(tmp_path / "team")
    code, out = _harness("plan", spec, "--adr-dir", "adr")
    assert code == 0, out
    plan_file = tmp_path / "team" / "adr" / "plans" / "verify-me.md"
    text = plan_file.read_text()
    for heading in ("Optimizing metric", "Satisficing gates", "Test-set design", "Baselines", "Protocol"):
        assert f"## {heading}" in text
    assert "`latency_p99_ms`: measured ≤ 50 ms" in text and "A candidate is acceptable if" in text
    facts = read_plan(plan_file)
    assert facts.candidates == ["zero-rule", "single-feature-rule", "linear"] and facts.data_sha256

    code, out = _harness("plan", spec, "--adr-dir", "adr")  # a plan is not silently rewritten
    assert code == 2 and "a plan for this decision exists" in out

    code, out = _harness("run", spec, "--adr-dir", "adr", "--executor", "inline", "-q")
    assert code == 0, out
    adr = next((tmp_path / "team" / "adr").glob("0001-*.md"))
    body = adr.read_text()
    assert "[the benchmark methodology](plans/verify-me.md)" in body and "before this run" in body
    assert "Deviations from the plan: none" in body
    claims = json.loads((adr.parent / "assets" / "0001-claims.json").read_text())
    assert claims["data"]["path"] == "../data.csv" and claims["gates"][0]["gate"] == "latency_p99_ms"
    assert claims["tuning_trials"]["linear"] >= 1  # verify replays the search the run completed

    code, out = _harness("verify", "1", "--adr-dir", "adr", "-q")
    assert code == 0, out
    assert "all " in out and "claims hold" in out and "option chosen" in out

    # the team tightens the latency budget in its record below what the chosen option measures: exit 1
    chosen = claims["chosen"]
    p99 = claims["gates"][0]["measured"]
    tightened = re.sub(r"(?m)^latency_p99_ms = .*$", f"latency_p99_ms = {p99 / 100:.6g}", body)
    adr.write_text(tightened)
    code, out = _harness("verify", str(adr), "-q")
    assert code == 1
    assert f"{chosen}: latency_p99_ms gate" in out and "does not hold" in out

    # the data changes under the record: verify refuses in one line, exit 2
    with (tmp_path / "team" / "data.csv").open("a") as f:
        f.write("0.1,0.2,0.3,1\n")
    code, out = _harness("verify", "1", "--adr-dir", "adr", "-q")
    assert code == 2 and "the data file changed since the decision" in out and "Traceback" not in out


def test_a_run_without_a_plan_writes_one_first_and_lists_deviations_later(tmp_path: Path) -> None:
    from harness.runner import RunOptions, run
    from harness.spec import load_spec

    spec_path = _project(tmp_path)
    options = RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", executor="inline")
    first = run(load_spec(spec_path), options=options)
    assert first.record.plan["written_by_run"] and first.record.plan["deviations"] == []
    assert (tmp_path / "adr" / "plans" / "verify-me.md").exists()
    assert "by this run before training" in first.adr_path.read_text()

    # the goalposts move: a tighter budget and another candidate, against the same plan
    changed = load_spec(spec_path)
    changed.constraints.max_model_mb = 5.0
    changed.candidates.include = ["zero-rule", "linear", "random-forest"]
    second = run(changed, options=options)
    found = second.record.plan["deviations"]
    assert not second.record.plan["written_by_run"]
    assert any("`constraints.max_model_mb` unset → 5.0" in d for d in found)
    assert any("`random-forest` was run but not planned" in d for d in found)
    assert "Deviations from the plan (" in second.adr_path.read_text()


def test_no_adr_writes_no_plan(tmp_path: Path) -> None:
    from harness.runner import RunOptions, run
    from harness.spec import load_spec

    options = RunOptions(
        runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", executor="inline", write_adr=False
    )
    result = run(load_spec(_project(tmp_path)), options=options)
    assert result.record.plan is None and not (tmp_path / "adr").exists()


def test_verify_bad_input_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "adr").mkdir()
    code, out = _harness("verify", "7", "--adr-dir", tmp_path / "adr")
    assert code == 2 and "no record number 7" in out
    old = tmp_path / "adr" / "0001-old.md"
    old.write_text("# 1. Old\n\nDate: 2020-01-01\n\n## Status\n\nAccepted\n")
    code, out = _harness("verify", old)
    assert code == 2 and "no claims file" in out and "Traceback" not in out


def test_a_replayed_trial_runs_the_recorded_number_of_trials_without_a_time_limit() -> None:
    from harness.executor import TrialContext
    from harness.protocol import EvaluationProtocol

    protocol = EvaluationProtocol("stratified", "a held-out split", 100, 10, 20, 5, 100, 20.0, (0,))
    context = TrialContext(None, None, "roc_auc", protocol, None, replay={"xgboost": 11})
    assert context.protocol_for("linear") is protocol
    replayed = context.protocol_for("xgboost")
    assert replayed.tuning_trials == 11 and replayed.tuning_time_s >= 86_400 and replayed.cv_folds == 5
