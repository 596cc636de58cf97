"""Latency-vs-quality scatter plot drawn on a canvas of characters, with the Pareto front marked.

Hand-drawn because textual-plotext is not a dependency; the plot needs only points, a front and two axes.
x: p99 latency in ms (log scale when it spans more than 20×), y: the optimizing metric. Each candidate is a
letter; front members are bold green and joined by dots; dominated ones are dim.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class PlotPoint:
    name: str
    latency_ms: float
    quality: float


def pareto_front(points: Sequence[PlotPoint], *, greater_is_better: bool = True) -> set[int]:
    """Indices of the points no other point beats on both latency (lower) and quality."""

    def better_or_equal(a: PlotPoint, b: PlotPoint) -> bool:
        q = a.quality >= b.quality if greater_is_better else a.quality <= b.quality
        return a.latency_ms <= b.latency_ms and q

    front: set[int] = set()
    for i, p in enumerate(points):
        dominated = any(
            better_or_equal(q, p) and (q.latency_ms, q.quality) != (p.latency_ms, p.quality)
            for j, q in enumerate(points)
            if j != i
        )
        if not dominated:
            front.add(i)
    return front


def _label(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else str(i)


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}"
    return f"{value:.3f}"


def draw(
    points: Sequence[PlotPoint],
    width: int,
    height: int,
    *,
    greater_is_better: bool = True,
    y_label: str = "quality",
) -> Text:
    """The plot as rich Text of `height` lines of at most `width` cells (legend included)."""
    if not points:
        return Text("no candidate with both a latency and a quality measurement yet", style="dim")
    front = pareto_front(points, greater_is_better=greater_is_better)
    legend = [f"{_label(i)} {p.name}" for i, p in enumerate(points)]
    legend_lines: list[str] = []
    line = ""
    for item in legend:
        if line and len(line) + 2 + len(item) > width:
            legend_lines.append(line)
            line = item
        else:
            line = f"{line}  {item}" if line else item
    legend_lines.append(line)

    xs = [p.latency_ms for p in points]
    ys = [p.quality for p in points]
    log_x = min(xs) > 0 and max(xs) / min(xs) > 20

    def tx(x: float) -> float:
        return math.log10(x) if log_x else x

    x_lo, x_hi = tx(min(xs)), tx(max(xs))
    y_lo, y_hi = min(ys), max(ys)
    if x_hi - x_lo < 1e-12:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    if y_hi - y_lo < 1e-12:
        y_lo, y_hi = y_lo - 0.01, y_hi + 0.01
    y_ticks = [_fmt(y_hi), _fmt((y_lo + y_hi) / 2), _fmt(y_lo)]
    margin = max(len(t) for t in y_ticks) + 2
    plot_w = max(width - margin - 1, 10)
    plot_h = max(height - 3 - len(legend_lines), 3)

    grid = [[" "] * plot_w for _ in range(plot_h)]
    styles: dict[tuple[int, int], str] = {}

    def cell(p: PlotPoint) -> tuple[int, int]:
        col = round((tx(p.latency_ms) - x_lo) / (x_hi - x_lo) * (plot_w - 1))
        row = plot_h - 1 - round((p.quality - y_lo) / (y_hi - y_lo) * (plot_h - 1))
        return row, col

    ordered = sorted(front, key=lambda i: xs[i])
    for a, b in itertools.pairwise(ordered):  # dots along the front
        (r0, c0), (r1, c1) = cell(points[a]), cell(points[b])
        steps = max(abs(c1 - c0), abs(r1 - r0))
        for s in range(1, steps):
            r = round(r0 + (r1 - r0) * s / steps)
            c = round(c0 + (c1 - c0) * s / steps)
            grid[r][c] = "·"
            styles[(r, c)] = "green"
    for i in sorted(range(len(points)), key=lambda i: i in front):  # front drawn last: it wins a shared cell
        r, c = cell(points[i])
        grid[r][c] = _label(i)
        styles[(r, c)] = "bold green" if i in front else "dim"

    text = Text(no_wrap=True, overflow="crop")
    tick_rows = {0: y_ticks[0], (plot_h - 1) // 2: y_ticks[1], plot_h - 1: y_ticks[2]}
    for r in range(plot_h):
        text.append(f"{tick_rows.get(r, ''):>{margin - 2}} {'┤' if r in tick_rows else '│'}", style="dim")
        for c, ch in enumerate(grid[r]):
            text.append(ch, style=styles.get((r, c), ""))
        text.append("\n")
    text.append(" " * (margin - 1) + "└" + "─" * plot_w + "\n", style="dim")
    x_min_label = _fmt(min(xs))
    x_max_label = _fmt(max(xs))
    gap = max(plot_w - len(x_min_label) - len(x_max_label), 1)
    text.append(" " * margin + x_min_label + " " * gap + x_max_label + "\n", style="dim")
    axis = f"p99 latency, ms{' (log)' if log_x else ''} →   ↑ {y_label}   "
    text.append(axis[:width] + "\n", style="italic dim")
    for i, legend_line in enumerate(legend_lines):
        text.append(legend_line, style="")
        if i < len(legend_lines) - 1:
            text.append("\n")
    return text


class ParetoPlot(Widget):
    """Scatter of latency against quality for the measured candidates; the Pareto front highlighted."""

    DEFAULT_CSS = """
    ParetoPlot { height: 14; }
    """

    points: reactive[tuple[PlotPoint, ...]] = reactive(tuple, layout=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.greater_is_better = True
        self.y_label = "quality"

    def plot(self, points: Sequence[PlotPoint], *, greater_is_better: bool, y_label: str) -> None:
        self.greater_is_better = greater_is_better
        self.y_label = y_label
        self.points = tuple(points)
        self.refresh()

    def render(self) -> Text:
        return draw(
            self.points,
            self.size.width,
            self.size.height,
            greater_is_better=self.greater_is_better,
            y_label=self.y_label,
        )
