"""Per-request latency and batch throughput, measured on a candidate's real `predict` path.

Latency is what one caller waits for one row (a batch of one), warm: the first calls pay for lazy
initialisation, JIT and cache misses that a long-running server pays once. Throughput is rows per second of
one process fed full batches, which is what prices a prediction (see `harness.measure.cost`).
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from harness.errors import InputError
from harness.results import LatencyStats

MIN_TIMED_CALLS = 200  # below this a p99 is one or two samples: stop early only after this many
_DISTINCT_ROWS = (
    1000  # single-row frames cycled through, so a cache keyed on the input cannot flatter the model
)


DEFAULT_ROUNDS = 7  # the fewest rounds whose min–max brackets the median with ≥ 95% confidence is 6


def measure_latency(
    predict: Callable[[pl.DataFrame], Any],
    rows: pl.DataFrame,
    *,
    n_calls: int = 1000,
    warmup: int = 50,
    max_seconds: float = 20.0,
    rounds: int = DEFAULT_ROUNDS,
) -> LatencyStats:
    """p50/p95/p99/mean latency in ms of one `predict` on one-row frames (`time_interleaved`, alone)."""
    return time_interleaved(
        {"candidate": predict}, rows, n_calls=n_calls, warmup=warmup, max_seconds=max_seconds, rounds=rounds
    )["candidate"]


def time_interleaved(
    predicts: dict[str, Callable[[pl.DataFrame], Any]],
    rows: pl.DataFrame,
    *,
    n_calls: int = 1000,
    warmup: int = 50,
    max_seconds: float = 20.0,
    rounds: int = DEFAULT_ROUNDS,
) -> dict[str, LatencyStats]:
    """Latency of several candidates, timed in `rounds` interleaved rounds: each round times every candidate
    in turn (the order rotates), so a burst of background load hits all of them alike instead of whichever
    happened to be timed then. Each candidate gets up to `n_calls` calls and `max_seconds` in all, split
    evenly over the rounds, but never fewer than `MIN_TIMED_CALLS` calls overall (or `n_calls` if fewer).

    The one-row frames are sliced before timing (slicing is not serving cost) and cycled through. Warm-up
    (before the first round) stops after `warmup` calls or a tenth of `max_seconds` (at least one call).

    Python's garbage collector is off during each timed loop: a collection's pause depends on everything alive
    in *this* process (datasets, other fitted candidates, the harness) and would land in whichever call
    happened to trigger it, adding the harness's heap to the candidate's tail latency. The candidate's own
    allocations are still timed; only the cyclic collector's sweeps are excluded (and run before each loop,
    over what was allocated since the rounds began: the heap before them is frozen, `gc.freeze`).
    """
    if rows.height == 0:
        raise InputError("no rows to time predictions on", where="measure", fix="use a non-empty test split")
    if n_calls < 1:
        raise InputError(f"n_calls must be at least 1 (got {n_calls})", where="measure_latency")
    rounds = max(1, min(rounds, n_calls))
    singles = [rows.slice(i, 1) for i in range(min(rows.height, _DISTINCT_ROWS, n_calls))]
    clock = time.perf_counter_ns
    names = list(predicts)
    cycles = {name: itertools.cycle(singles) for name in names}

    for name in names:
        predict, cycle = predicts[name], cycles[name]
        warm_until = clock() + int(max_seconds * 0.1 * 1e9)
        for _ in range(max(warmup, 1)):
            predict(next(cycle))
            if clock() > warm_until:
                break

    per_round_calls = [n_calls // rounds + (1 if r < n_calls % rounds else 0) for r in range(rounds)]
    min_per_round = max(1, -(-min(MIN_TIMED_CALLS, n_calls) // rounds))  # ceil: the minimum holds overall
    round_budget_ns = int(max_seconds / rounds * 1e9)
    samples: dict[str, list[list[int]]] = {name: [] for name in names}
    # Everything alive now (the harness, the data, every fitted candidate) is frozen out of the collector's
    # reach: the full collection before each timed loop then sweeps only what the timing itself allocated,
    # instead of the whole heap again (0.3 s a loop on a 2,000-column run, 49 loops).
    gc.collect()
    gc.freeze()
    try:
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                samples[name].append(
                    _timed_loop(
                        predicts[name], cycles[name], per_round_calls[r], min_per_round, round_budget_ns
                    )
                )
    finally:
        gc.unfreeze()
    return {name: _stats(samples[name]) for name in names}


def _timed_loop(
    predict: Callable[[pl.DataFrame], Any], cycle: Any, n_calls: int, min_calls: int, budget_ns: int
) -> list[int]:
    clock = time.perf_counter_ns
    out: list[int] = []
    append = out.append
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
            if i + 1 >= min_calls and t1 - start > budget_ns:
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    return out


def median_ci(values: Sequence[float] | NDArray[np.floating], level: float = 0.95) -> tuple[float, float]:
    """Distribution-free CI for the median from order statistics: the widest symmetric pair of ranks whose
    binomial coverage is at least `level` (all values' range when there are too few for that level).
    scipy has no ready function for this interval; the ranks come from `scipy.stats.binom`."""
    from scipy.stats import binom

    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    # ranks (k, n-1-k), 0-based, cover the median with probability 1 - 2·P(Binom(n, ½) ≤ k)
    k = 0
    while k + 1 < n - 2 - k and binom.cdf(k + 1, n, 0.5) <= (1 - level) / 2:
        k += 1
    return float(x[k]), float(x[n - 1 - k])


def _stats(rounds_ns: list[list[int]]) -> LatencyStats:
    """Percentiles of all calls pooled (the estimate); CIs from the spread of the per-round values (the noise
    between rounds, which is what background load causes), widened if needed to contain the estimate."""
    per_round = [np.asarray(r, dtype=np.float64) / 1e6 for r in rounds_ns if r]
    pooled = np.concatenate(per_round)
    p50, p95, p99 = (float(v) for v in np.percentile(pooled, [50, 95, 99]))
    pct = np.array([np.percentile(r, [50, 99]) for r in per_round])  # rounds × 2

    def ci(column: int, estimate: float) -> tuple[float, float] | None:
        if len(per_round) < 2:
            return None
        low, high = median_ci(pct[:, column])
        return min(low, estimate), max(high, estimate)

    return LatencyStats(
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        mean_ms=float(pooled.mean()),
        n_calls=len(pooled),
        rounds=len(per_round),
        p50_ci_ms=ci(0, p50),
        p99_ci_ms=ci(1, p99),
        round_p99_ms=[round(float(v), 4) for v in pct[:, 1]],
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
