"""Fixtures for the TUI tests: a tiny dataset with its spec, and apps wired to tmp run/ADR folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from textual.widgets import Input, RichLog

from tests.tui.fakes import FIXED_DATE, FakeRunner
from tui.app import ArchbenchApp, Backend

TINY_SPEC = """\
title = "Tiny fraud model"
decision_makers = ["Risk lead"]
task = "binary"
seed = 0

[data]
path = "tiny.csv"
target = "is_fraud"

[constraints]
latency_p99_ms = 10.0

[team_skills]
lightgbm = "proficient"

[candidates]
include = ["zero-rule", "single-feature-rule", "lightgbm"]
tuning_trials = 3
"""

APP_WORKER_GROUPS = {"data", "run", "adr", "adr-write"}


def write_tiny(folder: Path, n_rows: int = 300) -> Path:
    """A ~300-row table, numeric and categorical features with signal (and no near-duplicate rows, which the
    audit would rightly block); returns the spec path."""
    rng = np.random.default_rng(0)
    amount = rng.gamma(2.0, 50.0, n_rows)
    account_age_days = rng.integers(1, 3_000, n_rows)
    distance_km = rng.exponential(20.0, n_rows)
    channel = rng.choice(["web", "store", "app"], n_rows)
    logit = (amount - 100) / 30 + np.where(channel == "web", 1.0, -0.5) - account_age_days / 1_500
    is_fraud = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pl.DataFrame(
        {
            "amount": amount.round(2),
            "account_age_days": account_age_days,
            "distance_km": distance_km.round(3),
            "channel": channel,
            "is_fraud": is_fraud,
        }
    )
    frame.write_csv(folder / "tiny.csv")
    spec = folder / "decision.toml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    return spec


def fixed_date_backend(run: Callable[..., Any] | None = None) -> Backend:
    """The real ADR functions, dated FIXED_DATE so rendered records do not change from day to day."""
    from harness import adr

    def render(record: Any) -> str:
        return adr.render_adr(record, date=FIXED_DATE)

    def write(record: Any, adr_dir: Path, supersedes: Path | None) -> Path:
        text = adr.render_adr(record, date=FIXED_DATE, supersedes=supersedes.name if supersedes else None)
        path = adr.write_adr(text, adr_dir, record.spec["title"])
        if supersedes is not None:
            adr.supersede(supersedes, path)
        adr.update_index(adr_dir)
        return path

    backend = Backend(render_adr=render, write_adr=write)
    if run is not None:
        backend.run = run
    return backend


@pytest.fixture
def tiny_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`decision.toml` + `tiny.csv` in tmp_path, which becomes the working directory (paths show relative)."""
    write_tiny(tmp_path)
    monkeypatch.chdir(tmp_path)
    return Path("decision.toml")


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., ArchbenchApp]:
    def make(spec: Path | None, *, run: Callable[..., Any] | None = None) -> ArchbenchApp:
        return ArchbenchApp(
            spec,
            backend=fixed_date_backend(run),
            runs_dir=tmp_path / "runs",
            adr_dir=tmp_path / "adr",
            data_root=tmp_path,
        )

    return make


@pytest.fixture
def fake_runner() -> FakeRunner:
    return FakeRunner()


async def settle(pilot: Any) -> None:
    """Wait for the app's own workers (not DirectoryTree's endless loader), then until the messages they
    posted are handled: the run worker ends when its thread has posted its last message (RunDone), and on a
    busy machine a few pauses were not always enough for that message to be processed."""
    app = pilot.app
    for _ in range(3):
        mine = [w for w in app.workers if w.group in APP_WORKER_GROUPS]
        if mine:
            await app.workers.wait_for_complete(mine)
        await pilot.pause()
    for _ in range(100):  # at most ~5 s; normally none
        if all(pump._message_queue.empty() for pump in (app, app.screen)):
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def steady(pilot: Any) -> None:
    """For snapshots: workers done, no blinking cursor, no toasts."""
    await settle(pilot)
    for widget in pilot.app.query(Input):
        widget.cursor_blink = False
    # A log written while its tab was hidden scrolls to its end at some later refresh: pin it there now.
    for log in pilot.app.query(RichLog):
        log.scroll_end(animate=False, immediate=True)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests are `async`; anyio's pytest plugin runs them on asyncio (no pytest-asyncio needed)."""
    return "asyncio"
