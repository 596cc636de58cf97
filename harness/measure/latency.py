"""Per-request latency and batch throughput, measured on a candidate's real `predict` path.

Latency is what one caller waits for one row (a batch of one), warm: the first calls pay for lazy
initialisation, JIT and cache misses that a long-running server pays once. Throughput is rows per second of
one process fed full batches, which is what prices a prediction (see `harness.measure.cost`).
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from harness.errors import InputError
from harness.results import LatencyStats

MIN_TIMED_CALLS = 200  # below this a p99 is one or two samples: stop early only after this many
_DISTINCT_ROWS = (
    1000  # single-row frames cycled through, so a cache keyed on the input cannot flatter the model
)


def measure_latency(
    predict: Callable[[pl.DataFrame], Any],
    rows: pl.DataFrame,
    *,
    n_calls: int = 1000,
    warmup: int = 50,
    max_seconds: float = 20.0,
) -> LatencyStats:
    """p50/p95/p99/mean latency in ms of `predict` on one-row frames, over up to `n_calls` timed calls.

    The one-row frames are sliced before timing (slicing is not serving cost) and cycled through. Timing stops
    early once `max_seconds` have passed, but never before `MIN_TIMED_CALLS` calls (or `n_calls` if fewer),
    so a slow candidate costs seconds, not minutes, and its p99 still rests on a few hundred samples.
    Warm-up stops after `warmup` calls or a tenth of `max_seconds`, whichever comes first (at least one call).

    Python's garbage collector is off during the timed loop: a collection's pause depends on everything alive
    in *this* process (datasets, other fitted candidates, the harness) and would land in whichever call
    happened to trigger it, adding the harness's heap to the candidate's tail latency. The candidate's own
    allocations are still timed; only the cyclic collector's sweeps are excluded (and run before the loop).
    """
    if rows.height == 0:
        raise InputError("no rows to time predictions on", where="measure", fix="use a non-empty test split")
    if n_calls < 1:
        raise InputError(f"n_calls must be at least 1 (got {n_calls})", where="measure_latency")
    singles = [rows.slice(i, 1) for i in range(min(rows.height, _DISTINCT_ROWS, n_calls))]
    cycle = itertools.cycle(singles)
    clock = time.perf_counter_ns

    warm_until = clock() + int(max_seconds * 0.1 * 1e9)
    for _ in range(max(warmup, 1)):
        predict(next(cycle))
        if clock() > warm_until:
            break

    min_calls = min(MIN_TIMED_CALLS, n_calls)
    deadline_ns = int(max_seconds * 1e9)
    samples_ns: list[int] = []
    append = samples_ns.append
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        for i, frame in zip(range(n_calls), cycle, strict=False):
            t0 = clock()
            predict(frame)
            t1 = clock()
            append(t1 - t0)
            if i >= min_calls and t1 - start > deadline_ns:
                break
    finally:
        if gc_was_enabled:
            gc.enable()

    ms = np.asarray(samples_ns, dtype=np.float64) / 1e6
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return LatencyStats(
        p50_ms=float(p50), p95_ms=float(p95), p99_ms=float(p99), mean_ms=float(ms.mean()), n_calls=len(ms)
    )


def measure_throughput(
    predict: Callable[[pl.DataFrame], Any],
    rows: pl.DataFrame,
    *,
    batch_size: int = 1024,
    min_seconds: float = 1.0,
) -> float:
    """Rows per second of `predict` on repeated full batches of `batch_size` rows (fewer if `rows` is
    shorter), after one warm-up batch; at least one timed batch, then batches until `min_seconds` have
    passed."""
    if rows.height == 0:
        raise InputError("no rows to time predictions on", where="measure", fix="use a non-empty test split")
    if batch_size < 1:
        raise InputError(f"batch_size must be at least 1 (got {batch_size})", where="measure_throughput")
    batch = rows.head(batch_size)
    predict(batch)
    clock = time.perf_counter
    n_batches = 0
    start = clock()
    elapsed = 0.0
    while n_batches == 0 or elapsed < min_seconds:
        predict(batch)
        n_batches += 1
        elapsed = clock() - start
    return n_batches * batch.height / elapsed
