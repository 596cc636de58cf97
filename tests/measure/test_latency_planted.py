"""Latency percentiles against a planted distribution: a fake `predict` whose slow rows are known, so p50,
p95 and p99 each have one right answer (ordering checks alone let p99 be reported as p95)."""

from __future__ import annotations

import time

import polars as pl
import pytest

from harness.measure.latency import measure_latency

SLOW_MS = 20.0
FAST_LIMIT_MS = 5.0  # a ~0 ms call on a busy shared machine; far below SLOW_MS


def _planted_predict(slow_every: int):
    """Rows whose `x` is a multiple of `slow_every` sleep SLOW_MS; every other row returns at once."""

    def predict(frame: pl.DataFrame) -> None:
        if frame["x"][0] % slow_every == 0:
            time.sleep(SLOW_MS / 1000)

    return predict


@pytest.mark.parametrize(
    ("slow_every", "slow_share"),
    [
        (50, 0.02),  # 2% slow: p50 and p95 fast, p99 slow
        (10, 0.10),  # 10% slow: p50 fast, p95 and p99 slow
    ],
)
def test_percentiles_match_a_planted_distribution(slow_every: int, slow_share: float) -> None:
    rows = pl.DataFrame({"x": list(range(100))})  # cycled: 200 timed calls see every row exactly twice
    stats = measure_latency(_planted_predict(slow_every), rows, n_calls=200)
    assert stats.p50_ms < FAST_LIMIT_MS
    if slow_share < 0.05:
        assert stats.p95_ms < FAST_LIMIT_MS, stats
    else:
        assert stats.p95_ms >= SLOW_MS * 0.95, stats
    assert stats.p99_ms >= SLOW_MS * 0.95, stats
    assert stats.mean_ms >= slow_share * SLOW_MS * 0.95
    assert stats.mean_ms < slow_share * SLOW_MS + FAST_LIMIT_MS
