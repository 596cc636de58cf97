"""Mutation check: do the tests fail when the important logic is wrong?

Each mutation below is one small, deliberate bug — a file, an exact snippet of its current text, the snippet
that replaces it, and the tests that should catch it. The repository is copied once to a temporary folder
(the working tree as it is now: tracked files and untracked files git does not ignore; never `.venv`, `.git`
or generated data), and each mutation is applied there, alone, then reverted; `/work/main` itself is never
modified. For every mutation the tests run as
`python -m pytest -x -q -p no:cacheprovider <tests>` in the copy and the mutation is reported as

* KILLED   — the tests failed with the bug in place (good);
* SURVIVED — the tests passed with the bug in place: a test is missing or too weak;
* STALE    — the old snippet is not in the file (any more) or is ambiguous: update the mutation;
* BROKEN   — the tests already fail *without* the mutation, so the result would mean nothing;
* TIMEOUT  — the tests ran past `--timeout` (counted as killed: the bug made them hang).

Not part of CI and not collected by pytest. Keep the list growing as logic is added: one mutation per rule a
decision rests on (statistics, gates, ranking, splits, the audit, the ADR store).

    .venv/bin/python benchmarks/mutation_check.py              # every mutation
    .venv/bin/python benchmarks/mutation_check.py --list       # names, files and tests, nothing run
    .venv/bin/python benchmarks/mutation_check.py --only latency-p99-as-p95 --only ci-level-80
    .venv/bin/python benchmarks/mutation_check.py --only group-split-ignores-groups \\
        --tests "tests/data/test_split.py::test_no_group_in_two_splits_checked_against_the_source_rows"

Exit status: 0 when every mutation run was killed, 1 when any survived, 2 when any is stale or broken.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to the repository root
    old: str  # exact text, must occur exactly once in the file
    new: str
    tests: tuple[str, ...]  # pytest paths or node ids, relative to the repository root
    why: str  # the bug, in words


# The deterministic (hand-built) latency decision tests; the timed ones in the same file are left out so that
# a noisy host cannot turn a mutation's result into BROKEN.
_LATENCY_DECISION_TESTS = tuple(
    f"tests/test_latency_noise.py::{name}"
    for name in (
        "test_a_material_latency_difference_inside_the_noise_does_not_break_a_tie",
        "test_a_latency_difference_outside_the_noise_but_immaterial_does_not_break_a_tie",
        "test_a_material_latency_difference_outside_the_noise_breaks_a_tie",
        "test_budget_inside_the_ci_above_the_estimate_is_at_risk_not_rejected",
        "test_budget_below_the_ci_is_a_violation_and_above_it_neither",
        "test_unmeasured_latency_under_a_budget_is_a_violation",
    )
)

MUTATIONS: list[Mutation] = [
    # ---- statistics: harness/measure -----------------------------------------------------------------------
    Mutation(
        "ci-level-80",
        "harness/measure/quality.py",
        "CI_LEVEL = 0.95",
        "CI_LEVEL = 0.80",
        ("tests/measure/test_quality.py",),
        "the bootstrap interval is 80% while every label says 95% CI",
    ),
    Mutation(
        "ci-tail-80-in-score",
        "harness/measure/quality.py",
        "    tail = (1 - CI_LEVEL) / 2 * 100\n    for name in names:",
        "    tail = (1 - 0.80) / 2 * 100\n    for name in names:",
        ("tests/measure/test_quality.py",),
        "score() cuts 10% tails (an 80% interval) although CI_LEVEL is still 0.95",
    ),
    Mutation(
        "resamples-depend-on-predictions",
        "harness/measure/quality.py",
        "for counts in bootstrap_counts(s.n, n_boot, seed):",
        "for counts in bootstrap_counts(\n"
        "            s.n, n_boot, seed + int(np.asarray(s.labels if s.labels is not None else s.values).sum()"
        " * 1000) % 997\n        ):",
        ("tests/measure/test_quality.py", "tests/measure/test_paired_candidates.py"),
        "each candidate's resamples are seeded by its own predictions: no longer shared, no longer paired",
    ),
    Mutation(
        "resamples-seeded-by-name-in-measure",
        "harness/measure/measurement.py",
        "metric=metric, spec=spec, seed=seed, n_boot=n_boot, threshold=threshold)",
        "metric=metric, spec=spec, seed=seed + len(candidate.name), n_boot=n_boot, threshold=threshold)",
        ("tests/measure/test_paired_candidates.py",),
        "measure_candidate offsets the bootstrap seed by the candidate's name",
    ),
    Mutation(
        "resamples-seeded-by-name-in-fitting",
        "harness/fitting.py",
        '            seed=seed,\n            on_progress=trial.progress("measure"),',
        '            seed=seed + len(trial.name),\n            on_progress=trial.progress("measure"),',
        ("tests/measure/test_paired_candidates.py",),
        "the trial offsets each candidate's measurement seed by its name",
    ),
    Mutation(
        "latency-p99-as-p95",
        "harness/measure/latency.py",
        "p99_ms=p99,",
        "p99_ms=p95,",
        ("tests/measure/test_latency_planted.py", "tests/measure/test_latency_cost.py"),
        "the reported p99 is the p95",
    ),
    Mutation(
        "latency-p95-at-90th-percentile",
        "harness/measure/latency.py",
        "np.percentile(pooled, [50, 95, 99])",
        "np.percentile(pooled, [50, 90, 99])",
        ("tests/measure/test_latency_planted.py", "tests/measure/test_latency_cost.py"),
        "the reported p95 is the 90th percentile",
    ),
    Mutation(
        "oos-recall-precision-swapped",
        "harness/measure/oos.py",
        '"oos_recall": _ratio_metric(_oos_recall, "out-of-scope rows"),\n'
        '    "oos_precision": _ratio_metric(_oos_precision,',
        '"oos_recall": _ratio_metric(_oos_precision, "out-of-scope rows"),\n'
        '    "oos_precision": _ratio_metric(_oos_recall,',
        ("tests/text/test_text_oos.py",),
        "OOS recall and OOS precision swapped",
    ),
    Mutation(
        "oos-ci-level-80",
        "harness/measure/quality.py",
        "tail = (1 - CI_LEVEL) / 2 * 100",
        "tail = (1 - 0.80) / 2 * 100",
        ("tests/text/test_text_oos.py",),
        "the OOS intervals are 80% while labelled 95%",
    ),
    # ---- splits: harness/data/split.py ---------------------------------------------------------------------
    Mutation(
        "group-split-ignores-groups",
        "harness/data/split.py",
        "keep, held = next(splitter.split(idx, y[idx], groups[idx]))",
        "keep, held = next(splitter.split(idx, y[idx], idx))",
        ("tests/data/test_split.py",),
        "the stratified group split treats every row as its own group: customers leak across splits",
    ),
    Mutation(
        "group-split-shuffle-ignores-groups",
        "harness/data/split.py",
        "keep, held = next(splitter.split(idx, groups=groups[idx]))",
        "keep, held = next(splitter.split(idx, groups=idx))",
        ("tests/data/test_split.py",),
        "the GroupShuffleSplit path (regression, very many groups) ignores the groups",
    ),
    Mutation(
        "group-split-dev-from-all-rows",
        "harness/data/split.py",
        "train, dev = hold_out(rest, dev_fraction / (1 - test_fraction), 1)",
        "train, dev = hold_out(index, dev_fraction / (1 - test_fraction), 1)",
        ("tests/data/test_split.py",),
        "dev is drawn from all rows, test groups included",
    ),
    # ---- the audit: harness/audit --------------------------------------------------------------------------
    Mutation(
        "audit-leakage-never-found",
        "harness/audit/leakage.py",
        "        if score >= threshold:\n",
        "        if score > 1.0:\n",
        ("tests/audit/test_audit.py",),
        "a one-feature leak is never reported",
    ),
    Mutation(
        "audit-contamination-never-blocks",
        "harness/audit/contamination.py",
        "blocking = fraction >= options.contamination_blocking_fraction",
        "blocking = fraction > 1.0",
        ("tests/audit/test_audit.py",),
        "train/test contamination above the threshold only warns",
    ),
    Mutation(
        "audit-blocking-ignored",
        "harness/audit/findings.py",
        "    blocking = unacknowledged_blocking(findings, spec)\n    if not blocking:",
        "    blocking = []\n    if not blocking:",
        ("tests/audit/test_audit.py",),
        "unacknowledged blocking findings no longer stop the run",
    ),
    # ---- the ADR store: harness/adr/store.py -------------------------------------------------------------
    Mutation(
        "adr-half-written-kept",
        "harness/adr/store.py",
        'path.unlink()  # ours: created above with mode "x"',
        'pass  # ours: created above with mode "x"',
        ("tests/test_adr.py",),
        "a record whose write fails midway is left on disk, half written",
    ),
    Mutation(
        "adr-claim-kept",
        "harness/adr/store.py",
        "                claim.unlink()",
        "                pass",
        ("tests/test_adr.py",),
        "the .NNNN.claim file is never removed: every write burns a number",
    ),
    Mutation(
        "adr-number-reused",
        "harness/adr/store.py",
        'if any(_ADR_FILE.match(p.name) for p in folder.glob(f"{number:04d}-*.md")):',
        "if False:",
        ("tests/test_adr.py",),
        "a number taken by another writer (different title) is reused",
    ),
    # ---- the TUI: a lower-is-better view -------------------------------------------------------------------
    Mutation(
        "pareto-ignores-lower-is-better",
        "tui/widgets/pareto.py",
        "q = a.quality >= b.quality if greater_is_better else a.quality <= b.quality",
        "q = a.quality >= b.quality",
        ("tests/tui/test_pareto.py",),
        "the Pareto front treats RMSE as higher-is-better",
    ),
    # ========================================================================================================
    # ---- DECISION MUTATIONS: harness/decide.py -------------------------------------------------------------
    # Snippets are against the paired-statistics rewrite of issue 8 (decide.py, measure/paired.py,
    # tuning.py). Whoever changes those files updates the mutations here: gates (incl. an unmeasured latency /
    # size / throughput passing its gate), ranking direction, `ci_beats`, the best-baseline reference (not the
    # worst), tie-break order, and one per statistical rule (paired differences, Holm, probability of being
    # best, latency noise, tuning from the defaults).
    Mutation(
        "decide-lower-is-better-ranked-as-higher",
        "harness/decide/select.py",
        "key=lambda m: (-m.metrics[metric].value if gib else m.metrics[metric].value, m.candidate)",
        "key=lambda m: (-m.metrics[metric].value, m.candidate)",
        ("tests/test_decide.py",),
        "a lower-is-better metric (RMSE, log loss) is ranked as if higher were better",
    ),
    # ---- paired comparisons and Holm: harness/decide.py, harness/measure/paired.py -------------------------
    Mutation(
        "decide-holm-not-applied",
        "harness/decide/compare.py",
        "        adjusted = holm(raw)",
        "        adjusted = dict(raw)",
        ("tests/test_decide_paired.py",),
        "p-values are not corrected for several comparisons: the Holm-adjusted p-value is the raw one",
    ),
    Mutation(
        "holm-not-monotone",
        "harness/measure/paired.py",
        "running = max(running, min(1.0, (m - i) * p))",
        "running = min(1.0, (m - i) * p)",
        ("tests/test_decide_paired.py",),
        "Holm's step-down is not made monotone: a larger raw p-value can get a smaller adjusted one",
    ),
    Mutation(
        "paired-sign-ignores-lower-is-better",
        "harness/measure/paired.py",
        "    sign = 1.0 if greater_is_better else -1.0\n    d = sign * (ra - rb)",
        "    sign = 1.0\n    d = sign * (ra - rb)",
        ("tests/test_decide_paired.py",),
        "the paired difference's sign is not flipped for RMSE: a model with lower error looks worse",
    ),
    Mutation(
        "decide-tied-uses-p-not-better",
        "harness/decide/compare.py",
        'raw[(winner, loser, "test")] = d.p_not_better if role == "baseline" else d.p_not_worse',
        'raw[(winner, loser, "test")] = d.p_not_better',
        ("tests/test_decide_paired.py",),
        '"tied with the leader" tests H0 "not better" instead of "not worse": every survivor is tied',
    ),
    Mutation(
        "decide-tie-without-equivalence",
        "harness/decide/compare.py",
        'same = role == "leader" and not sig and equivalent(d, self.margin)',
        'same = role == "leader" and not sig',
        ("tests/test_decide_paired.py",),
        "a merely inconclusive difference counts as a tie: a simpler model replaces the best-scoring one",
    ),
    Mutation(
        "decide-ci-beats-on-upper-ends",
        "harness/decide/compare.py",
        "    return a_low > b_high if greater_is_better else a_high < b_low",
        "    return a_high > b_high if greater_is_better else a_low < b_low",
        ("tests/test_decide.py", "tests/test_decide_paired.py"),
        "without resamples, 'beats the baseline' compares the CIs' upper ends, not their separation",
    ),
    Mutation(
        "decide-claim-tested-twice",
        "harness/decide/compare.py",
        'return (m.candidate, ref.candidate) if role == "baseline" else (ref.candidate, m.candidate)',
        'return (m.candidate, ref.candidate + role) if role == "baseline" else (ref.candidate, m.candidate)',
        ("tests/test_decide_paired.py",),
        "the leader-vs-baseline claim is tested twice with different Holm factors: one side may call it "
        "significant and the other not",
    ),
    Mutation(
        "decide-cv-evidence-ignored",
        "harness/decide/compare.py",
        "        sig = test_sig or (cv_sig and not contrary)",
        "        sig = test_sig",
        ("tests/test_decide_paired.py",),
        "the corrected resampled t-test across CV folds never counts: only the test rows decide",
    ),
    Mutation(
        "decide-contrary-evidence-ignored",
        "harness/decide/compare.py",
        "        sig = test_sig or (cv_sig and not contrary)",
        "        sig = test_sig or cv_sig",
        ("tests/test_decide_paired.py",),
        "a CV advantage carries the claim even when the test rows point the other way",
    ),
    Mutation(
        "cv-one-sided-direction-ignored",
        "harness/decide/compare.py",
        "    return half if toward else 1 - half",
        "    return half",
        ("tests/test_decide_paired.py",),
        "the one-sided CV p-value ignores the direction: a model worse on every fold counts as better",
    ),
    Mutation(
        "labelled-cap-ignores-dev",
        "harness/data/split.py",
        "    if n_dev < len(dev_idx):",
        "    if False:",
        ("tests/data/test_split.py",),
        "constraints.labelled_examples caps train only; dev keeps labelled rows beyond the cap",
    ),
    Mutation(
        "golden-rows-trained-on",
        "harness/data/split.py",
        "    test_idx = np.arange(n_rest, df.height)",
        "    test_idx = np.arange(n_rest - 50, df.height)",
        ("tests/test_protocol.py::test_golden_test_file_is_the_test_split_and_never_trained_on",),
        "the test split includes training rows besides the golden file",
    ),
    Mutation(
        "time-folds-score-the-past",
        "harness/protocol.py",
        "        return [(order[a], order[b]) for a, b in TimeSeriesSplit(n_splits=k).split(order)]",
        "        return [(order[b], order[a]) for a, b in TimeSeriesSplit(n_splits=k).split(order)]",
        ("tests/test_protocol.py::test_time_folds_always_score_the_future",),
        "time-ordered folds fit on the future and score the past",
    ),
    Mutation(
        "probability-best-counts-worst",
        "harness/measure/paired.py",
        "    best = scored.max(axis=0)",
        "    best = scored.min(axis=0)",
        ("tests/test_decide_paired.py",),
        "the probability of being best counts the resamples on which a candidate scores worst",
    ),
    Mutation(
        "corrected-ttest-without-correction",
        "harness/measure/paired.py",
        "t = mean / math.sqrt((1 / j + n_scored / n_fit) * var)",
        "t = mean / math.sqrt((1 / j) * var)",
        ("tests/test_decide_paired.py",),
        "the t-test across CV folds drops Nadeau & Bengio's n_scored/n_fit term (anti-conservative)",
    ),
    Mutation(
        "decide-worst-baseline-as-reference",
        "harness/decide/select.py",
        "best_baseline=baseline_pool[0] if baseline_pool else None,",
        "best_baseline=baseline_pool[-1] if baseline_pool else None,",
        ("tests/test_decide_paired.py",),
        "models are checked against the worst baseline instead of the best",
    ),
    # ---- latency gates and the latency tie-break: harness/decide.py ----------------------------------------
    Mutation(
        "latency-gate-on-point-estimate",
        "harness/gates.py",
        "        if lat.p99_low <= limit:  # the whole CI must exceed the budget",
        "        if lat.p99_ms <= limit:  # the whole CI must exceed the budget",
        _LATENCY_DECISION_TESTS,
        "the latency gate rejects on the p99 point estimate: a budget inside the CI is a rejection",
    ),
    Mutation(
        "latency-risk-never-reported",
        "harness/decide/select.py",
        "    risks = {m.candidate: gate_risks(m, spec) for m in finished}",
        "    risks = {m.candidate: [] for m in finished}",
        _LATENCY_DECISION_TESTS,
        'a budget inside the p99 CI is never reported "at risk"',
    ),
    Mutation(
        "latency-unmeasured-passes-gate",
        "harness/gates.py",
        '            return f"p99 latency not measured (budget {num(limit)} ms)"',
        "            return None",
        _LATENCY_DECISION_TESTS,
        "a candidate whose latency was not measured passes a latency budget",
    ),
    Mutation(
        "latency-tie-break-ignores-noise",
        "harness/decide/ties.py",
        "    return a.p99_ms >= MATERIAL_RATIO * b.p99_ms and a.p99_low > b.p99_high",
        "    return a.p99_ms >= MATERIAL_RATIO * b.p99_ms",
        _LATENCY_DECISION_TESTS,
        "latency breaks a tie on a material difference even when the CIs overlap (noise)",
    ),
    Mutation(
        "latency-tie-break-ignores-materiality",
        "harness/decide/ties.py",
        "    return a.p99_ms >= MATERIAL_RATIO * b.p99_ms and a.p99_low > b.p99_high",
        "    return a.p99_low > b.p99_high",
        _LATENCY_DECISION_TESTS,
        "latency breaks a tie on any separated difference, however small (10 vs 11 ms)",
    ),
    # ---- tuning: harness/tuning.py -------------------------------------------------------------------------
    Mutation(
        "tuning-trial-0-not-the-defaults",
        "harness/tuning.py",
        "    return trial.params",
        "    return {}",
        ("tests/test_tuning.py",),
        "the defaults read off the search space are empty: trial 0 is not the family's defaults",
    ),
    Mutation(
        "tuning-time-budget-ignored",
        "harness/tuning.py",
        "        if time.perf_counter() >= deadline:",
        "        if False:",
        ("tests/test_tuning.py",),
        "tuning_time_s is never checked: the search runs all its trials whatever the time",
    ),
    # ---- end of DECISION MUTATIONS -------------------------------------------------------------------------
    # ========================================================================================================
]

_IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "runs", "*.egg-info", "build", "dist"
)


def _copy_repository(destination: Path) -> None:
    """The working tree as it is now: tracked and untracked-but-not-ignored files (what git would commit),
    falling back to a plain copy minus the usual ignores when git is unavailable."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, destination, ignore=_IGNORED, dirs_exist_ok=True)
        return
    for raw in listed:
        if not raw:
            continue
        relative = Path(os.fsdecode(raw))
        source = ROOT / relative
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _check_imports_from_copy(python: str, copy: Path) -> None:
    """The venv has archbench installed in editable mode (pointing at the real checkout): make sure the copy's
    `harness` is the one imported, or every result would be about the unmutated code."""
    done = subprocess.run(
        [python, "-c", "import harness, tui; print(harness.__file__); print(tui.__file__)"],
        cwd=copy,
        env=_environment(copy),
        capture_output=True,
        text=True,
        check=False,
    )
    paths = done.stdout.split()
    if done.returncode != 0 or len(paths) != 2 or not all(Path(p).is_relative_to(copy) for p in paths):
        sys.exit(
            f"the copy's packages are not the ones imported ({done.stdout.strip()} {done.stderr.strip()})"
        )


def _run_tests(python: str, copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float, str]:
    """('passed' | 'failed' | 'timeout', seconds, last lines of output)."""
    command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=copy,
            env=_environment(copy),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - started, ""
    output = (done.stdout + done.stderr).strip().splitlines()
    tail = "\n".join(output[-3:])
    # 5 = no tests collected: a test path that does not exist must not count as a kill
    status = "passed" if done.returncode == 0 else "nothing" if done.returncode == 5 else "failed"
    return status, time.perf_counter() - started, tail


def _occurrences(copy: Path, m: Mutation) -> int:
    path = copy / m.file
    return path.read_text(encoding="utf-8").count(m.old) if path.is_file() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this mutation")
    parser.add_argument(
        "--tests", nargs="+", metavar="TEST", help="run these tests instead of each mutation's own"
    )
    parser.add_argument(
        "--deselect", action="append", default=[], metavar="NODE", help="pytest --deselect (repeatable)"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter with archbench's dependencies")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per pytest run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of each test set")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's last lines per mutation")
    args = parser.parse_args(argv)

    names = [m.name for m in MUTATIONS]
    assert len(set(names)) == len(names), "mutation names must be unique"
    unknown = [n for n in args.only if n not in names]
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(unknown)}; see --list")
    selected = [m for m in MUTATIONS if not args.only or m.name in args.only]

    if args.list:
        for m in selected:
            print(f"{m.name:40} {m.file:32} {' '.join(m.tests)}\n{'':40} {m.why}")
        return 0

    results: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="archbench-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        copy.mkdir()
        _copy_repository(copy)
        _check_imports_from_copy(args.python, copy)
        print(f"copy of {ROOT} in {copy}; {len(selected)} mutation(s)\n", flush=True)
        baseline: dict[tuple[str, ...], tuple[str, str]] = {}
        for m in selected:
            tests = (tuple(args.tests) if args.tests else m.tests) + tuple(
                f"--deselect={node}" for node in args.deselect
            )
            found = _occurrences(copy, m)
            if found != 1:
                verdict = "STALE"
                detail = "old snippet not found" if found == 0 else f"old snippet found {found} times"
                print(f"{verdict:9} {m.name:40} {m.file}: {detail}", flush=True)
                results[verdict] = results.get(verdict, 0) + 1
                continue
            if not args.no_baseline and tests not in baseline:
                status, _, tail = _run_tests(args.python, copy, tests, args.timeout)
                baseline[tests] = (status, tail)
            if not args.no_baseline and baseline[tests][0] != "passed":
                verdict, detail = "BROKEN", f"tests fail without the mutation: {baseline[tests][1]}"
            else:
                path = copy / m.file
                original = path.read_text(encoding="utf-8")
                path.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
                try:
                    status, seconds, tail = _run_tests(args.python, copy, tests, args.timeout)
                finally:
                    path.write_text(original, encoding="utf-8")
                verdict = {"failed": "KILLED", "passed": "SURVIVED", "timeout": "TIMEOUT"}.get(
                    status, "BROKEN"
                )
                detail = f"{seconds:5.1f} s  {m.why}"
                if status == "nothing":
                    detail = f"no tests collected from {' '.join(tests)}"
                if args.verbose and tail:
                    detail += "\n" + "\n".join(f"{'':51}{line}" for line in tail.splitlines())
            print(f"{verdict:9} {m.name:40} {detail}", flush=True)
            results[verdict] = results.get(verdict, 0) + 1

    killed = results.get("KILLED", 0) + results.get("TIMEOUT", 0)
    ran = killed + results.get("SURVIVED", 0)
    summary = ", ".join(f"{k.lower()} {v}" for k, v in sorted(results.items()))
    print(f"\n{killed} of {ran} mutations killed ({summary})")
    if results.get("STALE") or results.get("BROKEN"):
        return 2
    return 0 if killed == ran else 1


if __name__ == "__main__":
    sys.exit(main())
