"""Charts written beside the ADR (SVG, matplotlib): quality vs p99 latency with the budget line, reliability
curves, learning curves and the chosen option's worst slices. Rendered to bytes before the disk is touched;
deterministic (fixed hash salt, no date) so the same record gives the same files.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from harness.measure.catalog import METRICS
from harness.record import RunRecord

_MAX_LINES = 6  # curves per chart: the chosen option, then by rank


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "archbench"
    plt.rcParams["font.size"] = 9
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    return fig, ax


def _svg(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _label(metric: str) -> str:
    info = METRICS.get(metric)
    if info is None:
        return metric
    return f"{info.label} ({'higher' if info.greater_is_better else 'lower'} is better)"


def pareto(record: RunRecord) -> bytes | None:
    d = record.decision
    if d is None:
        return None
    ms = [m for m in record.measurements if m.ok and m.latency and d.metric in m.metrics]
    if len(ms) < 2:
        return None
    rejected = {v.candidate for v in d.verdicts if v.verdict == "rejected"}
    fig, ax = _figure()
    for m in ms:
        v, lat = m.metrics[d.metric], m.latency
        assert lat is not None
        low = v.value - v.ci_low if v.ci_low is not None else 0.0
        high = v.ci_high - v.value if v.ci_high is not None else 0.0
        chosen = m.candidate == d.recommended
        ax.errorbar(
            lat.p99_ms,
            v.value,
            yerr=[[max(low, 0.0)], [max(high, 0.0)]],
            xerr=[[max(lat.p99_ms - lat.p99_low, 0.0)], [max(lat.p99_high - lat.p99_ms, 0.0)]],
            fmt="o",
            color="tab:red" if chosen else "tab:gray" if m.candidate in rejected else "tab:blue",
            capsize=2,
            markersize=7 if chosen else 5,
        )
        ax.annotate(m.candidate, (lat.p99_ms, v.value), textcoords="offset points", xytext=(5, 4), fontsize=8)
    budget = record.decision_spec().constraints.latency_p99_ms
    if budget is not None:
        ax.axvline(budget, color="tab:gray", linestyle="--", linewidth=1)
        ax.annotate(
            f"budget {budget:g} ms", (budget, ax.get_ylim()[0]), xytext=(3, 3), textcoords="offset points"
        )
    ax.set_xscale("log")
    ax.set_xlabel("p99 latency per request, ms (log scale; bars: 95% CI)")
    ax.set_ylabel(_label(d.metric))
    ax.set_title("Quality vs p99 latency (red: chosen; grey: rejected by a gate)")
    ax.grid(True, alpha=0.3)
    return _svg(fig)


def _ordered(record: RunRecord, names: list[str]) -> list[str]:
    d = record.decision
    rank = {v.candidate: (v.rank if v.rank is not None else 99) for v in (d.verdicts if d else [])}
    chosen = record.evidence.chosen if record.evidence else None
    return sorted(names, key=lambda n: (n != chosen, rank.get(n, 99), n))[:_MAX_LINES]


def reliability(record: RunRecord) -> bytes | None:
    ev = record.evidence
    if ev is None or not ev.calibration:
        return None
    by = {c.candidate: c for c in ev.calibration if c.curve}
    names = _ordered(record, list(by))
    if not names:
        return None
    fig, ax = _figure()
    ax.plot([0, 1], [0, 1], color="tab:gray", linestyle=":", linewidth=1, label="perfectly calibrated")
    for name in names:
        c = by[name]
        ax.plot(
            [b.predicted for b in c.curve],
            [b.observed for b in c.curve],
            marker="o",
            markersize=3,
            label=f"{name} (ECE {c.ece:.3f})",
        )
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability on the test split")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    return _svg(fig)


def learning_curves(record: RunRecord) -> bytes | None:
    ev, d = record.evidence, record.decision
    if ev is None or d is None or not ev.learning_curves:
        return None
    by = {c.candidate: c for c in ev.learning_curves}
    fig, ax = _figure()
    for name in _ordered(record, list(by)):
        c = by[name]
        xs = [p.rows for p in c.points]
        ys = [p.mean for p in c.points]
        err = [p.sd or 0.0 for p in c.points]
        ax.errorbar(xs, ys, yerr=err, marker="o", markersize=3, capsize=2, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training rows per fit (log scale)")
    ax.set_ylabel(_label(d.metric))
    ax.set_title("Learning curves (mean over CV folds; bars: SD)")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    return _svg(fig)


def worst_slices(record: RunRecord) -> bytes | None:
    ev, d = record.evidence, record.decision
    if ev is None or d is None or ev.chosen is None:
        return None
    cs = ev.slices_of(ev.chosen)
    if cs is None:
        return None
    scored = [s for s in cs.slices if s.score is not None]
    if len(scored) < 2:
        return None
    gib = METRICS[d.metric].greater_is_better if d.metric in METRICS else True
    scored.sort(key=lambda s: s.score.value if s.score else 0.0, reverse=not gib)
    shown = scored[:10][::-1]
    fig, ax = _figure()
    ys = range(len(shown))
    values = [s.score.value if s.score else 0.0 for s in shown]
    colors = ["tab:red" if s.hidden_regression else "tab:blue" for s in shown]
    err = [
        [
            max(v - (s.score.low if s.score and s.score.low is not None else v), 0.0)
            for v, s in zip(values, shown, strict=True)
        ],
        [
            max((s.score.high if s.score and s.score.high is not None else v) - v, 0.0)
            for v, s in zip(values, shown, strict=True)
        ],
    ]
    ax.barh(list(ys), values, xerr=err, color=colors, alpha=0.8, label=ev.chosen, capsize=2)
    base = [(i, s.baseline) for i, s in enumerate(shown) if s.baseline is not None]
    if base:
        ax.plot([b for _, b in base], [i for i, _ in base], "k|", markersize=12, label="best baseline")
    ax.set_yticks(list(ys))
    ax.set_yticklabels([f"{s.label} (n={s.rows})" for s in shown], fontsize=7)
    ax.set_xlabel(_label(d.metric))
    ax.set_title(f"Worst slices of {ev.chosen} (red: hidden regression)")
    ax.legend(fontsize=7)
    ax.grid(True, axis="x", alpha=0.3)
    return _svg(fig)


CHARTS: dict[str, tuple[str, Callable[[RunRecord], bytes | None]]] = {
    "pareto": ("Quality vs p99 latency", pareto),
    "reliability": ("Reliability curves", reliability),
    "learning-curves": ("Learning curves", learning_curves),
    "slices": ("Worst slices", worst_slices),
}


def render_charts(record: RunRecord) -> dict[str, bytes]:
    """name → SVG bytes for every chart the record has data for. A chart that fails to render is left out
    (the ADR's tables carry the same numbers)."""
    out: dict[str, bytes] = {}
    for name, (_title, make) in CHARTS.items():
        try:
            svg = make(record)
        except Exception:
            svg = None
        if svg:
            out[name] = svg
    return out
