"""Data: pick a file, preview its rows and schema, the target's class balance and the audit's findings.

Everything is read in a thread worker (`harness.data.load_table`, `build_task`, `harness.audit.audit_table`)
and each part is shown as soon as it is ready; a newer pick cancels the older worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, DirectoryTree, Input, Label, Select, Static
from textual.worker import get_current_worker

from harness.errors import InputError
from harness.spec import DecisionSpec

DATA_SUFFIXES = {".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json"}
PREVIEW_ROWS = 20
_SEVERITY_STYLE = {"blocking": "bold red", "warning": "yellow", "info": "dim"}


class DataFileTree(DirectoryTree):
    """Folders and data files only; hidden folders (.venv, .git) left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in DATA_SUFFIXES)
        ]


def _shown(path: Path) -> str:
    """A path as the user thinks of it: relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class DataPathChosen(Message):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


class TargetChosen(Message):
    """The user picked the target from the loaded file's columns (the app puts it into the spec)."""

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column


def class_balance(counts: list[tuple[Any, int]], width: int = 24) -> Text:
    """Bars of the target's class counts (most frequent first)."""
    total = sum(n for _, n in counts) or 1
    top = max((n for _, n in counts), default=1) or 1
    label_w = min(max((len(str(v)) for v, _ in counts), default=1), 20)
    text = Text()
    for value, n in counts:
        bar = "█" * max(1, round(width * n / top))
        text.append(f"{str(value)[:20]:>{label_w}} ")
        text.append(bar, style="cyan")
        text.append(f" {n:,} ({100 * n / total:.1f}%)\n")
    return text


def findings_text(findings: list[Any]) -> Text:
    if not findings:
        return Text("no findings", style="green")
    text = Text()
    for f in findings:
        severity = str(getattr(f.severity, "value", f.severity))
        text.append(f"{severity:>8} ", style=_SEVERITY_STYLE.get(severity, ""))
        text.append(str(f.title))
        if getattr(f, "blocking", False):
            text.append(" [blocks the run unless acknowledged]", style="red")
        fix = getattr(f, "fix", None)
        if fix:
            text.append(f"\n         fix: {fix}", style="dim")
        text.append("\n")
    return text


class DataView(Horizontal):
    BINDINGS: ClassVar[list[BindingType]] = [("ctrl+l", "reload", "Reload data")]

    def __init__(self, *, root: Path, id: str | None = None) -> None:
        super().__init__(id=id)
        self.root = root
        self.loaded_path: Path | None = None
        self.spec: DecisionSpec | None = None
        self._summary = ""

    def compose(self) -> ComposeResult:
        yield DataFileTree(self.root, id="data-tree")
        with VerticalScroll(id="data-main"):
            with Horizontal(classes="field"):
                yield Label("Data file", classes="field-label")
                yield Input(
                    placeholder="path to CSV / Parquet / JSONL, then Enter", id="data-file", compact=True
                )
            with Horizontal(classes="field"):
                yield Label("Target", classes="field-label")
                yield Select[str](
                    [], prompt="load a file, then pick its target column", id="data-target", compact=True
                )
            yield Static("choose a data file", id="data-summary")
            yield Label("Class balance of the target", classes="section")
            yield Static("", id="data-balance")
            yield Label("Audit", classes="section")
            yield Static("", id="data-audit")
            yield Label("Preview", classes="section")
            yield DataTable(id="data-preview", zebra_stripes=True, cursor_type="none")
            yield Label("Schema", classes="section")
            yield DataTable(id="data-schema", cursor_type="none")

    # ---- API used by the app ------------------------------------------------------------------------------
    def show_spec(self, spec: DecisionSpec | None) -> None:
        """Follow the spec's data path (called when the tab is shown)."""
        self.spec = spec
        if spec is None or not spec.data.path:
            return
        path = spec.data_path()
        self.query_one("#data-file", Input).value = _shown(path)
        if path != self.loaded_path:
            self.load(path)

    def load(self, path: Path) -> None:
        self.loaded_path = path
        self.query_one("#data-summary", Static).update(Text(f"reading {_shown(path)} …", style="dim"))
        for table_id in ("#data-preview", "#data-schema"):
            self.query_one(table_id, DataTable).clear(columns=True)
        self.query_one("#data-balance", Static).update("")
        self.query_one("#data-audit", Static).update("")
        self._read(path, self.spec)

    def action_reload(self) -> None:
        if self.loaded_path is not None:
            self.load(self.loaded_path)

    # ---- events -------------------------------------------------------------------------------------------
    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.query_one("#data-file", Input).value = _shown(Path(event.path))
        self.post_message(DataPathChosen(Path(event.path)))
        self.load(Path(event.path))

    @on(Select.Changed, "#data-target")
    def _target_picked(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and (self.spec is None or self.spec.data.target != event.value):
            self.post_message(TargetChosen(event.value))

    @on(Input.Submitted, "#data-file")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            path = Path(event.value.strip()).expanduser()
            self.post_message(DataPathChosen(path))
            self.load(path)

    # ---- worker -------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="data")
    def _read(self, path: Path, spec: DecisionSpec | None) -> None:
        from harness.data import build_task, load_table

        worker = get_current_worker()

        def show(fn: Any, *args: Any) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(fn, *args)

        try:
            df = load_table(path, drop_columns=spec.audit.drop_columns if spec else ())
        except InputError as exc:
            show(self._show_error, f"cannot read the data: {exc}")
            return
        schema = [
            (name, str(dtype), df[name].null_count(), df[name].n_unique())
            for name, dtype in zip(df.columns, df.dtypes, strict=True)
        ]
        preview = df.head(PREVIEW_ROWS)
        show(self._show_table, df.height, df.width, preview.columns, preview.rows(), schema)
        target = spec.data.target if spec else None
        show(self._show_targets, list(df.columns), target)
        if target and target in df.columns:
            counts = df[target].value_counts(sort=True)
            show(self._show_balance, [tuple(r) for r in counts.rows()][:12], counts.height)
        elif target:
            show(self._show_balance_note, f"target {target!r} is not a column of this file")
        else:
            show(self._show_balance_note, "no target set on the Constraints tab")
        if spec is None:
            show(
                self._show_audit_note,
                "the audit runs once the spec is complete (the header says what is next)",
            )
            return
        try:
            task = build_task(df, spec)
        except InputError as exc:
            show(self._show_audit_note, f"cannot build the task: {exc}")
            return
        show(self._show_task, task)
        try:
            from harness.audit import audit_table
        except ImportError:
            show(self._show_audit_note, "the audit is not available in this build")
            return
        try:
            findings = list(audit_table(df, task, spec))
        except InputError as exc:
            show(self._show_audit_note, f"audit stopped: {exc}")
            return
        show(self._show_findings, findings)

    # ---- UI updates (UI thread) ---------------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.query_one("#data-summary", Static).update(Text(message, style="bold red"))

    def _show_table(
        self, rows: int, width: int, columns: list[str], preview: list[tuple[Any, ...]], schema: list[Any]
    ) -> None:
        self._summary = f"{rows:,} rows × {width} columns"
        self.query_one("#data-summary", Static).update(self._summary)
        table = self.query_one("#data-preview", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        table.add_rows([tuple("" if v is None else str(v)[:24] for v in row) for row in preview])
        schema_table = self.query_one("#data-schema", DataTable)
        schema_table.clear(columns=True)
        schema_table.add_columns("column", "type", "nulls", "distinct")
        schema_table.add_rows([(n, t, f"{nulls:,}", f"{distinct:,}") for n, t, nulls, distinct in schema])

    def _show_targets(self, columns: list[str], target: str | None) -> None:
        """The file's columns to pick the target from: the spec's, else the likely one (a column named like a
        target, else the last), which is proposed to the spec at once so a new decision needs no typing."""
        from harness.starter import guess_target

        picker = self.query_one("#data-target", Select)
        chosen = target if target else guess_target(columns)[0]  # a target the user typed is never replaced
        with picker.prevent(Select.Changed):
            picker.set_options([(c, c) for c in columns])
            if chosen in columns:
                picker.value = chosen
        if not target:
            self.post_message(TargetChosen(chosen))

    def _show_balance(self, counts: list[tuple[Any, int]], n_classes: int) -> None:
        text = class_balance(counts)
        if n_classes > len(counts):
            text.append(f"… {n_classes - len(counts)} more values", style="dim")
        self.query_one("#data-balance", Static).update(text)

    def _show_balance_note(self, message: str) -> None:
        self.query_one("#data-balance", Static).update(Text(message, style="dim"))

    def _show_task(self, task: Any) -> None:
        summary = self.query_one("#data-summary", Static)
        features = (
            f"{len(task.numeric_columns)} numeric, {len(task.categorical_columns)} categorical, "
            f"{len(task.text_columns)} text features"
        )
        summary.update(f"{self._summary}; task {task.kind} on {task.target!r}; {features}")
        self.query_one("#data-audit", Static).update(Text("auditing …", style="dim"))

    def _show_audit_note(self, message: str) -> None:
        self.query_one("#data-audit", Static).update(Text(message, style="dim"))

    def _show_findings(self, findings: list[Any]) -> None:
        self.query_one("#data-audit", Static).update(findings_text(findings))
