"""Benchmark: peak memory and wall time of auditing a 10M-row × 20-column Parquet file (larger than we load).

The file is generated in chunks (never whole in memory) into a temporary folder, audited in a subprocess with
`harness.audit.audit_parquet` (lazy scan + streaming aggregations + a sample), and deleted afterwards. Peak
RSS is the child's `ru_maxrss`. Planted: a leaky column and ~1% exact duplicate rows, which the audit must
report.

Run: `.venv/bin/python benchmarks/bench_audit_memory.py [--rows 10000000] [--chunk-rows 1000000]`
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
N_NUMERIC = 12
CATEGORIES = {"country": 20, "channel": 3, "merchant": 12, "card": 4}


def _chunk(rng: np.random.Generator, start: int, rows: int) -> pa.Table:
    """`rows` rows: id, 12 numbers, 4 categories, a timestamp, a leaky flag, the label (20 columns)."""
    label = (rng.random(rows) < 0.03).astype(np.int8)
    columns: dict[str, np.ndarray] = {"row_id": np.arange(start, start + rows, dtype=np.int64)}
    for i in range(N_NUMERIC):
        columns[f"x{i}"] = rng.normal(size=rows) + (0.3 * label if i < 3 else 0.0)
    for name, k in CATEGORIES.items():
        columns[name] = np.asarray([f"{name}_{j}" for j in range(k)])[rng.integers(0, k, rows)]
    micros = np.int64(1_700_000_000_000_000) + rng.integers(0, 10**13, rows)
    columns["event_time"] = micros.astype("datetime64[us]")
    columns["leaky_flag"] = np.where(rng.random(rows) < 0.005, 1 - label, label).astype(np.int8)
    columns["label"] = label
    dup = rng.random(rows) < 0.01  # ~1% exact copies of another row of the chunk
    source = rng.integers(0, rows, int(dup.sum()))
    for name in columns:
        columns[name][dup] = columns[name][source]
    return pa.table(columns)


def write_file(path: Path, rows: int, chunk_rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, rows, chunk_rows):
            table = _chunk(rng, start, min(chunk_rows, rows - start))
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=256_000)
    finally:
        if writer is not None:
            writer.close()


CHILD = """
import json, sys, time
from harness.audit import audit_parquet
from harness.spec import spec_from_dict
spec = spec_from_dict({"title": "memory benchmark", "data": {"path": sys.argv[1], "target": "label",
                       "id_column": "row_id", "time_column": "event_time"}})
t0 = time.perf_counter()
findings = audit_parquet(sys.argv[1], spec)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "findings": [[f.code, f.severity, f.title] for f in findings]}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="archbench-audit-mem-", dir="/tmp"))
    path = folder / "table.parquet"
    try:
        t0 = time.perf_counter()
        write_file(path, args.rows, args.chunk_rows, args.seed)
        size_mb = path.stat().st_size / 1e6
        seconds = time.perf_counter() - t0
        print(f"wrote {args.rows:,} rows × 20 columns ({size_mb:,.0f} MB) in {seconds:.1f} s")
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - t0
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        result = json.loads(done.stdout.strip().splitlines()[-1])
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
        inside = result["seconds"]
        print(f"audit: {inside:.1f} s inside, {wall:.1f} s with start-up; peak RSS {peak_mib:,.0f} MiB")
        for code, severity, title in result["findings"]:
            print(f"  {severity:8} {code:28} {title}")
        print("within 2 GiB" if peak_mib <= 2048 else "OVER 2 GiB")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
