"""The archbench TUI: one app, five tabs (Constraints, Data, Run, Results, ADR) over the headless harness.

The app owns the state (the spec on the form, the last `RunResult`) and the long work: the run happens in a
thread worker whose events reach the UI as messages (`tui.bridge`). Everything that decides anything is
in `harness`; the functions the app calls are injectable (`Backend`) so tests can drive it with a double.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, RichLog, TabbedContent, TabPane

from harness.errors import InputError
from harness.spec import DecisionSpec
from harness.spec_file import update_spec_file
from tui.bridge import EventForwarder, HarnessEvent, ProgressTick
from tui.commands import SprintCommands
from tui.form import FIELDS_BY_KEY, NEW_SPEC
from tui.screens.adr import AdrView
from tui.screens.constraints import ConstraintsView, SpecChanged, read_spec_dict
from tui.screens.data import DataPathChosen, DataView, TargetChosen
from tui.screens.results import ResultsView, recommendation_text
from tui.screens.run import RunView

RunFn = Callable[..., Any]  # harness.runner.run(spec, *, options, on_event, cancel) -> RunResult


def _real_run(spec: DecisionSpec, *, options: Any, on_event: Any, cancel: threading.Event) -> Any:
    from harness.runner import run

    return run(spec, options=options, on_event=on_event, cancel=cancel)


def _real_render_adr(record: Any) -> str:
    from harness.publish import render_adr_for

    return render_adr_for(record)


def _real_write_adr(record: Any, adr_dir: Path, supersedes: Path | None) -> Path:
    from harness.publish import write_adr_for

    return write_adr_for(record, adr_dir, supersedes=supersedes)


def _real_list_adrs(adr_dir: Path) -> list[Any]:
    if not adr_dir.is_dir():
        return []
    from harness.adr import list_adrs

    return list(list_adrs(adr_dir))


@dataclass
class Backend:
    """The harness functions the TUI calls; the defaults are the real ones, imported when first used."""

    run: RunFn = _real_run
    render_adr: Callable[[Any], str] = _real_render_adr
    write_adr: Callable[[Any, Path, Path | None], Path] = _real_write_adr
    list_adrs: Callable[[Path], list[Any]] = field(default=_real_list_adrs)


class RunDone(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class RunFailed(Message):
    def __init__(self, message: str, *, input_error: bool, details: str = "") -> None:
        super().__init__()
        self.message = message
        self.input_error = input_error
        self.details = details


TABS = ("constraints", "data", "run", "results", "adr")
TAB_KEYS = Binding.Group("tabs")  # f1…f5 shown once in the footer: it has 80 columns at most

# What to do about an essential key a new spec still lacks (`SpecChanged.missing`), and on which tab.
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "data.path": ("Next: pick a data file on the Data tab (f2)", "data"),
    "data.target": ("Next: choose the target on the Data tab (f2)", "data"),
    "title": ("Next: give the decision a title (f1)", "constraints"),
}


class ArchbenchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "archbench"
    SUB_TITLE = "decision sprint"
    COMMANDS = App.COMMANDS | {SprintCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(f"f{i}", f"tab('{tab}')", tab, priority=True, group=TAB_KEYS)
            for i, tab in enumerate(TABS, start=1)
        ),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+t", "cancel_run", "Cancel", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        spec_path: Path | None = None,
        *,
        run_fn: RunFn | None = None,
        backend: Backend | None = None,
        runs_dir: Path = Path("runs"),
        adr_dir: Path = Path("adr"),
        data_root: Path | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend or Backend()
        if run_fn is not None:
            self.backend.run = run_fn
        self.spec_path = spec_path
        self.runs_dir = runs_dir
        self.adr_dir = adr_dir
        self.data_root = data_root or (spec_path.resolve().parent if spec_path else Path.cwd())
        self.spec: DecisionSpec | None = None
        self.spec_error: str | None = None
        self.spec_missing: tuple[str, ...] = ()
        self.result: Any = None
        self.running = False
        self.adr_written: Path | None = None
        self._cancel = threading.Event()
        self._forwarder: EventForwarder | None = None
        self._started_at = 0.0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="constraints", id="tabs"):
            with TabPane("Constraints", id="constraints"):
                yield ConstraintsView(id="constraints-view")
            with TabPane("Data", id="data"):
                yield DataView(root=self.data_root, id="data-view")
            with TabPane("Run", id="run"):
                yield RunView(id="run-view")
            with TabPane("Results", id="results"):
                yield ResultsView(id="results-view")
            with TabPane("ADR", id="adr"):
                yield AdrView(id="adr-view")
        yield Footer()

    def on_mount(self) -> None:
        form = self.query_one(ConstraintsView)
        self.call_after_refresh(self._focus_pane, "constraints")
        if self.spec_path is None:
            form.load_dict(dict(NEW_SPEC), None)
            return
        raw, problem = read_spec_dict(self.spec_path)
        form.load_dict(raw, self.spec_path)
        if problem:
            self.notify(problem, severity="warning", timeout=8)

    # ---- navigation ---------------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        self.call_after_refresh(self._focus_pane, tab)

    def _focus_pane(self, tab: str) -> None:
        """Keyboard-first: the first useful widget of the shown tab gets the focus (and its key bindings).
        Only if that tab is still shown: focusing inside a hidden pane would switch back to it (a run that
        finished before this refresh had already moved on to Results)."""
        if self.query_one("#tabs", TabbedContent).active != tab:
            return
        pane = self.query_one(f"TabPane#{tab}", TabPane)
        for widget in pane.query("*"):
            if widget.focusable:
                widget.focus()
                return

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id != "tabs":  # the Results tab's own tabs
            return
        if event.pane.id == "data":
            self.query_one(DataView).show_spec(self.spec)
        elif event.pane.id == "adr":
            self.query_one(AdrView).refresh_preview()
        elif event.pane.id == "run":
            self.query_one("#run-log", RichLog).scroll_end(animate=False)

    # ---- spec ---------------------------------------------------------------------------------------------
    @on(SpecChanged)
    def _spec_changed(self, event: SpecChanged) -> None:
        self.spec, self.spec_error, self.spec_missing = event.spec, event.error, event.missing
        self.query_one("#run-start", Button).disabled = self.running or event.spec is None
        next_step = NEXT_STEPS[event.missing[0]][0] if event.missing else ""
        if not self.running:
            view = self.query_one(RunView)
            if event.error is not None:
                view.set_status(f"Run is blocked until the spec is valid: {event.error}", "yellow")
            else:
                view.set_status(next_step)
        if event.error is not None:  # an error outranks a next step: it is on what is already there
            field = FIELDS_BY_KEY.get(event.field or "")
            self.sub_title = f"fix {field.label if field else 'the spec'} (f1)"
        else:
            self.sub_title = next_step or "spec ok"

    def action_save_spec(self) -> None:
        form = self.query_one(ConstraintsView)
        path = form.spec_path_value()
        if self.spec is None and self.spec_error is None and self.spec_missing:
            self.notify(f"not saved yet: {NEXT_STEPS[self.spec_missing[0]][0]}", severity="warning")
            return
        if self.spec is None:
            self.notify(f"not saved: {self.spec_error}", severity="error")
            return
        if path is None:
            self.notify("not saved: type a file name into 'Spec file' first", severity="error")
            return
        # the changed keys only, written into the file as the user left it (comments, order, no defaults)
        source = form.spec_path if form.spec_path is not None and form.spec_path.is_file() else None
        if source is None and path.exists():
            self.notify(f"not saved: {path} exists; load it (ctrl+o) to edit it", severity="error")
            return
        try:
            text = update_spec_file(path, form.changes(), source=source)
        except InputError as exc:
            self.notify(f"not saved: {exc}", severity="error", timeout=10)
            return
        form.base = tomllib.loads(text)
        form.spec_path = path
        self.notify(f"saved {path}")

    def action_load_spec(self) -> None:
        form = self.query_one(ConstraintsView)
        path = form.spec_path_value()
        if path is None or not path.is_file():
            self.notify(f"nothing to load: {path or 'no spec file named'}", severity="error")
            return
        raw, problem = read_spec_dict(path)
        form.load_dict(raw, path)
        self.notify(problem or f"loaded {path}", severity="warning" if problem else "information")

    @on(TargetChosen)
    def _target_chosen(self, event: TargetChosen) -> None:
        self.query_one(ConstraintsView).set_field("data.target", event.column)

    @on(DataPathChosen)
    def _data_chosen(self, event: DataPathChosen) -> None:
        form = self.query_one(ConstraintsView)
        spec_dir = (form.spec_path_value() or Path("decision.toml")).resolve().parent
        try:
            text = str(event.path.resolve().relative_to(spec_dir))
        except ValueError:
            text = str(event.path.resolve())
        form.set_field("data.path", text)

    # ---- run ----------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#run-start")
    def _run_pressed(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#run-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_run()

    def action_run(self) -> None:
        if self.running:
            self.notify("a run is already in progress", severity="warning")
            return
        if self.spec is None and self.spec_error is None and self.spec_missing:
            step, tab = NEXT_STEPS[self.spec_missing[0]]
            self.notify(step, severity="warning")
            self.action_tab(tab)
            return
        if self.spec is None:
            self.notify(f"fix the spec first: {self.spec_error}", severity="error")
            self.action_tab("constraints")
            return
        from harness.runner import RunOptions

        view = self.query_one(RunView)
        view.reset()
        view.set_running(True)
        self.running = True
        self.result = None
        self.adr_written = None
        # nothing from an earlier run stays on screen: its toasts, results and record are not this run's
        self.clear_notifications()
        self.query_one(ResultsView).clear("Running… the results appear here when the run finishes.")
        self.query_one(AdrView).clear("*Running… the decision record appears here when the run finishes.*")
        self.action_tab("run")
        self._cancel = threading.Event()
        self._forwarder = EventForwarder(self.post_message)
        self._started_at = time.monotonic()
        self._timer = self.set_interval(0.5, self._tick)
        view.set_elapsed("running…")
        options = RunOptions(
            write_adr=False,
            runs_dir=self.runs_dir,
            adr_dir=self.adr_dir,
            command=f"harness tui {self.spec_path or ''}".strip(),
        )
        self._run_worker(self.spec, options, self._forwarder, self._cancel)

    def action_cancel_run(self) -> None:
        if not self.running:
            self.notify("no run to cancel")
            return
        self._cancel.set()
        view = self.query_one(RunView)
        view.set_status(
            "cancelling: the current candidate stops at its next check; finished results are kept"
        )
        self.query_one("#run-cancel", Button).disabled = True

    async def action_quit(self) -> None:
        """Quit at once: a run in progress is told to stop (its trial processes are killed at its next
        check) and nothing waits for it — its thread is a daemon."""
        self._cancel.set()
        self.exit()

    @work(exclusive=True, group="run", exit_on_error=False)
    async def _run_worker(
        self, spec: DecisionSpec, options: Any, forwarder: EventForwarder, cancel: threading.Event
    ) -> None:
        """Runs the harness in a daemon thread and waits for it without blocking the UI. Not a thread
        worker: those run in asyncio's default executor, which the interpreter waits for on exit, so Quit
        would hang until the run ended."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not finished.done():
                finished.set_result(None)

        def in_thread() -> None:
            try:
                self._run_blocking(spec, options, forwarder, cancel)
            finally:
                with contextlib.suppress(RuntimeError):  # the app (and its loop) ended first: nobody waits
                    loop.call_soon_threadsafe(wake)

        threading.Thread(target=in_thread, name="archbench-run", daemon=True).start()
        await finished

    def _run_blocking(
        self, spec: DecisionSpec, options: Any, forwarder: EventForwarder, cancel: threading.Event
    ) -> None:
        try:
            result = self.backend.run(spec, options=options, on_event=forwarder, cancel=cancel)
        except InputError as exc:
            self.post_message(RunFailed(str(exc), input_error=True))
            return
        except Exception as exc:  # a bug in the harness: report it, keep the UI alive
            self.post_message(
                RunFailed(f"{type(exc).__name__}: {exc}", input_error=False, details=traceback.format_exc())
            )
            return
        self.post_message(RunDone(result))

    def _tick(self) -> None:
        view = self.query_one(RunView)
        if self.running and not view.run_finished:
            view.set_elapsed(f"running {time.monotonic() - self._started_at:.0f} s")

    def _stop_clock(self) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        view = self.query_one(RunView)
        view.set_running(False)
        self.query_one("#run-start", Button).disabled = self.spec is None

    @on(ProgressTick)
    def _progress(self) -> None:
        if self._forwarder is not None:
            self.query_one(RunView).apply_progress(self._forwarder.take())

    @on(HarnessEvent)
    def _event(self, message: HarnessEvent) -> None:
        view = self.query_one(RunView)
        if self._forwarder is not None:
            view.apply_progress(self._forwarder.take())  # progress first: events stay in order
        view.apply(message.event)

    @on(RunDone)
    def _done(self, message: RunDone) -> None:
        self._stop_clock()
        result = message.result
        self.result = result
        self.query_one(ResultsView).show(
            result.measurements,
            result.decision,
            cancelled=result.cancelled,
            evidence=getattr(result.record, "evidence", None),
        )
        view = self.query_one(RunView)
        if result.cancelled:
            view.set_status("Run cancelled; the candidates that finished are on the Results tab.", "yellow")
        elif result.decision is not None:
            view.set_status(recommendation_text(result.decision, cancelled=False).plain, "bold green")
            self.action_tab("results")
        self._render_adr(result.record, writable=result.decision is not None and not result.cancelled)

    @on(RunFailed)
    def _failed(self, message: RunFailed) -> None:
        self._stop_clock()
        view = self.query_one(RunView)
        view.set_elapsed("stopped")
        if message.input_error:
            view.set_status(f"Cannot run: {message.message}", "bold red")
            view.log_line(f"error: {message.message}", "bold red")
        else:
            view.set_status(f"Internal error (a bug in archbench): {message.message}", "bold red")
            for line in message.details.splitlines():
                view.log_line(line, "red")
        self.notify(message.message, severity="error", timeout=10)

    # ---- ADR ----------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="adr", exit_on_error=False)
    def _render_adr(self, record: Any, writable: bool) -> None:
        view = self.query_one(AdrView)
        try:
            markdown = self.backend.render_adr(record)
            entries = self.backend.list_adrs(self.adr_dir)
        except Exception as exc:
            self.call_from_thread(view.set_status, f"cannot render the ADR: {exc}", "bold red")
            return
        self.call_from_thread(view.set_markdown, markdown)
        self.call_from_thread(view.set_adrs, entries)
        self.call_from_thread(view.set_writable, writable)
        if not writable:
            self.call_from_thread(
                view.set_status, "a cancelled run records no decision; run again to write one"
            )

    def action_write_adr(self) -> None:
        if self.result is None or self.result.decision is None or self.result.cancelled:
            self.notify("no finished run to record: run the harness first (ctrl+r)", severity="error")
            return
        if self.adr_written is not None:
            self.notify(f"this run is already recorded in {self.adr_written}", severity="warning")
            return
        self._write_adr(self.result.record, self.query_one(AdrView).supersedes())

    @on(Button.Pressed, "#adr-write")
    def _write_pressed(self) -> None:
        self.action_write_adr()

    @work(thread=True, exclusive=True, group="adr-write", exit_on_error=False)
    def _write_adr(self, record: Any, supersedes: Path | None) -> None:
        try:
            path = self.backend.write_adr(record, self.adr_dir, supersedes)
            entries = self.backend.list_adrs(self.adr_dir)
        except Exception as exc:  # InputError (e.g. bad supersede target) or a bug: say so, keep the UI
            self.call_from_thread(self.notify, f"ADR not written: {exc}", severity="error", timeout=10)
            return
        self.call_from_thread(self._adr_done, Path(path), entries, supersedes)

    def _adr_done(self, path: Path, entries: list[Any], supersedes: Path | None) -> None:
        self.adr_written = path
        view = self.query_one(AdrView)
        view.set_adrs(entries)
        view.set_writable(False)
        if supersedes is None:  # the same decision written again supersedes the record in force for it
            earlier = [e.path for e in entries if e.path != path and path.stem in str(e.status)]
            supersedes = earlier[0] if earlier else None
        note = f"; {supersedes.name} is now superseded" if supersedes else ""
        view.set_status(f"written: {path}{note}", "bold green")
        self.notify(f"ADR written: {path}")


def main(spec_path: Path | None = None) -> None:
    """Entry point of `harness tui [SPEC]`."""
    from harness.adr import find_adr_dir

    ArchbenchApp(spec_path, adr_dir=find_adr_dir()).run()  # the team's log: .adr-dir, or adr/ found upwards
