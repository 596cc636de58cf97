"""Every `--json` object validates against the JSON Schema `harness schema --of …` prints for it (and the
pydantic shape it is generated from): run, audit, check (clean and with errors), adr list, and a failure.
Validated with the `jsonschema` library, as a team's script would, on a real run of a real table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.cli.json_schema import validate

jsonschema = pytest.importorskip("jsonschema")
runner = CliRunner()


def _schema(of: str) -> dict:
    result = runner.invoke(app, ["schema", "--of", of])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _check(payload: dict, of: str) -> None:
    jsonschema.validate(payload, _schema(of))  # raises with the path of the first mismatch
    validate(payload)


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame  # a real public table: 178 wines, 13 measurements, 3 cultivars
    frame.to_csv(tmp_path / "wine.csv", index=False)
    path = tmp_path / "decision.toml"
    path.write_text(
        'title = "Wine cultivar from its chemistry"\n[data]\npath = "wine.csv"\ntarget = "target"\n'
        '[candidates]\ninclude = ["zero-rule", "linear"]\ntuning_trials = 1\ncv_folds = 1\n'
        "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    return path


def test_every_json_object_validates_against_its_schema(tmp_path: Path, spec_path: Path) -> None:
    adr_dir = tmp_path / "adr"
    outs = ["--out-dir", str(tmp_path / "runs"), "--adr-dir", str(adr_dir), "--executor", "inline"]
    run = runner.invoke(app, ["run", str(spec_path), "--json", *outs])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    _check(payload, "run")
    assert payload["decision"]["recommended"] == "linear" and payload["decision"]["justified"]

    audit = runner.invoke(app, ["audit", str(spec_path), "--json"])
    _check(json.loads(audit.stdout), "audit")
    check = runner.invoke(app, ["check", str(spec_path), "--json"])
    _check(json.loads(check.stdout), "check")
    listed = runner.invoke(app, ["adr", "list", "--json", "--adr-dir", str(adr_dir)])
    records = json.loads(listed.stdout)
    _check(records, "adr-list")
    assert [r["number"] for r in records["records"]] == [1]

    bad = tmp_path / "bad.toml"
    bad.write_text(spec_path.read_text().replace("[candidates]", "[candidates]\nnot_a_key = 1"))
    errors = json.loads(runner.invoke(app, ["check", str(bad), "--json"]).stdout)
    _check(errors, "check")
    assert not errors["ok"] and "not_a_key" in errors["errors"][0]["message"]

    failure = json.loads(runner.invoke(app, ["run", str(tmp_path / "missing.toml"), "--json"]).stdout)
    _check(failure, "failure")


def test_a_shape_refuses_what_it_does_not_define() -> None:
    """The schemas can fail: an unknown key, a missing key or a wrong type is rejected."""
    good = {"schema": "archbench.adr_list/1", "adr_dir": "adr", "records": []}
    jsonschema.validate(good, _schema("adr-list"))
    for broken in (
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "records"},
        {**good, "records": [{"number": "one"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, _schema("adr-list"))
