"""Harness overhead: the same XGBoost / LightGBM fits and batch predicts by hand vs through `harness run`.

Through the harness: `harness.runner.run` on the bundled fraud example restricted to xgboost and lightgbm;
the fit time is the run record's `train_time_s` and the predict cost its measured batch throughput (1,024-row
batches). By hand: what a careful engineer writes directly against the libraries on the *same* splits —
polars → numpy with categorical codes, the same booster parameters, thread count and early stopping, and the
same batched prediction of the test rows. Repetitions alternate (hand, harness, hand, …) so machine noise hits
both sides; the medians are compared. Target: ratio ≤ 1.05.

    .venv/bin/python benchmarks/bench_overhead.py [--repeats 3] [--rows 60000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
THREADS = os.cpu_count() or 1
os.environ.setdefault("ARCHBENCH_THREADS", str(THREADS))  # the harness and the hand code use the same threads


def load_fraud(rows: int) -> Path:
    spec = importlib.util.spec_from_file_location("fraud_generate", ROOT / "datasets/fraud/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = Path(tempfile.mkdtemp()) / "transactions.parquet"
    module.generate(rows, seed=7).write_parquet(path)
    return path


class HandEncoder:
    """What one writes by hand: category → integer code from the train split, numbers as float32."""

    def __init__(self, train: pl.DataFrame, numeric: list[str], categorical: list[str]) -> None:
        self.numeric, self.categorical = numeric, categorical
        self.vocab = {
            c: {v: i + 1 for i, v in enumerate(train[c].drop_nulls().unique().sort())} for c in categorical
        }

    def __call__(self, X: pl.DataFrame) -> np.ndarray:
        cols = [X[c].cast(pl.Float32).to_numpy() for c in self.numeric]
        cols += [
            X[c].replace_strict(self.vocab[c], default=0, return_dtype=pl.Float32).to_numpy()
            for c in self.categorical
        ]
        return np.column_stack(cols).astype(np.float32, copy=False)


def batches(X: pl.DataFrame, size: int = 1024) -> list[pl.DataFrame]:
    return [X.slice(i, size) for i in range(0, X.height - size + 1, size)]


def hand_throughput(predict, X: pl.DataFrame, min_seconds: float = 1.0) -> float:
    parts = batches(X)
    predict(parts[0])  # warm
    rows, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_seconds:
        for part in parts:
            predict(part)
            rows += part.height
    return rows / (time.perf_counter() - t0)


def by_hand(splits, task, name: str) -> tuple[float, float]:
    """Returns (fit seconds, batch-predict rows/s)."""
    train, dev, test = splits.train, splits.dev, splits.test
    numeric, categorical = list(task.numeric_columns), list(task.categorical_columns)
    t0 = time.perf_counter()
    enc = HandEncoder(train.X, numeric, categorical)
    Xtr, Xdev = enc(train.X), enc(dev.X)
    if name == "xgboost":
        import xgboost as xgb

        types = ["q"] * len(numeric) + ["c"] * len(categorical)
        dtr = xgb.DMatrix(Xtr, label=train.y, feature_types=types, enable_categorical=True, nthread=THREADS)
        ddev = xgb.DMatrix(Xdev, label=dev.y, feature_types=types, enable_categorical=True, nthread=THREADS)
        params = {
            "tree_method": "hist", "eta": 0.1, "max_depth": 6, "min_child_weight": 1.0, "subsample": 0.8,
            "colsample_bytree": 0.8, "seed": 0, "nthread": THREADS, "max_cat_to_onehot": 1,
            "objective": "binary:logistic", "eval_metric": "logloss",
        }  # fmt: skip
        booster = xgb.train(
            params, dtr, 300, evals=[(ddev, "dev")], early_stopping_rounds=30, verbose_eval=False
        )
        booster = booster[: booster.best_iteration + 1]
        fit_s = time.perf_counter() - t0
        rate = hand_throughput(lambda b: booster.inplace_predict(enc(b)), test.X)
    else:
        import lightgbm as lgb

        cat_idx = list(range(len(numeric), len(numeric) + len(categorical)))
        dtr = lgb.Dataset(Xtr, label=train.y, categorical_feature=cat_idx)
        ddev = dtr.create_valid(Xdev, label=dev.y)
        params = {
            "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 20, "feature_fraction": 0.8,
            "seed": 0, "deterministic": True, "force_row_wise": True, "num_threads": THREADS,
            "verbosity": -1, "objective": "binary", "metric": "binary_logloss",
        }  # fmt: skip
        booster = lgb.train(
            params, dtr, 300, valid_sets=[ddev], callbacks=[lgb.early_stopping(30, verbose=False)]
        )
        fit_s = time.perf_counter() - t0
        rate = hand_throughput(lambda b: booster.predict(enc(b), num_threads=THREADS), test.X)
    return fit_s, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()

    from harness import data, load_spec
    from harness.runner import RunOptions, run

    data_path = load_fraud(args.rows)
    spec = load_spec(ROOT / "datasets/fraud/decision.toml")
    spec.candidates.include = ["xgboost", "lightgbm"]
    prepared = data.prepare(spec, data_path)
    splits = data.make_splits(prepared.df, prepared.task, spec)
    n_test = len(splits.test)
    names = ["xgboost", "lightgbm"]
    hand: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    harness: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    wall: list[float] = []
    for rep in range(args.repeats):
        for name in names:
            fit_s, rate = by_hand(splits, prepared.task, name)
            hand[name].append((fit_s, n_test / rate))
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as runs:
            result = run(spec, options=RunOptions(data_path=data_path, runs_dir=Path(runs), write_adr=False))
        wall.append(time.perf_counter() - t0)
        for m in result.measurements:
            harness[m.candidate].append((m.train_time_s, n_test / m.throughput_rows_per_s))
        print(f"repeat {rep + 1}/{args.repeats} done", file=sys.stderr)

    print(f"fit + batch predict of {n_test:,} test rows; {THREADS} threads; medians of {args.repeats} runs")
    print(f"{'candidate':<10} {'part':<8} {'by hand s':>10} {'harness s':>10} {'ratio':>7}")
    total_hand = total_harness = 0.0
    for name in names:
        for i, part in enumerate(("fit", "predict")):
            h = statistics.median(x[i] for x in hand[name])
            r = statistics.median(x[i] for x in harness[name])
            total_hand, total_harness = total_hand + h, total_harness + r
            print(f"{name:<10} {part:<8} {h:>10.3f} {r:>10.3f} {r / h:>7.3f}")
    ratio = total_harness / total_hand
    print(f"{'all':<19} {total_hand:>10.3f} {total_harness:>10.3f} {ratio:>7.3f}  (target ≤ 1.05)")
    print(
        f"whole `harness run` (audit, splits, latency and throughput measurement, bootstrap CIs, record): "
        f"median {statistics.median(wall):.1f} s"
    )


if __name__ == "__main__":
    main()
