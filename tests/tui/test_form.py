"""The form ↔ spec mapping: a loaded spec survives the form unchanged; errors land on the field they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import InputError
from harness.spec import load_spec, spec_from_dict
from tui.form import FIELDS_BY_KEY, dict_from_values, field_for_error, set_path, values_from_dict

ROOT = Path(__file__).resolve().parents[2]
FRAUD_SPEC = ROOT / "datasets" / "fraud" / "decision.toml"


def test_fraud_spec_round_trips_through_the_form() -> None:
    spec = load_spec(FRAUD_SPEC)
    values = values_from_dict(spec.to_dict())
    assert values["constraints.latency_p99_ms"] == "10"
    assert values["team_skills.xgboost"] == "expert"
    assert values["decision_makers"] == "Head of Risk ML, Payments platform lead"
    again = spec_from_dict(dict_from_values(values, spec.to_dict()))
    assert again.to_dict() == spec.to_dict()  # incl. keys the form does not show (audit.drop_columns)


def test_clearing_a_field_unsets_it_and_keeps_the_rest() -> None:
    base = {"title": "Churn", "data": {"path": "d.csv", "target": "y"}, "constraints": {"max_model_mb": 5.0}}
    values = values_from_dict(base)
    values["constraints.max_model_mb"] = ""
    values["constraints.latency_p99_ms"] = "12.5"
    values["team_skills.pytorch"] = "basic"
    raw = dict_from_values(values, base)
    assert raw["constraints"] == {"latency_p99_ms": 12.5}
    assert raw["team_skills"] == {"pytorch": "basic"}
    assert spec_from_dict(raw).constraints.latency_p99_ms == 12.5


def test_set_path_removes_emptied_parents() -> None:
    raw = {"constraints": {"max_model_mb": 5.0}}
    set_path(raw, "constraints.max_model_mb", None)
    assert raw == {}


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"constraints.latency_p99_ms": "-5"}, "constraints.latency_p99_ms"),
        ({"constraints.throughput_rps": "fast"}, "constraints.throughput_rps"),
        ({"title": "ab"}, "title"),
        ({"data.target": ""}, "data.target"),
        ({"data.path": ""}, "data.path"),
        ({"metric": "rmse"}, "metric"),  # rmse does not fit a binary task
        ({"constraints.budget_usd_per_1k_predictions": "0.01"}, "constraints.budget_usd_per_1k_predictions"),
        ({"seed": "-1"}, "seed"),
        ({"candidates.time_budget_s": "0"}, "candidates.time_budget_s"),
    ],
)
def test_pydantic_errors_map_to_the_field_they_name(edit: dict[str, str], field: str) -> None:
    base = {"title": "Churn model", "task": "binary", "data": {"path": "d.csv", "target": "y"}}
    values = values_from_dict(base) | edit
    with pytest.raises(InputError) as caught:
        spec_from_dict(dict_from_values(values, base))
    assert field_for_error(caught.value) == field
    assert field in FIELDS_BY_KEY
