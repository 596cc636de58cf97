"""The spec: TOML in, validated model out, TOML back; every bad key is one line naming key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import InputError, load_spec, spec_from_toml
from harness.spec import DecisionSpec, json_schema
from harness.types import SkillLevel, TaskKind

FULL = """
title = "Fraud screening model"
decision_makers = ["Payments ML"]
task = "binary"
metric = "pr_auc"
seed = 11

[data]
path = "transactions.parquet"
target = "is_fraud"
id_column = "transaction_id"
group_column = "customer_id"
time_column = "event_time"
split = "group"

[constraints]
latency_p99_ms = 20
throughput_rps = 500
max_model_mb = 50
labelled_examples = 40000
budget_usd_per_1k_predictions = 0.01
hardware_usd_per_hour = 0.085
interpretability = "preferred"

[team_skills]
xgboost = "expert"
pytorch = "none"

[candidates]
exclude = ["torch-mlp"]

[audit]
drop_columns = ["chargeback_flag"]
"""


def bad(body: str) -> str:
    with pytest.raises(InputError) as info:
        spec_from_toml(body, where="decision.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("decision.toml: ")
    return message


def test_full_spec_loads_with_types() -> None:
    spec = spec_from_toml(FULL)
    assert spec.task is TaskKind.BINARY
    assert spec.constraints.latency_p99_ms == 20.0
    assert spec.team_skills["xgboost"] is SkillLevel.EXPERT
    assert spec.metric_for(TaskKind.BINARY) == "pr_auc"


def test_toml_round_trip_is_identity() -> None:
    spec = spec_from_toml(FULL)
    again = spec_from_toml(spec.to_toml())
    assert again == spec
    assert again.to_toml() == spec.to_toml()
    assert again.fingerprint() == spec.fingerprint()


def test_default_metric_per_task() -> None:
    spec = spec_from_toml('title = "abc"\n[data]\npath = "x.csv"\ntarget = "y"\n')
    assert spec.metric_for(TaskKind.BINARY) == "roc_auc"
    assert spec.metric_for(TaskKind.REGRESSION) == "rmse"
    assert spec.metric_for(TaskKind.MULTICLASS) == "macro_f1"


def test_unknown_key_is_named_with_the_allowed_keys() -> None:
    message = bad(FULL.replace("latency_p99_ms = 20", "latency_p99 = 20"))
    assert "unknown key 'constraints.latency_p99'" in message
    assert "latency_p99_ms" in message  # the fix lists the right spelling


def test_unknown_top_level_key() -> None:
    assert "unknown key 'colour'" in bad('colour = "red"\n' + FULL)


def test_negative_and_absurd_constraints() -> None:
    assert "constraints.latency_p99_ms" in bad(FULL.replace("latency_p99_ms = 20", "latency_p99_ms = -5"))
    assert "constraints.max_model_mb" in bad(FULL.replace("max_model_mb = 50", "max_model_mb = 1e12"))
    too_big = FULL.replace('split = "group"', 'split = "group"\ntest_fraction = 0.9')
    assert "data.test_fraction" in bad(too_big)


def test_malformed_toml() -> None:
    assert "malformed TOML" in bad('title = "x\n')


def test_unknown_metric_and_skill_and_enum() -> None:
    assert "unknown metric 'auc'" in bad(FULL.replace('metric = "pr_auc"', 'metric = "auc"'))
    assert "unknown framework 'keras'" in bad(FULL.replace('pytorch = "none"', 'keras = "none"'))
    assert "team_skills.xgboost" in bad(FULL.replace('xgboost = "expert"', 'xgboost = "guru"'))


def test_metric_must_fit_task() -> None:
    regression = FULL.replace('task = "binary"', 'task = "regression"')
    assert "does not apply to a regression task" in bad(regression)


def test_missing_target_and_data() -> None:
    assert "data.target is required" in bad('title = "abc"\n[data]\npath = "x.csv"\n')
    assert "missing required key 'data'" in bad('title = "abc"\n')


def test_budget_needs_a_price() -> None:
    assert "hardware_usd_per_hour" in bad(FULL.replace("hardware_usd_per_hour = 0.085", ""))


def test_load_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="spec file not found"):
        load_spec(tmp_path / "nope.toml")
    with pytest.raises(InputError, match="is a folder"):
        load_spec(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(InputError, match="not UTF-8"):
        load_spec(binary)


def test_paths_resolve_relative_to_the_spec_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "decision.toml"
    path.write_text(FULL)
    spec = load_spec(path)
    assert spec.data_path() == tmp_path / "sub" / "transactions.parquet"


def test_json_schema_lists_constraints() -> None:
    schema = json_schema()
    assert "latency_p99_ms" in schema["$defs"]["Constraints"]["properties"]
    assert DecisionSpec.model_fields["title"].is_required()
