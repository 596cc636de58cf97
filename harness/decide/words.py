"""How decide writes numbers in its sentences: metric values with CIs, signed differences, p-values."""

from __future__ import annotations

from harness.measure.catalog import MetricInfo
from harness.results import MetricValue


def _metric_num(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:,.2f}"


def _short_label(info: MetricInfo) -> str:
    return info.label.split(" (")[0]  # "PR-AUC (average precision)" -> "PR-AUC"


def _with_ci(v: MetricValue) -> str:
    if v.ci_low is None or v.ci_high is None:
        return _metric_num(v.value)
    return f"{_metric_num(v.value)} [{_metric_num(v.ci_low)}, {_metric_num(v.ci_high)}]"


def _signed(x: float) -> str:
    return f"{x:+.3f}" if abs(x) < 10 else f"{x:+,.2f}"


def _interval(low: float, high: float) -> str:
    lo, hi = sorted((low, high))
    return f"[{_signed(lo)}, {_signed(hi)}]"


def _undirect(better: float, gib: bool) -> float:
    """An advantage back in the metric's own units (a − b)."""
    return better if gib else -better


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
