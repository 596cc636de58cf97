"""Pilot tests of each flow: the form, the data preview, a run, the leaderboard, the ADR, cancel, errors.

Flows that need a finished run use `FakeRunner` (tests/tui/fakes.py) so they are fast and deterministic;
`test_real_runner_on_a_tiny_dataset` drives the real `harness.runner.run` end to end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Select, Static

from harness.adr import list_adrs
from harness.spec import load_spec
from tests.tui.conftest import settle
from tests.tui.fakes import FakeRunner, bad_data_error
from tui.app import ArchbenchApp
from tui.screens.constraints import ConstraintsView
from tui.screens.results import ResultsView
from tui.screens.run import RunView

MakeApp = Callable[..., ArchbenchApp]
pytestmark = pytest.mark.anyio


def _error_of(app: ArchbenchApp, key: str) -> str:
    widget = app.query_one(f"#e-{key.replace('.', '--')}", Static)
    return str(widget.render()) if widget.display else ""


def _input(app: ArchbenchApp, key: str) -> Input:
    return app.query_one(f"#f-{key.replace('.', '--')}", Input)


async def test_invalid_input_is_shown_inline_and_blocks_run(tiny_spec: Path, make_app: MakeApp) -> None:
    fake = FakeRunner()
    app = make_app(tiny_spec, run=fake)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.spec is not None and not app.query_one("#run-start", Button).disabled

        latency = _input(app, "constraints.latency_p99_ms")
        latency.focus()
        await pilot.press("ctrl+a", "ctrl+k", "minus", "5")
        await settle(pilot)
        assert "constraints.latency_p99_ms" in _error_of(app, "constraints.latency_p99_ms")
        assert "greater than 0" in _error_of(app, "constraints.latency_p99_ms")
        assert app.spec is None and app.query_one("#run-start", Button).disabled
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert fake.calls == []  # Run refused
        assert app.query_one("#tabs").active == "constraints"

        latency.value = "20"
        _input(app, "constraints.throughput_rps").value = "fast"  # Textual's Number validator speaks first
        await settle(pilot)
        assert _error_of(app, "constraints.latency_p99_ms") == ""
        assert "number" in _error_of(app, "constraints.throughput_rps").lower()
        assert app.spec is None

        _input(app, "constraints.throughput_rps").value = ""
        _input(app, "constraints.budget_usd_per_1k_predictions").value = "0.01"  # needs a hardware price
        await settle(pilot)
        assert "hardware_usd_per_hour" in _error_of(app, "constraints.budget_usd_per_1k_predictions")
        _input(app, "constraints.hardware_usd_per_hour").value = "0.085"
        await settle(pilot)
        assert app.spec is not None and app.spec.constraints.budget_usd_per_1k_predictions == 0.01
        assert not app.query_one("#run-start", Button).disabled


async def test_a_new_spec_from_scratch(tiny_spec: Path, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(None)  # `harness tui` without a spec
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.spec is None and "title" in _error_of(app, "title")
        _input(app, "title").value = "Which churn model?"
        await settle(pilot)
        assert "data.path" in _error_of(app, "data.path")
        _input(app, "data.path").value = "tiny.csv"
        await settle(pilot)
        assert "data.target" in _error_of(app, "data.target")
        _input(app, "data.target").value = "is_fraud"
        app.query_one("#spec-path", Input).value = str(tmp_path / "new.toml")
        await settle(pilot)
        assert app.spec is not None and app.spec.data.target == "is_fraud"
        app.action_save_spec()
    assert load_spec(tmp_path / "new.toml").title == "Which churn model?"


async def test_save_writes_back_the_same_spec(tiny_spec: Path, make_app: MakeApp, tmp_path: Path) -> None:
    original = load_spec(tiny_spec)
    app = make_app(tiny_spec)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        copy = tmp_path / "copy.toml"
        app.query_one("#spec-path", Input).value = str(copy)
        await settle(pilot)
        app.query_one(ConstraintsView).focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert load_spec(copy).to_dict() == original.to_dict()

        _input(app, "constraints.max_model_mb").value = "50"
        app.query_one("#f-team_skills--xgboost", Select).value = "expert"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = load_spec(copy)
    assert saved.constraints.max_model_mb == 50.0
    assert saved.team_skills["xgboost"] == "expert"
    assert saved.candidates.include == original.candidates.include


async def test_data_tab_previews_rows_schema_balance(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        preview = app.query_one("#data-preview", DataTable)
        assert preview.row_count == 20 and len(preview.columns) == 5
        assert app.query_one("#data-schema", DataTable).row_count == 5
        summary = str(app.query_one("#data-summary", Static).render())
        assert "300 rows × 5 columns" in summary and "task binary" in summary
        balance = str(app.query_one("#data-balance", Static).render())
        assert "%" in balance and balance.count("\n") >= 2  # both classes with their share


async def test_run_shows_progress_leaderboard_and_failures(tiny_spec: Path, make_app: MakeApp) -> None:
    fake = FakeRunner(progress_events=2_000)
    app = make_app(tiny_spec, run=fake)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert fake.calls and fake.calls[0].write_adr is False
        assert app._forwarder is not None and app._forwarder.posted < app._forwarder.received / 10
        run_view = app.query_one(RunView)
        failed = run_view.bar("cand:mlp")
        assert failed is not None and failed.has_class("-failed") and "loss became NaN" in failed.note
        assert run_view.bar("cand:lightgbm").fraction == 1.0
        assert app.query_one("#tabs").active == "results"

        results = app.query_one(ResultsView)
        table = app.query_one("#leaderboard", DataTable)
        assert table.row_count == 5
        assert results.sorted_candidates()[0] == "lightgbm"  # rank 1 first
        xgb = table.get_row("xgboost")
        assert "rejected" in str(xgb[-1]) and "10" in str(xgb[-1])  # the violated budget, with its number
        assert "failed" in str(table.get_row("mlp")[-1])
        recommendation = str(app.query_one("#recommendation", Static).render())
        assert recommendation.startswith("Chosen option: lightgbm")

        results.sort_by("p99")
        assert results.sorted_candidates()[:2] == ["zero-rule", "single-feature-rule"]
        assert results.sorted_candidates()[-1] == "mlp"  # no latency: last either way
        results.sort_by("p99")  # again: descending
        assert results.sorted_candidates()[:2] == ["xgboost", "lightgbm"]


async def test_write_adr_then_supersede(tiny_spec: Path, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    adr_dir = tmp_path / "adr"
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        first = adr_dir / "0001-tiny-fraud-model.md"
        assert app.adr_written == first and first.exists()
        assert "lightgbm" in first.read_text()

        await pilot.press("ctrl+r")  # a second run, recorded as superseding the first
        await settle(pilot)
        app.query_one("#adr-supersedes", Select).value = str(first)
        app.action_write_adr()
        await settle(pilot)
    entries = {e.number: e for e in list_adrs(adr_dir)}
    assert set(entries) == {1, 2}
    assert "superseded" in entries[1].status.lower()


async def test_cancel_keeps_finished_results(tiny_spec: Path, make_app: MakeApp) -> None:
    fake = FakeRunner(pause_after=2)
    app = make_app(tiny_spec, run=fake)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        assert await asyncio.to_thread(fake.paused.wait, 10)
        assert app.running
        await pilot.press("ctrl+t")
        await pilot.pause()
        fake.resume.set()
        await settle(pilot)
        assert not app.running
        assert app.result.cancelled and [m.candidate for m in app.result.measurements] == [
            "zero-rule",
            "single-feature-rule",
        ]
        assert "cancelled" in str(app.query_one("#run-status", Static).render()).lower()
        assert app.query_one("#leaderboard", DataTable).row_count == 2
        never_started = app.query_one(RunView).bar("cand:lightgbm")
        assert never_started is not None and never_started.note == "not run: cancelled"
        app.action_write_adr()  # a cancelled run records no decision
        await settle(pilot)
        assert app.adr_written is None


async def test_bad_input_from_the_run_is_a_message_not_a_crash(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner(error=bad_data_error()))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        status = str(app.query_one("#run-status", Static).render())
        assert status.startswith("Cannot run:") and "data file not found" in status
        assert not app.running and app.result is None
        assert not app.query_one("#run-start", Button).disabled  # can fix and run again


async def test_command_palette_runs_the_harness(tiny_spec: Path, make_app: MakeApp) -> None:
    fake = FakeRunner()
    app = make_app(tiny_spec, run=fake)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"run the harness")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert len(fake.calls) == 1 and app.result is not None


@pytest.mark.slow
async def test_real_runner_on_a_tiny_dataset(tiny_spec: Path, make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(tiny_spec)  # the real harness.runner.run
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        for _ in range(600):  # at most 60 s
            await pilot.pause(0.1)
            if not app.running:
                break
        await settle(pilot)
        status = str(app.query_one("#run-status", Static).render())
        assert app.result is not None, status
        names = {m.candidate for m in app.result.measurements}
        assert names == {"zero-rule", "single-feature-rule", "lightgbm"}
        assert app.query_one("#leaderboard", DataTable).row_count == 3
        assert (tmp_path / "runs").is_dir()  # the run record was written, no ADR yet
        assert not (tmp_path / "adr").exists()
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert app.adr_written is not None and app.adr_written.exists()


async def test_a_decision_from_nothing_file_target_run_adr(
    tiny_spec: Path, make_app: MakeApp, tmp_path: Path
) -> None:
    """`harness tui` with no spec: pick the file on the Data tab, the target from its columns (proposed at
    once), a title, run, write the ADR — no TOML typed."""
    fake = FakeRunner()
    app = make_app(None, run=fake)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.spec is None
        _input(app, "title").value = "Which fraud model?"
        await pilot.press("f2")
        await settle(pilot)
        data_file = app.query_one("#data-file", Input)
        data_file.focus()
        data_file.value = "tiny.csv"
        await pilot.press("enter")
        await settle(pilot)
        picker = app.query_one("#data-target", Select)
        assert picker.value == "is_fraud"  # the last column, proposed
        assert _input(app, "data.target").value == "is_fraud" and _input(app, "data.path").value == "tiny.csv"
        picker.value = "channel"  # another column from the list goes into the spec
        await settle(pilot)
        assert _input(app, "data.target").value == "channel"
        picker.value = "is_fraud"
        await settle(pilot)
        assert app.spec is not None and app.spec.data.target == "is_fraud"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert fake.calls  # the run started from the spec built here
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert app.adr_written is not None and app.adr_written.name == "0001-which-fraud-model.md"
