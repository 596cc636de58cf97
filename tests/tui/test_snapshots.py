"""Snapshots of each tab at 80×24 (pytest-textual-snapshot). Stable by construction: fixed terminal size,
paths relative to a tmp working directory named after the test, the fixed-result `FakeRunner` (fixed
numbers and durations), ADRs dated FIXED_DATE, workers awaited, cursor blink off, toasts cleared.

Update after an intended change: `.venv/bin/python -m pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from tests.tui.conftest import steady
from tests.tui.fakes import FakeRunner
from tui.app import ArchbenchApp

SIZE = (80, 24)
MakeApp = Callable[..., ArchbenchApp]


def _then(*keys: str) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        for key in keys:
            await pilot.press(key)
            await steady(pilot)

    return run_before


def test_first_start_from_nothing(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    """`harness tui` with no spec: no red error, the next step in the header."""
    assert snap_compare(make_app(None), terminal_size=SIZE, run_before=_then())


def test_constraints_tab(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    assert snap_compare(make_app(tiny_spec), terminal_size=SIZE, run_before=_then())


def test_constraints_inline_error(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    async def run_before(pilot: Any) -> None:
        await steady(pilot)
        pilot.app.query_one("#f-title", Input).value = "ab"
        await steady(pilot)

    assert snap_compare(make_app(tiny_spec), terminal_size=SIZE, run_before=run_before)


def test_data_tab(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    assert snap_compare(make_app(tiny_spec), terminal_size=SIZE, run_before=_then("f2"))


def test_run_tab_after_a_run(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("ctrl+r", "f3"))


def test_results_tab(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("ctrl+r", "f4"))


def test_results_slices_of_the_chosen_option(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    """The evidence tabs at 80×24: focus on the Results tab's own tabs, one step right to Slices."""
    app = make_app(tiny_spec, run=FakeRunner(evidence=True))
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("ctrl+r", "f4", "tab", "tab", "right"))


def test_adr_tab(snap_compare: Any, tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("ctrl+r", "f5"))
