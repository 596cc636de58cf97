"""Run: one progress bar per step and per candidate, a live log, the elapsed time, Run and Cancel.

The view only renders: the app starts the runner in a thread worker and hands each event to `apply`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, ProgressBar, RichLog, Static

from harness import events as ev

_LEVEL_STYLE = {"warning": "yellow", "error": "bold red"}
_SEVERITY_STYLE = {"blocking": "bold red", "warning": "yellow", "info": "dim"}
FIT_SHARE = 0.8  # a candidate's bar: fitting is the first 80 %, measuring the last 20 %


class BarRow(Horizontal):
    """A name, a bar (0..1) and a short note. Updates before it is mounted are kept and applied on mount."""

    def __init__(self, name: str, label: str) -> None:
        super().__init__(classes="bar-row")
        self.key = name
        self._label = label
        self.fraction = 0.0
        self.note = ""
        self.state = "pending"
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="bar-name")
        yield ProgressBar(total=1.0, show_eta=False, classes="bar")
        yield Label("", classes="bar-note")

    def on_mount(self) -> None:
        self._ready = True
        self._apply()

    def set(self, fraction: float | None = None, note: str | None = None, state: str | None = None) -> None:
        if fraction is not None:
            self.fraction = max(0.0, min(1.0, fraction))
        if note is not None:
            self.note = note
        if state is not None:
            self.state = state
        if self._ready:
            self._apply()

    def _apply(self) -> None:
        self.query_one(ProgressBar).update(progress=self.fraction)
        self.query_one(".bar-note", Label).update(self.note)
        for s in ("running", "done", "failed", "pending"):
            self.set_class(s == self.state, f"-{s}")


class RunView(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._bars: dict[str, BarRow] = {}
        self._finished: set[str] = set()
        self._n_candidates = 0
        self.run_finished = False  # the runner reported its own duration: the clock stops showing ours

    def compose(self) -> ComposeResult:
        with Horizontal(id="run-buttons"):
            yield Button("Run ▶", id="run-start", variant="success", compact=True)
            yield Button("Cancel", id="run-cancel", variant="error", compact=True, disabled=True)
            yield Static("not started", id="run-elapsed")
        yield Static("", id="run-status")
        with VerticalScroll(id="run-bars"):
            yield Vertical(id="step-bars")
            yield Vertical(id="candidate-bars")
        yield RichLog(id="run-log", wrap=True, markup=False, highlight=False, max_lines=5000)

    # ---- lifecycle ----------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.query_one("#step-bars", Vertical).remove_children()
        self.query_one("#candidate-bars", Vertical).remove_children()
        self.query_one("#run-log", RichLog).clear()
        self._bars.clear()
        self._finished.clear()
        self._n_candidates = 0
        self.run_finished = False
        self.set_status("")

    def set_running(self, running: bool) -> None:
        self.query_one("#run-start", Button).disabled = running
        self.query_one("#run-cancel", Button).disabled = not running

    def set_status(self, message: str, style: str = "") -> None:
        status = self.query_one("#run-status", Static)
        status.update(Text(message, style=style))
        status.display = bool(message)

    def set_elapsed(self, text: str) -> None:
        self.query_one("#run-elapsed", Static).update(text)

    def log_line(self, message: str, style: str = "") -> None:
        self.query_one("#run-log", RichLog).write(Text(message, style=style))

    # ---- bars ---------------------------------------------------------------------------------------------
    def _bar(self, key: str, label: str) -> BarRow:
        if key not in self._bars:
            row = BarRow(key, label)
            self._bars[key] = row
            container = "#step-bars" if key.startswith("step:") else "#candidate-bars"
            self.query_one(container, Vertical).mount(row)
        return self._bars[key]

    def bar(self, key: str) -> BarRow | None:
        return self._bars.get(key)

    def _set(self, key: str, label: str, **kw: Any) -> None:
        self._bar(key, label).set(**kw)

    # ---- events -------------------------------------------------------------------------------------------
    def apply_progress(self, updates: list[ev.CandidateProgress]) -> None:
        for p in updates:
            if p.name in self._finished:
                continue  # a late update never moves a finished bar back
            share = FIT_SHARE * p.fraction if p.phase == "fit" else FIT_SHARE + (1 - FIT_SHARE) * p.fraction
            self._set(f"cand:{p.name}", p.name, fraction=share, note=p.message or p.phase, state="running")

    def apply(self, event: ev.Event) -> None:
        match event:
            case ev.StepStarted(step=step, detail=detail):
                self._set(f"step:{step}", step, fraction=0.0, note=detail, state="running")
                self.log_line(f"▶ {step}" + (f": {detail}" if detail else ""), "bold")
            case ev.StepFinished(step=step, seconds=seconds):
                self._set(f"step:{step}", step, fraction=1.0, note=f"{seconds:.1f} s", state="done")
            case ev.RunStarted(run_id=run_id, candidates=names):
                self._n_candidates = len(names)
                for name in names:
                    self._set(f"cand:{name}", name, fraction=0.0, note="waiting", state="pending")
                self.log_line(f"run {run_id}: {len(names)} candidates: {', '.join(names)}")
            case ev.CandidateStarted(name=name, family=family):
                self._set(f"cand:{name}", name, fraction=0.0, note=f"fit ({family})", state="running")
            case ev.CandidateFinished(name=name, measurement=m):
                self._finished.add(name)
                if m.ok:
                    self._set(f"cand:{name}", name, fraction=1.0, note="done", state="done")
                    self.log_line(f"✓ {name}")
                else:
                    note = f"{m.status}: {m.reason}"
                    self._set(f"cand:{name}", name, fraction=1.0, note=note, state="failed")
                    self.log_line(f"✗ {name} {note}", "red")
                if self._n_candidates:
                    done = len(self._finished) / self._n_candidates
                    self._set("step:candidates", "candidates", fraction=done)
            case ev.FindingRaised(finding=f):
                severity = str(getattr(f.severity, "value", f.severity))
                self.log_line(f"audit {severity}: {f.title}", _SEVERITY_STYLE.get(severity, ""))
            case ev.Log(message=message, level=level):
                self.log_line(message, _LEVEL_STYLE.get(level, "dim"))
            case ev.DecisionMade(decision=d):
                self.log_line(d.because, "bold green" if d.recommended else "bold yellow")
            case ev.AdrWritten(path=path):
                self.log_line(f"ADR written: {path}")
            case ev.RunFinished(seconds=seconds, cancelled=cancelled, record_path=record_path):
                self.run_finished = True
                verb = "cancelled after" if cancelled else "finished in"
                if cancelled:
                    for row in self._bars.values():
                        if row.state in ("pending", "running") and row.key.startswith("cand:"):
                            row.set(note="not run: cancelled", state="pending")
                self.set_elapsed(f"{verb} {seconds:.1f} s")
                self.log_line(f"run record: {record_path}", "dim")
            case _:
                pass
