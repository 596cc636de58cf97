"""ADR sections that show how the decision was tested: the protocol, paired comparisons, tuning, latency.

Each function takes the run record (and its decision) and returns Markdown lines; nothing here decides.
"""

from __future__ import annotations

from typing import Any

from harness.measure.catalog import METRICS
from harness.record import RunRecord
from harness.results import Decision, Measurement

_DASH = "—"


def _num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return _DASH
    return f"{x:.{digits}f}" if abs(x) < 10 else f"{x:,.2f}"


def _signed(x: float | None) -> str:
    if x is None:
        return _DASH
    return f"{x:+.3f}" if abs(x) < 10 else f"{x:+,.2f}"


def _p(p: float | None) -> str:
    if p is None:
        return _DASH
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _ms(x: float | None) -> str:
    if x is None:
        return _DASH
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:,.0f}"


def protocol_lines(record: RunRecord) -> list[str]:
    """The evaluation protocol as fixed before training."""
    protocol = record.protocol or {}
    lines = [f"* {line[0].upper()}{line[1:]}" for line in protocol.get("lines", [])]
    if not protocol.get("folds_used", True):
        lines.append("* Text and QA families were fitted once on train (early stopping on dev), not tuned")
    lines = lines or ["* Not recorded (a run from before archbench fixed its protocol)"]
    return lines + plan_lines(record)


def plan_lines(record: RunRecord) -> list[str]:
    """The Benchmark Methodology the run followed, and every deviation from it."""
    plan = record.plan
    if not plan:
        return [
            "* Planned: no benchmark methodology was written for this run (`harness plan SPEC` writes one)"
        ]
    when = str(plan.get("created_at", ""))[:10]
    by = ", by this run before training (none existed)" if plan.get("written_by_run") else " before this run"
    lines = [f"* Planned in [the benchmark methodology]({plan['path']}), written {when}{by}"]
    found = plan.get("deviations") or []
    if not found:
        return [*lines, "* Deviations from the plan: none"]
    return [*lines, f"* Deviations from the plan ({len(found)}):", *[f"  * {d}" for d in found]]


def comparison_lines(record: RunRecord, decision: Decision) -> list[str]:
    """Each survivor against the leader and against the best baseline: the paired difference with its CI, the
    Holm-adjusted p-value, the cross-validation test, and the probability of being best."""
    if not decision.comparisons:
        if decision.method == "CI overlap":
            return [
                "Candidates were compared by whether their 95% CIs overlap (no bootstrap resamples were "
                "recorded for a paired comparison)."
            ]
        return []
    info = METRICS[decision.metric]
    label = info.label.split(" (")[0]
    direction = "higher" if info.greater_is_better else "lower"
    p_best = {v.candidate: v.probability_best for v in decision.verdicts if v.probability_best is not None}
    lines = [
        f"Differences are candidate − reference in {label} ({direction} is better) on the same "
        f"{_n_resamples(record, decision)} bootstrap resamples of the test rows; p-values are one-sided "
        f"(against the baseline: H0 the model is not better; against the leader: H0 the candidate is not "
        'worse). "CV" is the mean difference over the tuning folds with the corrected resampled t-test '
        "(Nadeau & Bengio 2003), one-sided likewise. Both lines of evidence against one reference are "
        f"Holm-corrected together, at α = {decision.alpha:g}; a difference is significant when either test "
        "says so and the other does not point the other way.",
        "",
        "| Candidate | Against | Difference (95% CI) | Holm p | Significant | CV difference, p | P(best) |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    for c in sorted(decision.comparisons, key=lambda c: (c.role != "baseline", c.candidate)):
        low = c.better_low if info.greater_is_better else (None if c.better_high is None else -c.better_high)
        high = c.better_high if info.greater_is_better else (None if c.better_low is None else -c.better_low)
        ci = f"{_signed(c.diff)} [{_signed(low)}, {_signed(high)}]"
        cv = _DASH
        if c.fold_better is not None:
            diff = c.fold_better if info.greater_is_better else -c.fold_better
            p_cv = _p(c.fold_p_holm if c.fold_p_holm is not None else c.fold_p)
            cv = f"{_signed(diff)}, p {p_cv}" if p_cv.startswith("<") else f"{_signed(diff)}, p = {p_cv}"
        role = "best baseline" if c.role == "baseline" else "leader"
        best = p_best.get(c.candidate)
        lines.append(
            f"| {c.candidate} | {c.against} ({role}) | {ci} | {_p(c.p_holm)} | "
            f"{'yes' if c.significant else 'no'} | {cv} | {_DASH if best is None else f'{best:.0%}'} |"
        )
    leader = decision.leader
    if leader and leader in p_best:
        lines += ["", f"The leader, {leader}, scored best on {p_best[leader]:.0%} of the resamples."]
    return lines


def _n_resamples(record: RunRecord, decision: Decision) -> str:
    for m in record.measurements:
        v = m.metrics.get(decision.metric)
        if v is not None and v.resamples:
            return f"{len(v.resamples):,}"
    return "shared"


def tuning_lines(record: RunRecord, decision: Decision) -> list[str]:
    """Default vs tuned per family on the CV folds, the budget each got, and training caps that were hit."""
    info = METRICS[decision.metric]
    label = info.label.split(" (")[0]
    rows: list[str] = []
    notes: list[str] = []
    for m in record.measurements:
        tuning: dict[str, Any] | None = m.details.get("tuning") if m.ok else None
        if tuning:
            default = _mean(tuning["default_cv"])
            best = _mean(tuning["best_cv"])
            changed = {k: v for k, v in tuning["params"].items() if tuning["default_params"].get(k) != v}
            params = ", ".join(f"{k} = {_param(v)}" for k, v in changed.items()) or "the defaults"
            trials = f"{tuning['n_trials']}"
            if tuning.get("n_pruned"):
                trials += f" ({tuning['n_pruned']} pruned)"
            stop = {"trials": "trial limit", "time": "time limit", "not tuned": "no search space"}.get(
                tuning.get("stopped_by", ""), tuning.get("stopped_by", "")
            )
            rows.append(
                f"| {m.candidate} | {_num(default)} | {_num(best)} | {trials} | "
                f"{tuning.get('seconds', 0):.1f} s, {stop} | {params} |"
            )
            for edge in tuning.get("at_edge", []):
                notes.append(f"{m.candidate}: {edge}; a wider range might do better")
        notes += _cap_notes(m)
    if not rows:
        return notes and [f"* {n}" for n in notes]
    lines = [
        f"Mean {label} over the tuning folds (never the test split): trial 0 is each family's defaults, so "
        "the tuned configuration is never worse than the defaults there.",
        "",
        f"| Candidate | Defaults ({label}) | Tuned ({label}) | Trials | Budget used | Chosen configuration |",
        "|---|---:|---:|---:|---|---|",
        *rows,
    ]
    if notes:
        lines += ["", *[f"* {n}" for n in notes]]
    return lines


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _param(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _cap_notes(m: Measurement) -> list[str]:
    d = m.details
    out: list[str] = []
    refit = d.get("refit")  # its note (below) gives the rounds early stopping chose, scaled
    if d.get("hit_round_cap") and not refit:
        out.append(f"{m.candidate} stopped at its {d.get('round_cap')}-round cap, not by early stopping")
    elif "rounds_trained" in d and "round_cap" in d and not refit:
        out.append(
            f"{m.candidate}: early stopping chose {d.get('best_iteration', 0) + 1} rounds "
            f"(cap {d['round_cap']:,}, not reached)"
        )
    if d.get("hit_epoch_cap"):
        out.append(f"{m.candidate} stopped at its {d.get('epoch_cap')}-epoch cap, not by early stopping")
    elif "epochs_trained" in d and "epoch_cap" in d:
        out.append(
            f"{m.candidate}: early stopping kept epoch {d.get('best_epoch')} of {d['epochs_trained']} "
            f"(cap {d['epoch_cap']}, not reached)"
        )
    if d.get("refit"):
        fixed = ", ".join(
            f"{k} = {v}" for k, v in d["refit"]["fixed"].items() if k != "early_stopping_rounds"
        )
        out.append(
            f"{m.candidate} shipped refitted on train + dev ({d['refit']['rows']:,} rows"
            + (f"; {fixed}, as early stopping chose, scaled to the extra rows" if fixed else "")
            + ")"
        )
    if d.get("stopped_by_budget"):
        out.append(f"{m.candidate}: {d['stopped_by_budget']}")
    if d.get("search_edge"):
        out.append(f"{m.candidate}: {d['search_edge']}; a wider range might do better")
    return out


def latency_lines(record: RunRecord, decision: Decision) -> list[str]:
    """How latency was measured, each candidate's p99 with its CI, and anything that weakens the figures."""
    from harness.decide import host_warnings

    timed = [m for m in record.measurements if m.ok and m.latency is not None]
    if not timed:
        return []
    host = next((m.details.get("timed_on") for m in timed if m.details.get("timed_on")), None)
    rounds = timed[0].latency.rounds if timed[0].latency else 1
    where = ""
    if host:
        others = host.get("other_processes_cores")
        busy = f", other processes using {others:g} cores meanwhile" if others is not None else ""
        where = (
            f" on {host.get('cores', '?')} cores{busy}, after every candidate had finished training "
            "(no training in this run overlapped it)"
        )
    how = (
        f"in {rounds} interleaved rounds (each round times every candidate in turn)"
        if rounds > 1
        else "in one pass per candidate (a record from before interleaved rounds: no CI)"
    )
    lines = [
        f"Single-row latency was timed {how}{where}. The p99 CI is the spread of the per-round p99s "
        "(order statistics, ≥ 95%); a latency gate rejects only when the whole CI exceeds the budget, "
        "and latency breaks a tie only when the difference is at least 25% and the CIs do not overlap.",
        "",
        "| Candidate | p50 ms | p99 ms (95% CI) | calls |",
        "|---|---:|---:|---:|",
    ]
    for m in timed:
        lat = m.latency
        assert lat is not None
        ci = f" [{_ms(lat.p99_ci_ms[0])}, {_ms(lat.p99_ci_ms[1])}]" if lat.p99_ci_ms else ""
        lines.append(f"| {m.candidate} | {_ms(lat.p50_ms)} | {_ms(lat.p99_ms)}{ci} | {lat.n_calls:,} |")
    risks = [r for v in decision.verdicts for r in (f"{v.candidate}: {x}" for x in v.risks)]
    warnings = host_warnings(record.measurements)
    if risks or warnings:
        lines += ["", *[f"* {x}" for x in [*risks, *warnings]]]
    return lines


def seed_lines(record: RunRecord, decision: Decision) -> list[str]:
    """Selection repeated with other seeds: how often the recommendation was chosen."""
    runs = record.seed_runs
    if not runs:
        return []
    chosen = [r.get("recommended") for r in runs]
    k = sum(1 for c in chosen if c == decision.recommended)
    n = len(runs)
    others = sorted({c for c in chosen if c != decision.recommended and c})
    text = (
        f"{decision.recommended} was chosen in {k} of {n} seeds ({', '.join(str(r['seed']) for r in runs)})"
    )
    if others:
        text += "; the others chose " + ", ".join(f"{o} ({sum(1 for c in chosen if c == o)})" for o in others)
    return [f"* {text}"]


def golden_rolling_lines(record: RunRecord, decision: Decision) -> list[str]:
    """Beside a golden test file on time-ordered data: each candidate on the golden file and on the latest
    window of the data, and whether the two agree on the choice."""
    rows = [
        (m, m.details["rolling"])
        for m in record.measurements
        if m.ok and "value" in m.details.get("rolling", {}) and decision.metric in m.metrics
    ]
    if not rows:
        return []
    info = METRICS[decision.metric]
    label = info.label.split(" (")[0]
    n = rows[0][1]["rows"]
    lines = [
        f"The decision rests on the golden test file; the latest {n:,} rows of the data file by time (the "
        f"rolling window, also never trained or tuned on) were scored beside it ({label}, 95% CI):",
        "",
        "| Candidate | Golden file | Rolling window |",
        "|---|---|---|",
    ]
    for m, r in rows:
        golden = m.metrics[decision.metric]
        lines.append(
            f"| {m.candidate} | {_ci(golden.value, golden.ci_low, golden.ci_high)} | "
            f"{_ci(r['value'], r['low'], r['high'])} |"
        )
    best = max(rows, key=lambda mr: mr[1]["value"] if info.greater_is_better else -mr[1]["value"])
    chosen = next(((m, r) for m, r in rows if m.candidate == decision.recommended), None)
    lines.append("")
    if chosen is None:
        return lines
    if best[0].candidate == chosen[0].candidate:
        lines.append(f"They agree: {chosen[0].candidate} also scores best on the rolling window.")
    else:
        overlap = _overlap(best[1], chosen[1])
        lines.append(
            f"**They disagree**: {best[0].candidate} scores best on the rolling window "
            f"({_ci(best[1]['value'], best[1]['low'], best[1]['high'])}) while {chosen[0].candidate} is "
            f"chosen on the golden file ({_ci(chosen[1]['value'], chosen[1]['low'], chosen[1]['high'])} on "
            "the window)"
            + (
                "; the intervals overlap, so the window alone does not separate them."
                if overlap
                else "; the intervals do not overlap: check whether the golden file still "
                "represents today's traffic."
            )
        )
    return lines


def _ci(value: float, low: float | None, high: float | None) -> str:
    return f"{value:.3f}" if low is None or high is None else f"{value:.3f} [{low:.3f}, {high:.3f}]"


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if None in (a.get("low"), a.get("high"), b.get("low"), b.get("high")):
        return True
    return bool(a["low"] <= b["high"] and b["low"] <= a["high"])
