"""Benchmark: fit time and single-row predict latency of each tabular candidate, thread settings side by side.

On a generated binary table (default 60k rows × 15 features: 10 numeric with missing values, 5 categorical of
cardinality 3…500) each candidate is fitted once, then `predict` — the real serving path, encoding included —
is called on batches of one row (p50/p99 over `--requests` calls on different rows) and on one 10k-row batch
(throughput), under each thread setting:

* xgboost: booster nthread 1 vs all cores vs auto (1 below 256 rows, all cores above);
* lightgbm: num_threads 1 vs all cores vs auto;
* torch-mlp: torch.set_num_threads 1 vs all cores vs auto (set around each predict call).
Fit is timed with 1 thread vs all cores.

Also the encoder's categorical path on one row: dict lookups vs `pl.Series.replace_strict`.

Run: `.venv/bin/python benchmarks/bench_predict_latency.py [--rows 60000] [--requests 2000]`
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.candidates import create
from harness.dataset import Split, Task
from harness.threads import training_threads
from harness.types import TaskKind

NUMERIC = [f"num_{i}" for i in range(10)]
CATEGORICAL = {"cat_3": 3, "cat_10": 10, "cat_40": 40, "cat_120": 120, "cat_500": 500}


def make_table(n_rows: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Features plus a binary target driven by a threshold interaction, a sine and a categorical effect."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i, column in enumerate(NUMERIC):
        values = rng.normal(size=n_rows) * (i + 1)
        values[rng.random(n_rows) < 0.05 * (i % 3)] = np.nan
        data[column] = values
    for column, cardinality in CATEGORICAL.items():
        codes = rng.zipf(1.6, size=n_rows) % cardinality
        data[column] = np.array([f"{column}_v{c}" for c in codes], dtype=object)
    X = pl.DataFrame(data).with_columns(pl.col(NUMERIC).fill_nan(None))
    a, b = np.nan_to_num(data["num_0"]), np.nan_to_num(data["num_1"]) / 2  # type: ignore[arg-type]
    cat_effect = (np.char.endswith(np.asarray(data["cat_40"], dtype=str), "v1")).astype(float)
    logit = (
        2.5 * ((a > 0.3) & (b > -0.2)) + np.sin(2 * np.nan_to_num(data["num_2"]) / 3) + 1.5 * cat_effect - 1.8
    )  # type: ignore[arg-type]
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return X, y


def splits(n_rows: int, seed: int) -> tuple[Split, Split, Split]:
    X, y = make_table(n_rows, seed)
    task = Task(
        kind=TaskKind.BINARY,
        target="y",
        feature_columns=tuple(X.columns),
        numeric_columns=tuple(NUMERIC),
        categorical_columns=tuple(CATEGORICAL),
        classes=(0, 1),
        positive_index=1,
    )
    n_train, n_dev = int(n_rows * 0.7), int(n_rows * 0.1)
    return (
        Split("train", task, X[:n_train], y[:n_train]),
        Split("dev", task, X[n_train : n_train + n_dev], y[n_train : n_train + n_dev]),
        Split("test", task, X[n_train + n_dev :], y[n_train + n_dev :]),
    )


def latency_ms(predict, rows: list[pl.DataFrame]) -> tuple[float, float]:
    for row in rows[:50]:  # warm-up
        predict(row)
    timings = np.empty(len(rows))
    for i, row in enumerate(rows):
        start = time.perf_counter()
        predict(row)
        timings[i] = time.perf_counter() - start
    return float(np.percentile(timings, 50) * 1e3), float(np.percentile(timings, 99) * 1e3)


def throughput_rps(predict, batch: pl.DataFrame, repeats: int = 5) -> float:
    predict(batch)
    start = time.perf_counter()
    for _ in range(repeats):
        predict(batch)
    return batch.height * repeats / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0))  # all cores, whatever the load (the auto setting looks at load)
    train, dev, test = splits(args.rows, args.seed)
    rows = [test.X.slice(i, 1) for i in range(min(args.requests, test.X.height))]
    batch = test.X.head(10_000)
    print(
        f"{args.rows} rows ({len(train)} train / {len(dev)} dev / {len(test)} test), {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}, auto threads now {training_threads()}"
    )

    from sklearn.metrics import roc_auc_score

    print("\n== fit (seconds) ==")
    fitted = {}
    for name in ("zero-rule", "single-feature-rule", "xgboost", "lightgbm", "torch-mlp"):
        for threads in sorted({1, cores}) if name in ("xgboost", "lightgbm", "torch-mlp") else [None]:
            candidate = create(name, seed=args.seed)
            if threads is not None:
                candidate.train_threads = threads  # type: ignore[attr-defined]
            start = time.perf_counter()
            candidate.fit(train, dev)
            seconds = time.perf_counter() - start
            auc = roc_auc_score(test.y, candidate.predict(test.X).proba[:, 1])
            print(
                f"{name:20s} threads={threads or '-'}  fit {seconds:6.2f} s   test ROC-AUC {auc:.4f}   "
                f"size {candidate.size_bytes() / 1024:8.1f} KiB   "
                f"best iteration {candidate.details().get('best_iteration', '-')}"
            )
            fitted[name] = candidate

    print("\n== predict: one row per request (ms) and a 10k-row batch (rows/s) ==")
    settings: list[tuple[str, object]] = [
        ("zero-rule", fitted["zero-rule"]),
        ("single-feature-rule", fitted["single-feature-rule"]),
    ]
    for name, knob in (("xgboost", "nthread"), ("lightgbm", "num_threads"), ("torch-mlp", "torch threads")):
        for threads in (1, cores, None):
            clone = create(name, seed=args.seed)  # same fitted model, another serving setting
            clone.__dict__.update({k: v for k, v in fitted[name].__dict__.items() if k.endswith("_")})
            clone.predict_threads = threads  # type: ignore[attr-defined]
            if name == "xgboost":
                clone._set_serving_threads()  # type: ignore[attr-defined]
            settings.append((f"{name} {knob}={threads or 'auto'}", clone))

    for label, candidate in settings:
        p50, p99 = latency_ms(candidate.predict, rows)
        rps = throughput_rps(candidate.predict, batch)
        print(f"{label:32s} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   10k batch {rps:12,.0f} rows/s")

    print("\n== encoder, categorical codes of one row (5 columns) ==")
    encoder = fitted["xgboost"].encoder_
    row = rows[0]
    pairs = encoder._replace_pairs
    replace = [
        pl.col(c).cast(pl.String).replace_strict(old, new, default=0, return_dtype=pl.Int64)
        for c, (old, new) in zip(encoder.categorical_columns, pairs, strict=True)
    ]
    p50, p99 = latency_ms(encoder.codes, rows)
    print(f"dict lookups (used below 256 rows)  p50 {p50 * 1e3:7.1f} µs   p99 {p99 * 1e3:7.1f} µs")
    p50, p99 = latency_ms(lambda r: r.select(replace).to_numpy(), rows)
    print(f"replace_strict                      p50 {p50 * 1e3:7.1f} µs   p99 {p99 * 1e3:7.1f} µs")
    p50, p99 = latency_ms(encoder.for_trees, rows)
    print(f"for_trees (15 columns, one row)     p50 {p50 * 1e3:7.1f} µs   p99 {p99 * 1e3:7.1f} µs")
    p50, p99 = latency_ms(encoder.for_net, rows)
    print(f"for_net (15 columns, one row)       p50 {p50 * 1e3:7.1f} µs   p99 {p99 * 1e3:7.1f} µs")
    del row


if __name__ == "__main__":
    main()
