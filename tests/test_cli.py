"""`harness run` end to end: planted truths in the ADR, and bad input → one line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from harness.cli import EXIT_BLOCKED_RUN, app
from harness.decide import decide
from harness.record import load_record
from harness.spec import spec_from_dict

from .conftest import make_tiny_classification_df

runner = CliRunner()

SPEC = """
title = "{title}"
decision_makers = ["Test team"]
seed = 3
{metric}

[data]
path = "{data}"
target = "{target}"

[constraints]
{constraints}

[team_skills]
lightgbm = "expert"

[candidates]
include = [{include}]
tuning_trials = 4  # the planted truths here need the pipeline, not a deep search
"""


def write_spec(
    tmp_path: Path,
    data: str,
    *,
    target: str = "label",
    include: tuple[str, ...] = ("zero-rule", "single-feature-rule", "lightgbm"),
    constraints: str = "",
    metric: str = "",
    title: str = "Test decision",
) -> Path:
    path = tmp_path / "decision.toml"
    path.write_text(
        SPEC.format(
            title=title,
            data=data,
            target=target,
            include=", ".join(f'"{c}"' for c in include),
            constraints=constraints,
            metric=metric,
        )
    )
    return path


def invoke(tmp_path: Path, *args: str):
    return runner.invoke(
        app,
        [*args, "--adr-dir", str(tmp_path / "adr"), "--out-dir", str(tmp_path / "runs"), "--quiet"],
        catch_exceptions=False,
    )


def make_interaction_df(n_rows: int, seed: int) -> pl.DataFrame:
    """The label is an interaction (XOR of two signs): no single feature predicts it, trees do."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n_rows), rng.normal(size=n_rows)
    label = ((a > 0) ^ (b > 0)).astype(np.int64)
    flip = rng.random(n_rows) < 0.05
    return pl.DataFrame(
        {"a": a, "b": b, "noise": rng.normal(size=n_rows), "label": np.where(flip, 1 - label, label)}
    )


def assert_bad_input(tmp_path: Path, result, *needles: str, exit_code: int = 2) -> None:
    output = result.output
    assert result.exit_code == exit_code, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), output
    for needle in needles:
        assert needle in output, output
    assert not (tmp_path / "adr").exists() or not any((tmp_path / "adr").iterdir())
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# ---- planted truths ---------------------------------------------------------------------------------------


def test_run_writes_adr_and_record_with_measured_numbers(tmp_path: Path) -> None:
    make_interaction_df(1_500, seed=1).write_csv(tmp_path / "data.csv")
    spec = write_spec(
        tmp_path, "data.csv", include=("zero-rule", "single-feature-rule", "lightgbm", "torch-mlp")
    )
    result = invoke(tmp_path, "run", str(spec))
    assert result.exit_code == 0, result.output
    assert "Chosen option" in result.output
    adrs = sorted((tmp_path / "adr").glob("0*.md"))
    assert len(adrs) == 1 and adrs[0].name == "0001-test-decision.md"
    text = adrs[0].read_text()
    record = load_record(next((tmp_path / "runs").glob("*/run.json")))
    for m in record.measurements:
        assert m.ok and m.latency is not None and m.latency.p99_ms > 0
        assert m.candidate in text
        assert f"{m.latency.p50_ms:.2f}" in text  # the ADR shows the measured numbers
    assert record.decision is not None and record.decision.justified
    assert (tmp_path / "adr" / "README.md").exists()

    # a second run never overwrites: it takes the next number and supersedes the first (only its status moves)
    assert invoke(tmp_path, "run", str(spec)).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "adr").glob("0*.md")) == [
        "0001-test-decision.md",
        "0002-test-decision.md",
    ]
    before, after = text.splitlines(), adrs[0].read_text().splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed and all(
        "proposed" in old and "superseded by [0002-test-decision](0002-test-decision.md)" in new
        for old, new in changed
    ), changed


@pytest.mark.slow
def test_latency_budget_tighter_than_the_mlp_rejects_it_with_the_number(tmp_path: Path) -> None:
    make_tiny_classification_df(1_500, seed=2).write_csv(tmp_path / "data.csv")
    spec_path = write_spec(tmp_path, "data.csv", include=("zero-rule", "torch-mlp"))
    assert invoke(tmp_path, "run", str(spec_path), "--no-adr").exit_code == 0
    record = load_record(next((tmp_path / "runs").glob("*/run.json")))
    mlp = record.measurement("torch-mlp")
    assert mlp.latency is not None
    # half the CI's lower end, two significant digits as a team would write it: clearly over the budget
    budget = float(f"{mlp.latency.p99_low / 2:.2g}")

    raw = dict(record.spec)
    raw["constraints"] = {**raw.get("constraints", {}), "latency_p99_ms": budget}
    decision = decide(record.measurements, spec_from_dict(raw), metric=record.decision.metric)
    verdict = next(v for v in decision.verdicts if v.candidate == "torch-mlp")
    assert verdict.verdict == "rejected"
    assert any(f"> budget {budget:g} ms" in v and "p99" in v for v in verdict.violations), verdict.violations
    assert decision.recommended == decision.best_baseline  # only baselines are left; the best one is kept

    # through the CLI: an absurdly tight (but valid) budget rejects everything, numbers in the ADR
    tight = write_spec(
        tmp_path, "data.csv", include=("zero-rule", "torch-mlp"), constraints="latency_p99_ms = 0.0001"
    )
    result = invoke(tmp_path, "run", str(tight))
    assert result.exit_code == 0, result.output
    text = next((tmp_path / "adr").glob("0001-*.md")).read_text()
    assert "> budget 0.0001 ms" in text
    assert "rejected" in text


def test_no_signal_means_no_model_is_justified(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    pl.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], size=n),
            "label": rng.integers(0, 2, size=n),
        }
    ).write_parquet(tmp_path / "noise.parquet")
    spec = write_spec(tmp_path, "noise.parquet", include=("zero-rule", "single-feature-rule", "lightgbm"))
    result = invoke(tmp_path, "run", str(spec))
    assert result.exit_code == 0, result.output
    text = next((tmp_path / "adr").glob("0001-*.md")).read_text()
    assert "No model is yet justified over the baseline" in text
    record = load_record(next((tmp_path / "runs").glob("*/run.json")))
    assert record.decision is not None and not record.decision.justified


# ---- bad input: one line, exit 2, nothing written ---------------------------------------------------------


def test_missing_data_file(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "nowhere.csv")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "nowhere.csv", "fix:")


def test_missing_target_column(tmp_path: Path) -> None:
    make_tiny_classification_df(200).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv", target="lable")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "lable", "label")


def test_unknown_toml_key(tmp_path: Path) -> None:
    make_tiny_classification_df(200).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv", constraints="latency_ms = 3")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "constraints.latency_ms", "latency_p99_ms")


def test_malformed_toml(tmp_path: Path) -> None:
    spec = tmp_path / "decision.toml"
    spec.write_text('title = "unterminated\n')
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "malformed TOML")


def test_negative_constraint(tmp_path: Path) -> None:
    make_tiny_classification_df(200).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv", constraints="max_model_mb = -1")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "constraints.max_model_mb")


def test_empty_dataset(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("x_num,color,label\n")
    spec = write_spec(tmp_path, "data.csv")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "data.csv")


def test_single_class_target(tmp_path: Path) -> None:
    make_tiny_classification_df(200).with_columns(label=pl.lit(1)).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv", metric='task = "binary"')
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "label")


def test_garbage_in_numeric_column(tmp_path: Path) -> None:
    df = make_tiny_classification_df(300).with_columns(pl.col("x_num").cast(pl.String))
    df = df.with_columns(
        pl.when(pl.col("row_id") == 250).then(pl.lit("12,5kg")).otherwise(pl.col("x_num")).alias("x_num")
    )
    df.write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv")
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec)), "x_num", "12,5kg")


def test_blocking_audit_finding_stops_the_run(tmp_path: Path) -> None:
    df = make_tiny_classification_df(600)
    df.with_columns(leak=pl.col("label") * 10 + 1).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv")
    result = invoke(tmp_path, "run", str(spec))
    assert_bad_input(tmp_path, result, "leakage:leak", "acknowledge", exit_code=EXIT_BLOCKED_RUN)


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "nowhere.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", str(spec), "--adr-dir", str(tmp_path / "adr")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "nowhere.csv" in proc.stderr
    assert not (tmp_path / "adr").exists()


def test_check_and_schema_commands(tmp_path: Path) -> None:
    make_tiny_classification_df(200).write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv")
    result = runner.invoke(app, ["check", str(spec)])
    assert result.exit_code == 0 and 'target = "label"' in result.output
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0 and "latency_p99_ms" in result.output


def test_audit_command_exit_codes(tmp_path: Path) -> None:
    df = make_tiny_classification_df(600)
    df.write_csv(tmp_path / "clean.csv")
    df.with_columns(leak=pl.col("label") * 10 + 1).write_csv(tmp_path / "leaky.csv")
    clean = runner.invoke(app, ["audit", str(write_spec(tmp_path, "clean.csv"))])
    assert clean.exit_code == 0, clean.output
    leaky = runner.invoke(app, ["audit", str(write_spec(tmp_path, "leaky.csv"))])
    assert leaky.exit_code == 1
    assert "leakage:leak" in leaky.output


@pytest.mark.slow
def test_adr_spec_and_index_commands_round_trip(tmp_path: Path) -> None:
    make_interaction_df(800, seed=4).write_csv(tmp_path / "data.csv")
    spec_path = write_spec(tmp_path, "data.csv", include=("zero-rule", "lightgbm"))
    assert invoke(tmp_path, "run", str(spec_path)).exit_code == 0
    adr_path = next((tmp_path / "adr").glob("0001-*.md"))
    shown = runner.invoke(app, ["adr", "spec", str(adr_path)])
    assert shown.exit_code == 0
    from harness.spec import load_spec, spec_from_toml

    assert spec_from_toml(shown.output).to_dict() == load_spec(spec_path).to_dict()  # spec → ADR → spec
    (tmp_path / "adr" / "README.md").unlink()
    assert runner.invoke(app, ["adr", "index", "--adr-dir", str(tmp_path / "adr")]).exit_code == 0
    assert "0001" in (tmp_path / "adr" / "README.md").read_text()


def test_a_dropped_column_may_hold_anything(tmp_path: Path) -> None:
    """drop_columns is the way out of a bad column: the run (audit included) must not trip over it."""
    df = make_tiny_classification_df(600).with_columns(
        notes=pl.when(pl.col("row_id") == 5).then(pl.lit("n/a")).otherwise(pl.col("row_id").cast(pl.String))
    )
    df.write_csv(tmp_path / "data.csv")
    spec = write_spec(tmp_path, "data.csv", include=("zero-rule",))
    assert_bad_input(tmp_path, invoke(tmp_path, "run", str(spec), "--no-adr"), "notes", "n/a")
    spec.write_text(spec.read_text() + '\n[audit]\ndrop_columns = ["notes"]\n')
    result = invoke(tmp_path, "run", str(spec), "--no-adr")
    assert result.exit_code == 0, result.output
