"""ADR: the run's decision record rendered as Markdown; write it to the decision log as the next number,
optionally superseding an earlier record. Rendering and writing belong to `harness.runner`/`harness.adr`;
the app hands in the functions (see `tui.app.Backend`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, MarkdownViewer, Select, Static


def front_matter_as_code(markdown: str) -> str:
    """MADR's YAML front matter shown as a code block (Markdown would run it into one paragraph)."""
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return f"```yaml\n{markdown[4 : end + 1]}```\n{markdown[end + 5 :]}"
    return markdown


class AdrView(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [("w", "app.write_adr", "Write ADR")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pending: str | None = None

    @property
    def is_on_screen(self) -> bool:
        return self.is_mounted and self.region.area > 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="adr-bar"):
            yield Button("Write ADR", id="adr-write", variant="primary", compact=True, disabled=True)
            yield Label(" supersedes ", classes="adr-label")
            yield Select([], prompt="nothing (new decision)", id="adr-supersedes", compact=True)
        yield Static("", id="adr-status")
        yield MarkdownViewer(
            "*Run the harness to preview the decision record.*",
            id="adr-preview",
            show_table_of_contents=False,
        )

    def set_adrs(self, entries: list[Any]) -> None:
        """Entries of `harness.adr.list_adrs`: `.number`, `.title`, `.status`, `.path`."""
        select = self.query_one("#adr-supersedes", Select)
        options = [
            (f"{e.number:04d} {e.title} ({e.status})", str(e.path))
            for e in entries
            if str(e.status).split()[0].lower() not in ("superseded", "deprecated", "rejected")
        ]
        select.set_options(options)

    def supersedes(self) -> Path | None:
        value = self.query_one("#adr-supersedes", Select).value
        return None if value is Select.NULL else Path(str(value))

    def set_markdown(self, markdown: str) -> None:
        """Keep the record's text; it is laid out when the tab is shown (a long Markdown layout is slow)."""
        self._pending = front_matter_as_code(markdown)
        if self.is_on_screen:
            self.refresh_preview()

    def refresh_preview(self) -> None:
        if self._pending is not None:
            text, self._pending = self._pending, None
            self.query_one(MarkdownViewer).document.update(text)

    def clear(self, markdown: str) -> None:
        """No record to show (a new run started): `markdown` in its place, nothing to write, no status."""
        self.set_writable(False)
        self.set_status("")
        self.set_markdown(markdown)

    def set_writable(self, writable: bool) -> None:
        self.query_one("#adr-write", Button).disabled = not writable

    def set_status(self, message: str, style: str = "") -> None:
        self.query_one("#adr-status", Static).update(Text(message, style=style))
