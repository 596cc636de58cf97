"""Where trials run: the tuned fraud decision with every trial in this process (`inline`), in one worker
process bounded from outside (`local`, the default here), in two worker processes side by side (`local×2`,
`--workers 2`) and as Ray tasks on a local two-CPU Ray instance (`ray×2`). The arms are interleaved, their
order rotated each repeat, so machine noise hits all of them; the script prints the wall time of every run,
each arm's median and its speedup over inline, and whether the decisions and every candidate's score are
identical.

Identical scores need identical tuning: the fraud spec's search is time-bounded (`tuning_time_s`), so a
slower or busier arm completes fewer tuning trials and may pick another configuration. `--trials N` bounds the
search by trial count only (the time bound lifted), which makes every arm run the same trials; then the scores
must match to the last digit. (Timing is not compared across arms: it is measured once nothing trains.)

    .venv/bin/python benchmarks/bench_executor.py [--repeats 2] [--trials 20] [--arms inline,local,local2,ray]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARMS = {"inline": ("inline", None), "local": ("local", 1), "local2": ("local", 2), "ray": ("ray", None)}


def one(spec_path: Path, arm: str, trials: int | None) -> tuple[float, str | None, dict[str, float]]:
    from harness.runner import RunOptions, run
    from harness.spec import load_spec

    spec = load_spec(spec_path)
    if trials is not None:
        spec.candidates.tuning_trials = trials
        spec.candidates.tuning_time_s = 86_400.0
    executor, workers = ARMS[arm]
    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(
            runs_dir=Path(tmp) / "runs", adr_dir=Path(tmp) / "adr", executor=executor, workers=workers
        )
        t0 = time.perf_counter()
        if arm == "ray":  # a fresh two-CPU Ray on loopback; its start-up is part of the arm's time
            import ray

            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            result = run(spec, options=options)
        finally:
            if arm == "ray":
                ray.shutdown()
        seconds = time.perf_counter() - t0
    metric = result.decision.metric if result.decision else ""
    scores = {m.candidate: round(m.metrics[metric].value, 6) for m in result.measurements if m.ok}
    return seconds, result.decision.recommended if result.decision else None, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--trials", type=int, default=None, help="tuning bounded by trial count only")
    parser.add_argument("--arms", default="inline,local,local2,ray")
    parser.add_argument("--spec", type=Path, default=ROOT / "datasets" / "fraud" / "decision.toml")
    args = parser.parse_args()
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    times: dict[str, list[float]] = {a: [] for a in arms}
    outcomes: dict[str, list[tuple[str | None, dict[str, float]]]] = {a: [] for a in arms}
    for i in range(args.repeats):
        for arm in arms[i % len(arms) :] + arms[: i % len(arms)]:
            seconds, chosen, scores = one(args.spec, arm, args.trials)
            times[arm].append(seconds)
            outcomes[arm].append((chosen, scores))
            print(f"run {i + 1} {arm:>7}: {seconds:7.1f} s, recommended {chosen}", flush=True)
    base = statistics.median(times[arms[0]])
    for arm in arms:
        median = statistics.median(times[arm])
        print(f"{arm:>7}: median {median:7.1f} s, speedup over {arms[0]} {base / median:.2f}×")
    runs = [o for arm in arms for o in outcomes[arm]]
    print(f"the same recommendation in every run: {all(chosen == runs[0][0] for chosen, _ in runs)}")
    names = sorted({n for _, scores in runs for n in scores})
    spread = {
        n: max(s.get(n, float("nan")) for _, s in runs) - min(s.get(n, float("nan")) for _, s in runs)
        for n in names
    }
    print(f"identical scores in every run: {all(d == 0 for d in spread.values())}")
    print("score spread across runs (max − min): " + ", ".join(f"{n} {d:.4f}" for n, d in spread.items()))


if __name__ == "__main__":
    main()
