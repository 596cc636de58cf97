"""Results: the recommendation with its reasons, the sortable leaderboard and, in tabs below it, the
latency-vs-quality Pareto plot with the selected candidate's details, its slices, calibration and robustness,
the chosen option's failure modes and leak check, and what would change the decision. Reads
`RunResult.measurements`, `RunResult.decision` and the record's evidence (`RunRecord.evidence`) only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from harness.measure.catalog import METRICS
from harness.results import CandidateVerdict, Decision, Measurement
from tui.widgets.evidence import (
    NO_EVIDENCE,
    calibration_text,
    failures_text,
    flips_text,
    robustness_text,
    slices_text,
)
from tui.widgets.pareto import ParetoPlot, PlotPoint

if TYPE_CHECKING:
    from harness.evidence.model import Evidence

_VERDICT_STYLE = {
    "recommended": "bold green",
    "runner_up": "green",
    "baseline": "cyan",
    "rejected": "red",
    "failed": "bold red",
    "not_justified": "yellow",
}


NOT_RUN = "Run the harness (ctrl+r) to see the evidence."
EVIDENCE_PANES = {
    "res-slices": "Slices",
    "res-calibration": "Calibration",
    "res-robustness": "Robustness",
    "res-failures": "Failure modes",
    "res-flips": "Flips",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    raw: Callable[[Measurement, CandidateVerdict | None], Any]  # sort value; None sorts last
    show: Callable[[Measurement, CandidateVerdict | None], str | Text]


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _verdict_cell(m: Measurement, v: CandidateVerdict | None) -> Text:
    verdict = v.verdict if v else m.status
    return Text(verdict, style=_VERDICT_STYLE.get(verdict, ""))


def _why(m: Measurement, v: CandidateVerdict | None) -> str:
    """Why a candidate is out: the gates it breaks, or why it failed (long: the last column)."""
    if v and v.violations:
        return "; ".join(v.violations)
    return (m.reason or "") if not m.ok else ""


def columns_for(metric: str) -> list[Column]:
    label = METRICS[metric].label if metric in METRICS else metric

    def metric_raw(m: Measurement, _v: Any) -> float | None:
        mv = m.metrics.get(metric)
        return None if mv is None else mv.value

    def metric_show(m: Measurement, _v: Any) -> str:
        mv = m.metrics.get(metric)
        return "—" if mv is None else mv.show()

    # the key columns first, so that they fit in 80 columns: rank, candidate, metric, verdict, p99 latency
    return [
        Column(
            "rank", "#", lambda m, v: v.rank if v else None, lambda m, v: str(v.rank) if v and v.rank else ""
        ),
        Column("candidate", "candidate", lambda m, v: m.candidate, lambda m, v: m.candidate),
        Column("metric", label, metric_raw, metric_show),
        Column("verdict", "verdict", lambda m, v: v.verdict if v else m.status, _verdict_cell),
        Column(
            "p99",
            "p99 ms",
            lambda m, v: m.latency.p99_ms if m.latency else None,
            lambda m, v: _num(m.latency.p99_ms if m.latency else None, ".2f"),
        ),
        Column(
            "throughput",
            "rows/s",
            lambda m, v: m.throughput_rows_per_s,
            lambda m, v: _num(m.throughput_rows_per_s, ",.0f"),
        ),
        Column("size", "MB", lambda m, v: m.size_mb, lambda m, v: _num(m.size_mb, ".2f")),
        Column("cost", "USD/1k", lambda m, v: m.cost_usd_per_1k, lambda m, v: _num(m.cost_usd_per_1k, ".2g")),
        Column("train", "train s", lambda m, v: m.train_time_s, lambda m, v: _num(m.train_time_s, ".1f")),
        Column(
            "p50",
            "p50 ms",
            lambda m, v: m.latency.p50_ms if m.latency else None,
            lambda m, v: _num(m.latency.p50_ms if m.latency else None, ".2f"),
        ),
        Column("why", "why not", lambda m, v: _why(m, v) or None, lambda m, v: Text(_why(m, v), style="red")),
    ]


def sort_measurements(
    rows: list[tuple[Measurement, CandidateVerdict | None]], column: Column, reverse: bool
) -> list[tuple[Measurement, CandidateVerdict | None]]:
    """Sort on a column's raw values; missing values always last."""
    present = [r for r in rows if column.raw(*r) is not None]
    missing = [r for r in rows if column.raw(*r) is None]
    return sorted(present, key=lambda r: column.raw(*r), reverse=reverse) + missing


def recommendation_text(decision: Decision | None, cancelled: bool) -> Text:
    text = Text()
    if cancelled:
        text.append("Run cancelled: results of the candidates that finished are kept.\n", style="yellow")
    if decision is None:
        text.append("No decision: no candidate finished.", style="yellow")
        return text
    because = " ".join(decision.because.split())
    if decision.recommended and not because.lower().startswith("chosen option"):
        because = f"Chosen option: {decision.recommended}, because {because}"
    text.append(because, style="bold green" if decision.recommended else "bold yellow")
    if decision.recommended and not decision.justified:
        text.append(f"\nIt does not beat the best baseline ({decision.best_baseline}).", style="yellow")
    if decision.tie_break:
        text.append(f"\nTie broken by: {decision.tie_break}", style="dim")
    return text


def details_text(m: Measurement, v: CandidateVerdict | None, metric: str) -> Text:
    text = Text()
    text.append(f"{m.candidate}", style="bold")
    text.append(f"  ({m.family})  status {m.status}")
    if v:
        text.append(f"  verdict {v.verdict}", style=_VERDICT_STYLE.get(v.verdict, ""))
        if v.rank:
            text.append(f"  rank {v.rank}")
    text.append("\n")
    if m.reason:
        text.append(f"reason: {m.reason}\n", style="red")
    if v:
        for reason in v.reasons:
            text.append(f"• {reason}\n")
        for violation in v.violations:
            text.append(f"✗ {violation}\n", style="red")
    for name, mv in m.metrics.items():
        ci = (
            f" [{mv.ci_low:.3f}, {mv.ci_high:.3f}]"
            if mv.ci_low is not None and mv.ci_high is not None
            else ""
        )
        text.append(f"{name}: {mv.value:.4f}{ci}\n", style="bold" if name == metric else "")
    if m.latency:
        lat = m.latency
        text.append(
            f"latency ms: p50 {lat.p50_ms:.3f}  p95 {lat.p95_ms:.3f}  p99 {lat.p99_ms:.3f}  "
            f"mean {lat.mean_ms:.3f}  ({lat.n_calls} calls)\n"
        )
    if m.throughput_rows_per_s is not None:
        text.append(f"throughput: {m.throughput_rows_per_s:,.0f} rows/s (batch {m.batch_size})\n")
    if m.size_bytes is not None:
        text.append(f"size: {m.size_bytes:,} bytes\n")
    if m.train_time_s is not None:
        text.append(f"train: {m.train_time_s:.2f} s on {m.train_rows or 0:,} rows\n")
    if m.cost_usd_per_1k is not None:
        text.append(f"cost: {m.cost_usd_per_1k:.3g} USD per 1k predictions\n")
    if m.skills:
        text.append(f"skills: {', '.join(m.skills)}\n")
    yes_no = {True: "yes", False: "no"}
    text.append(f"interpretable: {yes_no[m.interpretable]}; needs GPU: {yes_no[m.requires_gpu]}\n")
    for key, value in list(m.details.items())[:8]:
        text.append(f"{key}: {str(value)[:80]}\n", style="dim")
    return text


class ResultsView(VerticalScroll):
    BINDINGS: ClassVar[list[BindingType]] = [
        ("s", "sort_next", "Sort"),
        ("d", "sort_flip", "Reverse"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.metric = ""
        self._rows: list[tuple[Measurement, CandidateVerdict | None]] = []
        self._columns: list[Column] = []
        self._sort_index = 0
        self._reverse = False
        self.evidence: Evidence | None = None

    def compose(self) -> ComposeResult:
        yield Static("Run the harness (ctrl+r) to see results.", id="recommendation")
        yield DataTable(id="leaderboard", cursor_type="row", zebra_stripes=True)
        with TabbedContent(id="results-tabs"):
            with TabPane("Overview", id="res-overview"), Horizontal(id="results-lower"):
                yield ParetoPlot(id="pareto")
                yield Static("", id="candidate-details")
            for pane_id, title in EVIDENCE_PANES.items():
                with TabPane(title, id=pane_id):
                    yield Static(NOT_RUN, id=f"ev-{pane_id.removeprefix('res-')}", classes="evidence")

    def show(
        self,
        measurements: list[Measurement],
        decision: Decision | None,
        *,
        cancelled: bool = False,
        evidence: Evidence | None = None,
    ) -> None:
        verdicts = {v.candidate: v for v in decision.verdicts} if decision else {}
        self.metric = (
            decision.metric if decision else next(iter(measurements[0].metrics), "") if measurements else ""
        )
        self._columns = columns_for(self.metric)
        self._rows = [(m, verdicts.get(m.candidate)) for m in measurements]
        self._sort_index, self._reverse = 0, False
        self.evidence = evidence
        self.query_one("#recommendation", Static).update(recommendation_text(decision, cancelled))
        self._fill()
        info = METRICS.get(self.metric)
        points = [
            PlotPoint(m.candidate, m.latency.p99_ms, m.metrics[self.metric].value)
            for m in measurements
            if m.ok and m.latency is not None and self.metric in m.metrics
        ]
        self.query_one(ParetoPlot).plot(
            points,
            greater_is_better=info.greater_is_better if info else True,
            y_label=info.label if info else self.metric,
        )
        self._show_chosen()
        self._show_details(0)

    def clear(self, message: str = "Run the harness (ctrl+r) to see results.") -> None:
        """Back to no results (a new run started: the last run's are not this one's)."""
        self._rows, self._columns, self.metric, self.evidence = [], [], "", None
        self._sort_index, self._reverse = 0, False
        self.query_one("#recommendation", Static).update(message)
        self.query_one("#leaderboard", DataTable).clear(columns=True)
        self.query_one(ParetoPlot).plot([], greater_is_better=True, y_label="")
        self.query_one("#candidate-details", Static).update("")
        for pane_id in EVIDENCE_PANES:
            self.query_one(f"#ev-{pane_id.removeprefix('res-')}", Static).update(NOT_RUN)

    def _fill(self) -> None:
        table = self.query_one("#leaderboard", DataTable)
        table.clear(columns=True)
        column = self._columns[self._sort_index]
        for i, col in enumerate(self._columns):
            arrow = (" ▼" if self._reverse else " ▲") if i == self._sort_index else ""
            table.add_column(col.label + arrow, key=col.key)
        self._rows = sort_measurements(self._rows, column, self._reverse)
        for m, v in self._rows:
            table.add_row(*(col.show(m, v) for col in self._columns), key=m.candidate)

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        index = next(i for i, c in enumerate(self._columns) if c.key == key)
        self._reverse = (
            (not self._reverse if index == self._sort_index else False) if reverse is None else reverse
        )
        self._sort_index = index
        self._fill()

    def sorted_candidates(self) -> list[str]:
        return [m.candidate for m, _ in self._rows]

    def action_sort_next(self) -> None:
        if self._columns:
            self.sort_by(self._columns[(self._sort_index + 1) % len(self._columns)].key, reverse=False)

    def action_sort_flip(self) -> None:
        if self._columns:
            self.sort_by(self._columns[self._sort_index].key, reverse=not self._reverse)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    def _show_details(self, index: int) -> None:
        details = self.query_one("#candidate-details", Static)
        if 0 <= index < len(self._rows):
            details.update(details_text(*self._rows[index], self.metric))
            self._show_candidate_evidence(self._rows[index][0].candidate)
        else:
            details.update("")
            self._show_candidate_evidence(None)

    def _show_candidate_evidence(self, candidate: str | None) -> None:
        """The selected candidate's slices, calibration and robustness (as recorded by the harness)."""
        panes = {key: self.query_one(f"#ev-{key}", Static) for key in ("slices", "calibration", "robustness")}
        if self.evidence is None or candidate is None:
            for pane in panes.values():
                pane.update(NO_EVIDENCE if self.evidence is None else "")
            return
        info = METRICS.get(self.metric)
        label = info.label if info else self.metric
        gib = info.greater_is_better if info else True
        panes["slices"].update(slices_text(self.evidence, candidate, label, greater_is_better=gib))
        panes["calibration"].update(calibration_text(self.evidence, candidate))
        panes["robustness"].update(robustness_text(self.evidence, candidate, label))

    def _show_chosen(self) -> None:
        """The chosen option's failure modes and leak check; what would change the decision."""
        failures = self.query_one("#ev-failures", Static)
        flips = self.query_one("#ev-flips", Static)
        if self.evidence is None:
            failures.update(NO_EVIDENCE)
            flips.update(NO_EVIDENCE)
        else:
            failures.update(failures_text(self.evidence))
            flips.update(flips_text(self.evidence))
