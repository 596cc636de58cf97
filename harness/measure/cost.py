"""What a prediction costs to serve."""

from __future__ import annotations


def cost_usd_per_1k(throughput_rows_per_s: float | None, usd_per_hour: float | None) -> float | None:
    """USD per 1,000 predictions: `usd_per_hour / 3600 / throughput × 1000`; None if either input is missing.

    Assumes one serving machine kept saturated by batched requests at the measured batch throughput, billed by
    the hour. It is a floor: idle capacity, per-request overhead of small batches, replicas for availability
    and network are not included. With a GPU price but a CPU-measured throughput it prices the wrong machine —
    measure on the hardware you will pay for.
    """
    if throughput_rows_per_s is None or usd_per_hour is None:
        return None
    if throughput_rows_per_s <= 0:
        raise ValueError(f"throughput must be positive (got {throughput_rows_per_s} rows/s)")
    return usd_per_hour / 3600.0 / throughput_rows_per_s * 1000.0
