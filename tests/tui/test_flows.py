"""Pilot tests of each flow: the form, the data preview, a run, the leaderboard, the ADR, cancel, errors.

Flows that need a finished run use `FakeRunner` (tests/tui/fakes.py) so they are fast and deterministic;
`test_real_runner_on_a_tiny_dataset` drives the real `harness.runner.run` end to end.
"""

from __future__ import annotations

import asyncio
import threading
import time
import tomllib
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

        assert app.sub_title == "fix Latency p99 (ms) (f1)"  # the header says it too

        latency.value = "20"
        _input(app, "constraints.throughput_rps").value = "fast"  # Textual's Number validator speaks first
        await settle(pilot)
        assert _error_of(app, "constraints.latency_p99_ms") == ""
        assert "number" in _error_of(app, "constraints.throughput_rps").lower()
        assert app.spec is None and app.sub_title == "fix Throughput (rows/s) (f1)"

        _input(app, "constraints.throughput_rps").value = ""
        _input(app, "constraints.budget_usd_per_1k_predictions").value = "0.01"  # needs a hardware price
        await settle(pilot)
        assert "hardware_usd_per_hour" in _error_of(app, "constraints.budget_usd_per_1k_predictions")
        _input(app, "constraints.hardware_usd_per_hour").value = "0.085"
        await settle(pilot)
        assert app.spec is not None and app.spec.constraints.budget_usd_per_1k_predictions == 0.01
        assert not app.query_one("#run-start", Button).disabled and app.sub_title == "spec ok"


async def test_a_new_spec_from_scratch(tiny_spec: Path, make_app: MakeApp, tmp_path: Path) -> None:
    """No red error at first start: what is missing is the next step, in the header and on the Run tab."""
    app = make_app(None)  # `harness tui` without a spec
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.spec is None and app.spec_error is None
        assert all(_error_of(app, key) == "" for key in ("title", "data.path", "data.target"))
        assert str(app.query_one("#form-error", Static).render()) == ""
        assert app.sub_title == "Next: pick a data file on the Data tab (f2)"
        assert "Next: pick a data file" in str(app.query_one("#run-status", Static).render())
        await pilot.press("ctrl+r")  # Run says what to do and goes there
        await settle(pilot)
        assert app.query_one("#tabs").active == "data"
        await pilot.press("f1")
        _input(app, "data.path").value = "tiny.csv"
        await settle(pilot)
        assert app.sub_title == "Next: choose the target on the Data tab (f2)"
        _input(app, "data.target").value = "is_fraud"
        await settle(pilot)
        assert app.sub_title == "Next: give the decision a title (f1)"
        _input(app, "title").value = "ab"  # a title that is there but wrong is an error, inline and on top
        await settle(pilot)
        assert "title" in _error_of(app, "title") and app.sub_title == "fix Title (f1)"
        _input(app, "title").value = "Which churn model?"
        app.query_one("#spec-path", Input).value = str(tmp_path / "new.toml")
        await settle(pilot)
        assert app.spec is not None and app.spec.data.target == "is_fraud" and app.sub_title == "spec ok"
        app.action_save_spec()
    assert load_spec(tmp_path / "new.toml").title == "Which churn model?"
    # only what was set is written: no default keys
    assert tomllib.loads((tmp_path / "new.toml").read_text()) == {
        "title": "Which churn model?",
        "data": {"path": "tiny.csv", "target": "is_fraud"},
    }


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


COMMENTED_SPEC = """\
# Which fraud model do we ship?  (owned by the risk team)
title = "Tiny fraud model"   # becomes the ADR title
task = "binary"

[data]
path = "tiny.csv"            # relative to this file
target = "is_fraud"

# ---- what the deployment allows ----
[constraints]
# agreed with the payments platform
latency_p99_ms = 10          # per request

[candidates]
include = ["zero-rule", "single-feature-rule", "lightgbm"]   # keep it short
"""


async def test_save_keeps_comments_and_layout_and_adds_no_defaults(
    tiny_spec: Path, make_app: MakeApp
) -> None:
    """A tomlkit round trip: one field changed in the form changes that one value in the file."""
    tiny_spec.write_text(COMMENTED_SPEC, encoding="utf-8")
    app = make_app(tiny_spec)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.query_one(ConstraintsView).focus()
        await pilot.press("ctrl+s")  # nothing changed: nothing rewritten
        await settle(pilot)
        assert tiny_spec.read_text() == COMMENTED_SPEC
        _input(app, "constraints.latency_p99_ms").value = "25"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert tiny_spec.read_text() == COMMENTED_SPEC.replace(
            "latency_p99_ms = 10          # per request", "latency_p99_ms = 25          # per request"
        )
        # the audit options are in the form, and saved the same way: only what was set
        _input(app, "audit.drop_columns").value = "distance_km"
        app.query_one("#f-audit--dedupe", Select).value = "true"
        _input(app, "audit.acknowledge").value = "leakage:amount, conflicts"
        await settle(pilot)
        assert app.spec is not None and app.spec.audit.dedupe is True
        assert app.spec.audit.drop_columns == ["distance_km"]
        assert app.spec.audit.acknowledge == ["leakage:amount", "conflicts"]
        await pilot.press("ctrl+s")
        await settle(pilot)
    text = tiny_spec.read_text()
    assert text.startswith(COMMENTED_SPEC.replace("= 10 ", "= 25 "))
    audit = 'drop_columns = ["distance_km"]\ndedupe = true\nacknowledge = ["leakage:amount", "conflicts"]'
    assert text.endswith(f"\n[audit]\n{audit}\n")
    assert load_spec(tiny_spec).audit.dedupe is True


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
        xgb, mlp = table.get_row("xgboost"), table.get_row("mlp")
        verdict = list(table.columns).index("verdict")
        assert str(xgb[verdict]) == "rejected" and "10" in str(xgb[-1])  # why: the budget, with its number
        assert str(mlp[verdict]) == "failed" and "loss became NaN" in str(mlp[-1])
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


async def test_quit_is_in_the_footer_and_quits_at_once_during_a_run(
    tiny_spec: Path, make_app: MakeApp
) -> None:
    """No confirmation and no wait on the run: the run is told to stop and its thread is a daemon (the
    interpreter does not wait for it either). The paused fake would hold a waiting quit for 10 s."""
    fake = FakeRunner(pause_after=1)
    app = make_app(tiny_spec, run=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "ctrl+q" in {key.key for key in app.query("FooterKey")}
        await pilot.press("ctrl+r")
        assert await asyncio.to_thread(fake.paused.wait, 10)
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 3
    assert app._cancel.is_set()
    runs = [t for t in threading.enumerate() if t.name == "archbench-run"]
    assert runs and all(t.daemon for t in runs)
    fake.resume.set()


async def test_a_new_run_clears_what_the_last_one_left(tiny_spec: Path, make_app: MakeApp) -> None:
    """Nothing from an earlier run stays on screen once a new one starts: its error, toasts, results, ADR."""
    paused = FakeRunner(pause_after=1)
    runs = [FakeRunner(), FakeRunner(error=bad_data_error()), paused]
    app = make_app(tiny_spec, run=lambda *args, **kw: runs.pop(0)(*args, **kw))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")  # 1: a decision, recorded
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert "written" in str(app.query_one("#adr-status", Static).render())
        await pilot.press("ctrl+r")  # 2: fails
        await settle(pilot)
        assert str(app.query_one("#run-status", Static).render()).startswith("Cannot run:")
        assert len(app._notifications) > 0
        await pilot.press("ctrl+r")  # 3: while it runs, none of the above is shown
        assert await asyncio.to_thread(paused.paused.wait, 10)
        await pilot.pause()
        assert "Cannot run" not in str(app.query_one("#run-status", Static).render())
        assert len(app._notifications) == 0
        assert str(app.query_one("#adr-status", Static).render()) == ""
        assert app.query_one("#adr-write", Button).disabled
        assert app.query_one("#leaderboard", DataTable).row_count == 0
        assert str(app.query_one("#recommendation", Static).render()).startswith("Running")
        paused.resume.set()
        await settle(pilot)
        assert app.result is not None and app.query_one("#leaderboard", DataTable).row_count == 5


async def test_a_tab_left_before_its_focus_lands_stays_left(tiny_spec: Path, make_app: MakeApp) -> None:
    """A run that finishes before the screen refreshes moves to Results while the Run tab's focus is still
    pending: the pending focus must not pull the user back to the Run tab (it did, on a busy machine)."""
    app = make_app(tiny_spec, run=FakeRunner())
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.action_tab("run")  # its focus is deferred to after the next refresh …
        app.action_tab("results")  # … and the run's end moves on before that refresh
        await settle(pilot)
        assert app.query_one("#tabs").active == "results"
