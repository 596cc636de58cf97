"""harness.spec_file: edits keep the author's file (comments, order, layout, no defaults); drafts say what is
missing as next steps, and still report real errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from harness.errors import InputError
from harness.spec import load_spec
from harness.spec_file import (
    ESSENTIAL_KEYS,
    draft_status,
    missing_essentials,
    update_spec_file,
    update_spec_text,
)

COMMENTED = """\
# Which fraud model do we ship?  (owned by the risk team)
title = "Fraud model"   # becomes the ADR title
task = "binary"

[data]
path = "tiny.csv"       # relative to this file
target = "is_fraud"

# ---- what the deployment allows ----
[constraints]
# agreed with the payments platform, 2025-01
latency_p99_ms = 10     # per request
max_model_mb = 50

[candidates]
include = ["zero-rule", "lightgbm"]   # keep the run short
"""


def test_changing_one_value_changes_that_value_only() -> None:
    new = update_spec_text(COMMENTED, {"constraints.latency_p99_ms": 20.0})
    assert new == COMMENTED.replace(
        "latency_p99_ms = 10     # per request", "latency_p99_ms = 20     # per request"
    )


def test_a_value_set_again_unchanged_leaves_the_text_alone() -> None:
    changes = {
        "constraints.max_model_mb": 50.0,
        "title": "Fraud model",
        "candidates.include": ["zero-rule", "lightgbm"],
    }
    assert update_spec_text(COMMENTED, changes) == COMMENTED


def test_new_keys_go_where_they_belong_and_nothing_else_is_added() -> None:
    new = update_spec_text(
        COMMENTED,
        {
            "seed": 7,
            "constraints.throughput_rps": 200.5,
            "team_skills.xgboost": "expert",
            "audit.dedupe": True,
            "audit.drop_columns": ["chargeback_flag"],
        },
    )
    lines = new.splitlines()
    assert lines[: len(COMMENTED.splitlines()[:3])] == COMMENTED.splitlines()[:3]
    assert new.index("seed = 7") < new.index("[data]")  # a top-level key stays above the tables
    assert new.index("max_model_mb = 50\nthroughput_rps = 200.5") > new.index("[constraints]")
    assert new.endswith(
        '[team_skills]\nxgboost = "expert"\n\n[audit]\ndedupe = true\ndrop_columns = ["chargeback_flag"]\n'
    )
    for comment in [line for line in COMMENTED.splitlines() if "#" in line]:
        assert comment in new
    raw = tomllib.loads(new)
    assert set(raw) == {"title", "task", "seed", "data", "constraints", "candidates", "team_skills", "audit"}
    assert raw["audit"] == {"dedupe": True, "drop_columns": ["chargeback_flag"]}


def test_none_removes_a_key_and_a_table_it_empties_unless_commented() -> None:
    new = update_spec_text(COMMENTED, {"candidates.include": None, "task": None})
    assert "[candidates]" not in new and "task =" not in new
    kept = update_spec_text(COMMENTED, {"constraints.latency_p99_ms": None, "constraints.max_model_mb": None})
    assert "[constraints]\n# agreed with the payments platform, 2025-01\n" in kept  # the author's note stays
    assert "constraints" not in tomllib.loads(kept) or tomllib.loads(kept)["constraints"] == {}
    assert update_spec_text(COMMENTED, {"audit.dedupe": None, "nothing.here": None}) == COMMENTED


def test_inline_and_dotted_tables_are_edited_in_place() -> None:
    text = 'title = "Churn"\ndata = { path = "d.csv", target = "y" }\nconstraints.latency_p99_ms = 10\n'
    new = update_spec_text(text, {"data.target": "churned", "constraints.latency_p99_ms": 12.5})
    assert tomllib.loads(new) == {
        "title": "Churn",
        "data": {"path": "d.csv", "target": "churned"},
        "constraints": {"latency_p99_ms": 12.5},
    }
    assert new.count("\n") == 3  # still three lines: no table was spelled out


def test_errors_name_the_problem() -> None:
    with pytest.raises(InputError, match="malformed TOML"):
        update_spec_text("title = ", {"title": "x"}, where="d.toml")
    with pytest.raises(InputError, match="title is not a table"):
        update_spec_text('title = "Churn"\n', {"title.x": 1})


def test_update_spec_file_in_place_and_save_as(tmp_path: Path) -> None:
    spec = tmp_path / "decision.toml"
    spec.write_text(COMMENTED, encoding="utf-8")
    (tmp_path / "tiny.csv").write_text("amount,is_fraud\n1,0\n", encoding="utf-8")
    update_spec_file(spec, {"constraints.max_model_mb": 25.0})
    assert "max_model_mb = 25\n" in spec.read_text() and "# agreed with the payments" in spec.read_text()
    assert load_spec(spec).constraints.max_model_mb == 25.0

    copy = tmp_path / "copy.toml"
    written = update_spec_file(copy, {"title": "Fraud model, v2"}, source=spec)
    assert copy.read_text() == written and "# Which fraud model do we ship?" in written
    assert spec.read_text().count("Fraud model, v2") == 0  # the source is not touched

    fresh = update_spec_file(tmp_path / "new.toml", {"title": "New one", "data.path": "tiny.csv"})
    assert tomllib.loads(fresh) == {"title": "New one", "data": {"path": "tiny.csv"}}


def test_a_draft_names_what_is_missing_in_order_not_as_an_error() -> None:
    assert ESSENTIAL_KEYS == ("data.path", "data.target", "title")
    spec, missing, error = draft_status({"title": "", "data": {"path": ""}})
    assert (spec, missing, error) == (None, ["data.path", "data.target", "title"], None)
    spec, missing, error = draft_status({"data": {"path": "tiny.csv"}})
    assert spec is None and missing == ["data.target", "title"] and error is None
    assert missing_essentials({"task": "qa", "data": {}}) == ["data.path", "title"]  # QA has no target
    spec, missing, error = draft_status({"title": "Churn model", "data": {"path": "d.csv", "target": "y"}})
    assert spec is not None and missing == [] and error is None


def test_a_draft_still_reports_a_wrong_value_among_what_is_there() -> None:
    _, missing, error = draft_status({"data": {"path": "d.csv"}, "constraints": {"latency_p99_ms": -5}})
    assert missing == ["data.target", "title"]
    assert error is not None and "constraints.latency_p99_ms" in error.problem
    _, missing, error = draft_status({"title": "ab", "data": {}})
    assert missing == ["data.path", "data.target"] and error is not None and "'title'" in error.problem
