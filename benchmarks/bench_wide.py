"""Benchmark: a wide table (300 rows × 2,000 columns by default): how audit and run scale with columns.

Writes a seeded table (mostly numbers, a few low-cardinality categories and small counts, a row id, a binary
target carried weakly by a handful of columns) and a decision.toml with a small tuning budget into a temporary
folder, then times, `--repeats` times each, interleaved:

- `harness audit SPEC` as a subprocess (wall time, what a user waits for, interpreter start included), and
- `harness.runner.run` in a subprocess, with the seconds of each step (data, audit, candidates, timing,
  evidence, …) from its StepFinished events, and the total.

Prints every run and the medians. `--profile DIR` also writes cProfile files of one audit and one run there
(`python -m pstats DIR/audit.prof`). `--keep DIR` writes the table and spec to DIR and keeps them.

    .venv/bin/python benchmarks/bench_wide.py [--rows 300] [--columns 2000] [--repeats 2] [--profile /tmp]

Measured on the 2-core development machine, busy with other sessions' work (load 2–6), medians of 2, with
`--repeats 2` (tuning_trials 4, tuning_time_s 10, evidence budget 15 s, 7 tabular candidates):

                         `harness audit`   run: audit   candidates   timing   evidence   total
    before                    64.4 s          51.8 s       227.4 s    42.7 s     48.9 s    376.5 s
    after                      9.6 s           5.9 s       110.2 s    46.2 s     15.2 s    178.5 s

Before, the audit hashed all other columns once per column (near-duplicate rows, twice: table and splits) and
the leak check permuted every one of the 2,000 features three times (6,000 predictions); the single-feature
rule scored each column with sklearn's validating metrics in every tuning trial and fold.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
N_CATEGORICAL = 6
N_COUNTS = 4
N_SIGNAL = 10  # numeric columns shifted with the label (weakly: none is a leak)

SPEC = """title = "Wide table benchmark ({rows} rows x {columns} columns)"
decision_makers = ["benchmarks/bench_wide.py"]
task = "binary"
metric = "roc_auc"
seed = 0

[data]
path = "wide.parquet"
target = "label"
id_column = "row_id"

[candidates]
time_budget_s = 120
tuning_trials = 4
tuning_time_s = 10

[evidence]
time_budget_s = 15
"""


def make_table(rows: int, columns: int, seed: int) -> pl.DataFrame:
    """`columns` columns besides the id and the label: numbers, N_COUNTS small counts, N_CATEGORICAL
    low-cardinality strings; N_SIGNAL numbers shifted by 0.6 σ with the label."""
    rng = np.random.default_rng(seed)
    label = (rng.random(rows) < 0.3).astype(np.int8)
    n_numeric = columns - N_CATEGORICAL - N_COUNTS
    numbers = rng.normal(size=(rows, n_numeric))
    numbers[:, :N_SIGNAL] += 0.6 * label[:, None]
    numbers[rng.random(numbers.shape) < 0.01] = np.nan  # a little missingness everywhere
    data: dict[str, object] = {"row_id": np.arange(rows, dtype=np.int64)}
    data |= {f"x{i:04d}": numbers[:, i] for i in range(n_numeric)}
    data |= {f"count{i}": rng.poisson(2 + i, rows).astype(np.int64) for i in range(N_COUNTS)}
    for i in range(N_CATEGORICAL):
        levels = np.asarray([f"c{i}_{k}" for k in range(3 + 2 * i)])
        data[f"cat{i}"] = levels[rng.integers(0, len(levels), rows)]
    data["label"] = label
    return pl.DataFrame(data)


def write(folder: Path, rows: int, columns: int, seed: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    make_table(rows, columns, seed).write_parquet(folder / "wide.parquet")
    spec = folder / "decision.toml"
    spec.write_text(SPEC.format(rows=rows, columns=columns))
    return spec


_RUN_CHILD = """
import json, sys, time
from pathlib import Path
from harness.runner import RunOptions, run
from harness.spec import load_spec
from harness import events as ev

if __name__ == "__main__":  # the local executor's workers are spawned: they import this file again
    steps = {}
    def sink(e):
        if isinstance(e, ev.StepFinished):
            steps[e.step] = steps.get(e.step, 0.0) + e.seconds
    out = Path(sys.argv[2])
    t0 = time.perf_counter()
    options = RunOptions(runs_dir=out / "runs", write_adr=False)
    result = run(load_spec(sys.argv[1]), options=options, on_event=sink)
    steps["total"] = time.perf_counter() - t0
    steps["recommended"] = result.decision.recommended if result.decision else None
    print("RESULT " + json.dumps(steps))
"""


def time_audit(spec: Path, profile: Path | None) -> float:
    prefix = ["-m", "cProfile", "-o", str(profile / "audit.prof")] if profile else []
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *prefix, "-m", "harness", "audit", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):  # 1: blocked, which is a finding, not a failure
        sys.exit(f"harness audit failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def time_run(spec: Path, out: Path, profile: Path | None) -> dict[str, float]:
    prefix = ["-m", "cProfile", "-o", str(profile / "run.prof")] if profile else []
    script = out / "child.py"
    script.write_text(_RUN_CHILD)
    done = subprocess.run(
        [sys.executable, *prefix, str(script), str(spec), str(out)], cwd=ROOT, capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"harness run failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--columns", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--audit-only", action="store_true", help="time `harness audit` only")
    parser.add_argument("--profile", type=Path, help="write audit.prof and run.prof (one extra run each)")
    parser.add_argument("--keep", type=Path, help="write the table and spec here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "data"
        spec = write(folder, args.rows, args.columns, args.seed)
        print(f"{args.rows} rows × {args.columns} columns (+ id, label) → {spec}", flush=True)
        audits: list[float] = []
        runs: list[dict[str, float]] = []
        for i in range(args.repeats):
            audits.append(time_audit(spec, None))
            print(f"audit {i + 1}: {audits[-1]:.1f} s", flush=True)
            if not args.audit_only:
                runs.append(time_run(spec, Path(tmp), None))
                shown = ", ".join(f"{k} {v:.1f}" for k, v in runs[-1].items() if isinstance(v, float))
                print(f"run {i + 1}: {shown} s; recommended {runs[-1]['recommended']}", flush=True)
        print(f"median `harness audit`: {statistics.median(audits):.1f} s")
        if runs:
            steps = [k for k, v in runs[0].items() if isinstance(v, float)]
            medians = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in steps}
            print("median run steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in medians.items()))
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            time_audit(spec, args.profile)
            if not args.audit_only:
                time_run(spec, Path(tmp), args.profile)
            print(f"profiles: {args.profile}/audit.prof" + ("" if args.audit_only else ", run.prof"))


if __name__ == "__main__":
    main()
