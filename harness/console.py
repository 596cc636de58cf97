"""Rich rendering of runner events and results for the CLI (the TUI has its own widgets)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from harness import events as ev
from harness.measure.catalog import METRICS
from harness.results import Decision, Measurement

_SEVERITY_STYLE = {"blocking": "bold red", "warning": "yellow", "info": "dim"}


class ProgressRenderer:
    """An `EventSink` that draws one bar per step and per candidate on stderr."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<28}"),
            BarColumn(bar_width=30),
            TextColumn("{task.percentage:>5.0f}%"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[note]}"),
            console=console,
            transient=False,
            disable=not enabled,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressRenderer:
        self.progress.__enter__()
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None:  # bad input: leave only the one-line error on screen, no half-done bars
            for task_id in list(self._tasks.values()):
                self.progress.remove_task(task_id)
        self.progress.__exit__(exc_type, *exc)

    def _bar(self, key: str, description: str) -> TaskID:
        if key not in self._tasks:
            self._tasks[key] = self.progress.add_task(description, total=1.0, note="")
        return self._tasks[key]

    def __call__(self, event: ev.Event) -> None:
        if not self.enabled:  # --quiet: results on stdout and errors only
            return
        p = self.progress
        match event:
            case ev.StepStarted(step=step, detail=detail) if step != "candidates":
                p.update(self._bar(f"step:{step}", f"[bold]{step}[/]"), completed=0.0, note=detail)
            case ev.StepFinished(step=step) if step != "candidates":
                p.update(self._bar(f"step:{step}", f"[bold]{step}[/]"), completed=1.0)
            case ev.CandidateStarted(name=name, family=family):
                p.update(self._bar(f"cand:{name}", f"  {name} [dim]({family})[/]"), completed=0.0, note="fit")
            case ev.CandidateProgress(name=name, phase=phase, fraction=fraction, message=message):
                # fit is the first 80% of a candidate's bar, measuring the last 20%
                done = 0.8 * fraction if phase == "fit" else 0.8 + 0.2 * fraction
                p.update(self._bar(f"cand:{name}", name), completed=done, note=message or phase)
            case ev.CandidateFinished(name=name, measurement=m):
                note = "done" if m.ok else f"[red]{m.status}: {m.reason}[/]"
                p.update(self._bar(f"cand:{name}", name), completed=1.0, note=note)
            case ev.FindingRaised(finding=f) if getattr(f, "severity", "info") != "info":
                style = _SEVERITY_STYLE.get(f.severity, "")
                p.console.print(Text(f"  audit {f.severity}: {f.title}", style=style))
            case ev.Log(message=message, level=level) if level != "info":
                p.console.print(Text(f"  {message}", style="yellow" if level == "warning" else ""))
            case ev.Log(message=message):
                p.console.print(Text(f"  {message}", style="dim"))
            case _:
                pass


def fmt_metric(m: Measurement, metric: str) -> str:
    mv = m.metrics.get(metric)
    return "—" if mv is None else mv.show()


def leaderboard(measurements: list[Measurement], decision: Decision | None) -> Table:
    metric = decision.metric if decision else next(iter(measurements[0].metrics), "") if measurements else ""
    label = METRICS[metric].label if metric in METRICS else metric
    verdicts = {v.candidate: v for v in decision.verdicts} if decision else {}
    order = {v.candidate: (v.rank if v.rank is not None else 999, i) for i, v in enumerate(verdicts.values())}
    table = Table(title=f"Leaderboard — {label} on the test split (95% CI)", title_justify="left")
    for col, justify in [
        ("candidate", "left"),
        (label, "right"),
        ("p50 ms", "right"),
        ("p99 ms", "right"),
        ("rows/s", "right"),
        ("MB", "right"),
        ("train s", "right"),
        ("USD/1k", "right"),
        ("verdict", "left"),
    ]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for m in sorted(measurements, key=lambda m: order.get(m.candidate, (999, 0))):
        v = verdicts.get(m.candidate)
        verdict = v.verdict if v else m.status
        style = {"recommended": "bold green", "rejected": "red", "failed": "red"}.get(verdict, "")
        why = ""
        if v and v.violations:
            why = ": " + "; ".join(v.violations)
        elif not m.ok:
            why = f": {m.reason}"
        table.add_row(
            m.candidate,
            fmt_metric(m, metric),
            f"{m.latency.p50_ms:.2f}" if m.latency else "—",
            f"{m.latency.p99_ms:.2f}" if m.latency else "—",
            f"{m.throughput_rows_per_s:,.0f}" if m.throughput_rows_per_s else "—",
            f"{m.size_mb:.2f}" if m.size_mb is not None else "—",
            f"{m.train_time_s:.1f}" if m.train_time_s is not None else "—",
            f"{m.cost_usd_per_1k:.3g}" if m.cost_usd_per_1k is not None else "—",
            Text(verdict + why, style=style),
        )
    return table


def summary(result: Any) -> Group:
    lines: list[Text] = []
    d: Decision | None = result.decision
    if result.cancelled:
        lines.append(Text("Run cancelled; finished results were kept in the run record.", style="yellow"))
    if d is not None:
        style = "bold green" if d.justified else "bold yellow"
        chosen = d.recommended or "none"
        lines.append(Text(f"Chosen option: {chosen}, because {d.because}", style=style))
        if d.tie_break:
            lines.append(Text(f"Tie-break: {d.tie_break}", style="dim"))
    if result.adr_path:
        lines.append(Text(f"ADR written: {result.adr_path}"))
    lines.append(Text(f"Run record: {result.record_path}", style="dim"))
    return Group(*lines)
