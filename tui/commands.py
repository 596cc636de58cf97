"""The command palette (ctrl+p): the sprint's main actions, searchable by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app import ArchbenchApp


class SprintCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("ArchbenchApp", self.app)
        return [
            ("Run the harness", app.action_run, "Audit, train and measure every candidate, then decide"),
            (
                "Cancel the run",
                app.action_cancel_run,
                "Stop after the current step; finished results are kept",
            ),
            ("Save the spec", app.action_save_spec, "Write the form to the spec file as TOML"),
            ("Load the spec", app.action_load_spec, "Read the spec file named at the top of the form"),
            ("Write the ADR", app.action_write_adr, "Write the decision record to the decision log"),
            ("Go to Constraints", lambda: app.action_tab("constraints"), "The spec form"),
            ("Go to Data", lambda: app.action_tab("data"), "Preview, schema, class balance, audit"),
            ("Go to Run", lambda: app.action_tab("run"), "Progress and the live log"),
            ("Go to Results", lambda: app.action_tab("results"), "Leaderboard, Pareto plot, recommendation"),
            ("Go to ADR", lambda: app.action_tab("adr"), "The decision record"),
        ]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
