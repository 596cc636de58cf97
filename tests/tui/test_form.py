"""The form ↔ spec mapping: a loaded spec survives the form unchanged; errors land on the field they name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import Field, create_model

from harness.errors import InputError
from harness.spec import Constraints, load_spec, spec_from_dict
from tui.form import (
    FIELDS,
    FIELDS_BY_KEY,
    changed_keys,
    dict_from_values,
    field_for_error,
    schema_fields,
    set_path,
    values_from_dict,
)

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


def test_every_constraint_of_the_spec_has_a_form_field() -> None:
    """The Constraints section is generated from the spec's schema: nothing in the TUI lists them."""
    shown = [f.key.removeprefix("constraints.") for f in FIELDS if f.section == "Constraints"]
    assert shown == list(Constraints.model_fields)
    for name, info in Constraints.model_fields.items():
        field = FIELDS_BY_KEY[f"constraints.{name}"]
        assert field.label == info.title and field.help == info.description
    assert FIELDS_BY_KEY["constraints.latency_p99_ms"].kind == "float"
    assert FIELDS_BY_KEY["constraints.labelled_examples"].kind == "int"
    assert FIELDS_BY_KEY["constraints.labelled_examples"].placeholder == "unset, e.g. 5000"
    hardware = FIELDS_BY_KEY["constraints.hardware"]
    assert (hardware.kind, hardware.choices, hardware.placeholder) == ("choice", ("cpu", "gpu"), "cpu")


def test_a_constraint_added_to_the_spec_appears_in_the_form() -> None:
    """What `constraint_fields` does for a new `Constraints` field, shown on a subclass with two more."""
    grown = create_model(
        "GrownConstraints",
        __base__=Constraints,
        gpu_memory_gb=(
            Annotated[float, Field(gt=0)] | None,
            Field(None, title="GPU memory (GB)", examples=[16], description="Memory of the serving GPU."),
        ),
        region=(Literal["eu", "us"], Field("eu", description="Where it is served.")),
    )
    fields = {f.key: f for f in schema_fields(grown, "constraints", "Constraints")}
    assert set(fields) == {f"constraints.{name}" for name in grown.model_fields}
    gpu = fields["constraints.gpu_memory_gb"]
    assert (gpu.kind, gpu.label, gpu.placeholder, gpu.help) == (
        "float",
        "GPU memory (GB)",
        "unset, e.g. 16",
        "Memory of the serving GPU.",
    )
    region = fields["constraints.region"]
    assert (region.kind, region.choices, region.label, region.placeholder) == (
        "choice",
        ("eu", "us"),
        "Region",
        "eu",
    )


def test_audit_options_are_in_the_form_and_round_trip() -> None:
    base = {
        "title": "Churn model",
        "data": {"path": "d.csv", "target": "y"},
        "audit": {"dedupe": True, "drop_columns": ["a", "b"], "acknowledge": ["leakage:a"], "num_perm": 64},
    }
    values = values_from_dict(base)
    assert values["audit.dedupe"] == "true" and values["audit.drop_columns"] == "a, b"
    assert values["audit.acknowledge"] == "leakage:a"
    assert dict_from_values(values, base) == base  # incl. the audit key the form does not show
    values["audit.dedupe"] = None
    values["audit.drop_columns"] = ""
    assert spec_from_dict(dict_from_values(values, base)).audit.dedupe is False
    assert changed_keys(values, base) == {"audit.dedupe": None, "audit.drop_columns": None}


def test_changed_keys_are_only_what_the_user_changed() -> None:
    base = {"title": "Churn", "data": {"path": "d.csv", "target": "y"}, "constraints": {"latency_p99_ms": 10}}
    values = values_from_dict(base)
    assert changed_keys(values, base) == {}  # 10 shown as "10", read back as 10.0: the same value
    values["constraints.latency_p99_ms"] = "12.5"
    values["team_skills.pytorch"] = "basic"
    assert changed_keys(values, base) == {"constraints.latency_p99_ms": 12.5, "team_skills.pytorch": "basic"}
