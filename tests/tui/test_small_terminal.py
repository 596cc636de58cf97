"""At 80×24, the smallest terminal the TUI is made for: every footer key is shown whole on every tab, and the
leaderboard's key columns (rank, candidate, metric, verdict, p99 latency) fit without scrolling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.tui.conftest import settle
from tests.tui.fakes import FakeRunner
from tui.app import TABS, ArchbenchApp

MakeApp = Callable[..., ArchbenchApp]
pytestmark = pytest.mark.anyio
SIZE = (80, 24)
EVERYWHERE = {"ctrl+q", "ctrl+r", "ctrl+t", "f1", "f2", "f3", "f4", "f5"}
KEY_COLUMNS = ("rank", "candidate", "metric", "verdict", "p99")


async def test_every_footer_key_fits_on_every_tab(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")  # every tab with a run's results, as a user would see it
        await settle(pilot)
        for i, tab in enumerate(TABS, start=1):
            await pilot.press(f"f{i}")
            await settle(pilot)
            keys = list(app.query("FooterKey"))
            (palette,) = [k for k in keys if k.has_class("-command-palette")]
            shown = [k for k in keys if k is not palette]
            assert {k.key for k in shown} >= EVERYWHERE, tab
            for key in shown:
                assert key.region.right <= palette.region.x, (tab, key.key)


async def test_the_leaderboards_key_columns_fit(tiny_spec: Path, make_app: MakeApp) -> None:
    app = make_app(tiny_spec, run=FakeRunner())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        table = app.query_one("#leaderboard", DataTable)
        keys = [str(key.value) for key in table.columns]
        assert tuple(keys[: len(KEY_COLUMNS)]) == KEY_COLUMNS
        width = sum(table.columns[key].get_render_width(table) for key in table.columns if key in KEY_COLUMNS)
        assert width <= table.scrollable_content_region.width
        assert table.scroll_x == 0
