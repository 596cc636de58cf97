"""Measurement: quality with bootstrap CIs (`quality`), latency and throughput (`latency`), cost (`cost`), and
`measure_candidate`, which does all of it for one fitted candidate.

The names below load on first use (PEP 562): `harness.spec` imports `harness.measure.catalog` to validate
metric names, and that must not pull numpy, polars or sklearn into `import harness`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.measure.cost import cost_usd_per_1k
    from harness.measure.latency import measure_latency, measure_throughput
    from harness.measure.measurement import concat_predictions, measure_candidate, predict_in_batches
    from harness.measure.quality import METRIC_FUNCTIONS, score
    from harness.measure.scored import MetricFunction

_WHERE = {
    "cost_usd_per_1k": "harness.measure.cost",
    "measure_latency": "harness.measure.latency",
    "measure_throughput": "harness.measure.latency",
    "concat_predictions": "harness.measure.measurement",
    "measure_candidate": "harness.measure.measurement",
    "predict_in_batches": "harness.measure.measurement",
    "METRIC_FUNCTIONS": "harness.measure.quality",
    "MetricFunction": "harness.measure.scored",
    "score": "harness.measure.quality",
}

__all__ = [
    "METRIC_FUNCTIONS",
    "MetricFunction",
    "concat_predictions",
    "cost_usd_per_1k",
    "measure_candidate",
    "measure_latency",
    "measure_throughput",
    "predict_in_batches",
    "score",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'harness.measure' has no attribute {name!r}")
