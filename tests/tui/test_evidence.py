"""The Results tab's evidence: the selected candidate's slices, calibration and robustness; the chosen
option's failure modes and leak check; the flips. Driven by `FakeRunner(evidence=True)`, whose record carries
`fixed_evidence()` (tests/tui/fakes.py); a record without evidence says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent

from harness.evidence.model import Interval, SliceScore
from tests.tui.conftest import settle
from tests.tui.fakes import FakeRunner
from tui.app import ArchbenchApp
from tui.screens.results import ResultsView
from tui.widgets.evidence import HIDDEN_REGRESSION, NO_EVIDENCE, ordered_slices

MakeApp = Callable[..., ArchbenchApp]
SIZE = (80, 24)


def _text(app: ArchbenchApp, pane: str) -> str:
    return str(app.query_one(f"#ev-{pane}", Static).render())


async def _select(pilot: Pilot[None], app: ArchbenchApp, candidate: str) -> None:
    """Move the leaderboard's cursor down to `candidate`, as a user would with the arrow keys."""
    table = app.query_one("#leaderboard", DataTable)
    table.focus()
    await settle(pilot)
    target = app.query_one(ResultsView).sorted_candidates().index(candidate)
    for _ in range(target - table.cursor_row):
        await pilot.press("down")
    await settle(pilot)
    assert table.cursor_row == target


@pytest.mark.anyio
async def test_selected_candidate_shows_its_worst_slice_and_calibration(
    tiny_spec: Path, make_app: MakeApp
) -> None:
    app = make_app(tiny_spec, run=FakeRunner(evidence=True, progress_events=1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.query_one("#tabs").active == "results"
        tabs = app.query_one("#results-tabs", TabbedContent)
        tabs.active = "res-slices"
        await settle(pilot)

        # the first row is the chosen option, lightgbm: its worst slice is a hidden regression
        slices = _text(app, "slices")
        assert slices.startswith("Slices of lightgbm")
        assert "worst: channel = store  0.610 [0.530, 0.690] on 62 rows" in slices
        assert f"0.610 [0.530, 0.690]  {HIDDEN_REGRESSION}" in slices
        # worst first: store (0.61), app (0.88), web (0.93)
        assert slices.index("channel = store  (") < slices.index("channel = app") < slices.index("web")
        calibration = _text(app, "calibration")
        assert "ECE 0.041" in calibration and "threshold 0.37" in calibration
        assert "isotonic" in calibration and "serve the calibrated scores" in calibration
        robustness = _text(app, "robustness")
        assert "numeric noise" in robustness and "5.0% of predictions changed" in robustness

        await _select(pilot, app, "xgboost")
        slices = _text(app, "slices")
        assert slices.startswith("Slices of xgboost")
        assert "worst: amount < 60" in slices and HIDDEN_REGRESSION not in slices
        calibration = _text(app, "calibration")
        assert "ECE 0.087" in calibration and "keep the raw scores" in calibration
        assert "No robustness recorded" in _text(app, "robustness")

        await _select(pilot, app, "mlp")  # failed: no evidence of its own
        assert "No slices recorded" in _text(app, "slices")
        assert "No calibration recorded" in _text(app, "calibration")


@pytest.mark.anyio
async def test_chosen_option_failure_modes_leak_and_flips(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner(evidence=True, progress_events=1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await _select(pilot, app, "zero-rule")  # another selection leaves the chosen option's evidence
        failures = _text(app, "failures")
        assert failures.startswith("Failure modes of lightgbm (the chosen option)")
        assert "Confidently wrong" in failures
        assert "route the 6 least-confident rows (10%) to a human fraud analyst" in failures
        assert "Stale model (not measurable on this data)" in failures
        assert "leak suspected: distance_km carries 75.0% of the dev lift" in failures
        flips = _text(app, "flips")
        assert flips.startswith("What would change this decision")
        assert "latency_p99_ms below 0.5 ms → single-feature-rule" in flips
        assert "team_skills.lightgbm = none → no option survives" in flips


@pytest.mark.anyio
async def test_a_record_without_evidence_says_so(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner(progress_events=1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert _text(app, "slices").startswith("Run the harness")
        await pilot.press("ctrl+r")
        await settle(pilot)
        for pane in ("slices", "calibration", "robustness", "failures", "flips"):
            assert _text(app, pane) == NO_EVIDENCE
        assert app.query_one("#leaderboard", DataTable).row_count == 5  # the rest of the tab is unchanged


def _scored(label: str, value: float | None) -> SliceScore:
    score = None if value is None else Interval(value=value)
    return SliceScore(column="c", label=label, rows=10, score=score)


def test_slices_are_ordered_worst_first_in_the_metric_direction() -> None:
    slices = [_scored("a", 0.8), _scored("undefined", None), _scored("b", 0.6), _scored("c", 0.9)]
    assert [s.label for s in ordered_slices(slices, greater_is_better=True)] == ["b", "a", "c", "undefined"]
    assert [s.label for s in ordered_slices(slices, greater_is_better=False)] == ["c", "a", "b", "undefined"]
