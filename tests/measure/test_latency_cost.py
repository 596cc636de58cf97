"""Latency and throughput timing on fake predict functions (loose bounds, no flaky timing asserts); cost."""

from __future__ import annotations

import gc
import time

import polars as pl
import pytest

from harness.errors import InputError
from harness.measure.cost import cost_usd_per_1k
from harness.measure.latency import MIN_TIMED_CALLS, measure_latency, measure_throughput

ROWS = pl.DataFrame({"x": list(range(500))})


def test_latency_stats_are_ordered_and_n_calls_respected():
    seen: list[int] = []

    def predict(frame: pl.DataFrame) -> None:
        seen.append(frame.height)
        time.sleep(0.001)

    stats = measure_latency(predict, ROWS, n_calls=60, warmup=3)
    assert stats.n_calls == 60
    assert len(seen) == 63 and set(seen) == {1}  # warm-up + timed, always a batch of one
    assert 0.9 <= stats.p50_ms <= stats.p95_ms <= stats.p99_ms
    assert stats.p50_ms < 50 and stats.mean_ms >= 0.9


def test_latency_cycles_through_different_rows_with_gc_off():
    rows_seen: list[int] = []
    gc_states: list[bool] = []

    def predict(frame: pl.DataFrame) -> None:
        rows_seen.append(frame["x"][0])
        gc_states.append(gc.isenabled())

    measure_latency(predict, ROWS, n_calls=100, warmup=1)
    assert len(set(rows_seen)) == 100
    assert gc_states[0] is True and not any(gc_states[1:])  # warm-up with GC, timed loop without
    assert gc.isenabled()


def test_latency_stops_early_but_only_after_the_minimum_calls():
    stats = measure_latency(lambda frame: time.sleep(0.002), ROWS, n_calls=5000, warmup=1, max_seconds=0.05)
    assert MIN_TIMED_CALLS <= stats.n_calls < 5000


def test_throughput_counts_rows_of_full_batches():
    batch_sizes: list[int] = []

    def predict(frame: pl.DataFrame) -> None:
        batch_sizes.append(frame.height)
        time.sleep(0.01)

    rows_per_s = measure_throughput(predict, ROWS, batch_size=100, min_seconds=0.1)
    assert set(batch_sizes) == {100}
    assert 100 / 0.5 < rows_per_s <= 100 / 0.01 * 1.05  # at most 10k rows/s given the sleep


def test_empty_rows_are_an_input_error():
    with pytest.raises(InputError, match="no rows"):
        measure_latency(lambda frame: None, ROWS.head(0))
    with pytest.raises(InputError, match="no rows"):
        measure_throughput(lambda frame: None, ROWS.head(0))


def test_cost_per_1k_predictions():
    # $3.60/h = $0.001/s; at 1,000 rows/s one prediction costs $1e-6, 1,000 cost $0.001
    assert cost_usd_per_1k(1000.0, 3.6) == pytest.approx(0.001)
    assert cost_usd_per_1k(500.0, 3.6) == pytest.approx(0.002)
    assert cost_usd_per_1k(None, 3.6) is None
    assert cost_usd_per_1k(1000.0, None) is None
