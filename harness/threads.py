"""How many threads a fit or a prediction may use: one place, read by the candidates, the latency
measurement and the executor's workers (a bottom-layer module: it imports nothing of harness)."""

from __future__ import annotations

import os

SMALL_BATCH_ROWS = 256


def training_threads() -> int:
    """Threads for training and large batches: every core this process may use, unless the machine is already
    oversubscribed (1-minute load average ≥ cores + 1), then one.

    Why: OpenMP/intra-op thread pools degrade badly when their threads must wait for busy cores. Measured on a
    2-core box at load ~9 (benchmarks/bench_predict_latency.py): fit with 2 threads vs 1 — xgboost 30.3 s vs
    1.8 s, lightgbm 14.7 s vs 1.6 s, torch-mlp 130 s vs 11.9 s, identical models. On idle cores more threads
    help.
    `ARCHBENCH_THREADS=<n>` overrides (e.g. in CI).
    """
    override = os.environ.get("ARCHBENCH_THREADS", "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        cores = max(1, os.cpu_count() or 1)
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return cores
    return 1 if load >= cores + 1 else cores


def serving_threads(n_rows: int) -> int:
    """Threads for one `predict` call: one below `SMALL_BATCH_ROWS` rows (a single request gains nothing
    from a thread pool and its wake-ups widen the p99), `training_threads()` for larger batches."""
    return 1 if n_rows < SMALL_BATCH_ROWS else training_threads()
