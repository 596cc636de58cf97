"""Where trials run: the tuned fraud decision with every trial in this process (`--executor inline`) vs in a
worker process bounded from outside (`--executor local`, the default), interleaved (inline, local, inline, …)
so machine noise hits both; prints the wall time of each run, the ratio local / inline of the medians, and
whether the decisions and every candidate's score are identical.

The local executor buys isolation (a hang, a crash or a memory blow-up costs one trial, not the run) and the
trial log (resume after Ctrl-C); this measures what it costs. Ray is not measured here (not built yet).

    .venv/bin/python benchmarks/bench_executor.py [--repeats 2] [--spec datasets/fraud/decision.toml]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(spec_path: Path, executor: str) -> tuple[float, str | None, dict[str, float]]:
    from harness.runner import RunOptions, run
    from harness.spec import load_spec

    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(runs_dir=Path(tmp) / "runs", adr_dir=Path(tmp) / "adr", executor=executor)
        t0 = time.perf_counter()
        result = run(load_spec(spec_path), options=options)
        seconds = time.perf_counter() - t0
    metric = result.decision.metric if result.decision else ""
    scores = {m.candidate: round(m.metrics[metric].value, 6) for m in result.measurements if m.ok}
    return seconds, result.decision.recommended if result.decision else None, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--spec", type=Path, default=ROOT / "datasets" / "fraud" / "decision.toml")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"inline": [], "local": []}
    outcomes: dict[str, list[tuple[str | None, dict[str, float]]]] = {"inline": [], "local": []}
    for i in range(args.repeats):
        for executor in ("inline", "local") if i % 2 == 0 else ("local", "inline"):
            seconds, chosen, scores = one(args.spec, executor)
            times[executor].append(seconds)
            outcomes[executor].append((chosen, scores))
            print(f"run {i + 1} {executor:>6}: {seconds:7.1f} s, recommended {chosen}", flush=True)
    inline, local = statistics.median(times["inline"]), statistics.median(times["local"])
    runs = outcomes["inline"] + outcomes["local"]
    same_choice = all(chosen == runs[0][0] for chosen, _ in runs)
    spread = {
        name: max(scores.get(name, float("nan")) for _, scores in runs)
        - min(scores.get(name, float("nan")) for _, scores in runs)
        for name in runs[0][1]
    }
    print(
        f"median wall time: inline {inline:.1f} s, local {local:.1f} s, "
        f"ratio local/inline {local / inline:.3f}"
    )
    print(f"the same recommendation in every run: {same_choice}")
    # a time-bounded tuning search (tuning_time_s) completes a varying number of trials, inline or not
    print("score spread across runs (max − min): " + ", ".join(f"{n} {d:.4f}" for n, d in spread.items()))


if __name__ == "__main__":
    main()
