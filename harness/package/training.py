"""The Training Approach Specification (`training-approach.md`): what it takes to train the chosen option the
way the run did — the data, the machine and the measured time, the evaluation protocol that must be kept, and
when to retrain. Read off the run record; nothing is re-measured."""

from __future__ import annotations

from harness import fmt
from harness.package.context import FAMILY_SHORT, Context
from harness.package.readings import curve_sentence, monitoring_signals, stale_mode
from harness.results import Measurement
from harness.types import TaskKind

FILE = "training-approach.md"
TITLE = "Training Approach Specification"


def render(ctx: Context) -> str:
    m = ctx.chosen
    if m is None:
        what = "No option passed every gate, so there is nothing to train yet; the data and protocol stand."
    else:
        what = (
            f"How to train the chosen option, **{m.candidate}** "
            f"({FAMILY_SHORT.get(m.family, str(m.family))}), "
            "the way the run did."
        )
    lines = [
        f"# {TITLE}: {ctx.spec.title}",
        "",
        f"For the decision recorded in [{ctx.links.adr_label}]({ctx.links.adr}) "
        f"(run {fmt.code(ctx.record.run_id)}). {what}",
        "",
        "## Data needed",
        "",
        *_data(ctx, m),
        "",
        "## Training infrastructure and time",
        "",
        *_infrastructure(ctx, m),
        "",
        "## Evaluation protocol",
        "",
        *_protocol(ctx),
        "",
        "## Retraining cadence",
        "",
        *_cadence(ctx, m),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _data(ctx: Context, m: Measurement | None) -> list[str]:
    r = ctx.record
    loaded = (
        f" ({fmt.fmt_int(r.data.rows_loaded)} in the file)"
        if r.data.rows_loaded is not None and r.data.rows_loaded != r.data.rows
        else ""
    )
    sizes = ", ".join(f"{name} {fmt.fmt_int(n)}" for name, n in r.splits.sizes.items())
    lines = [
        f"* Rows: {fmt.fmt_int(r.data.rows)} after loading{loaded}, from "
        f"{fmt.code(fmt.portable(r.data.path))}.",
        f"* Split ({r.splits.strategy}): {sizes} rows.",
    ]
    if ctx.spec.data.test_path:
        lines.append(
            f"* Test rows come from the golden file {fmt.code(fmt.portable(ctx.spec.data.test_path))}, never "
            "trained or tuned on."
        )
    if m is not None and m.train_rows:
        lines.append(f"* The chosen option's final fit used {fmt.fmt_int(m.train_rows)} rows.")
    balance = _balance(ctx)
    if balance:
        lines.append(f"* {balance}")
    limit = ctx.spec.constraints.labelled_examples
    if limit is not None:
        lines.append(f"* The spec caps the labelled examples at {fmt.fmt_int(limit)}.")
    if m is not None:
        lines.append(f"* {curve_sentence(ctx, m.candidate)}")
    return lines


def _balance(ctx: Context) -> str:
    t = ctx.record.task
    if t.kind is TaskKind.REGRESSION and t.target_stats:
        s = t.target_stats
        return (
            f"Target {fmt.code(t.target or '')}: mean {fmt.fmt_metric(s.get('mean'))}, standard deviation "
            f"{fmt.fmt_metric(s.get('std'))}, range {fmt.fmt_metric(s.get('min'))} to "
            f"{fmt.fmt_metric(s.get('max'))}."
        )
    counts = t.class_counts
    total = sum(counts.values())
    if not counts or not total:
        return ""
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    parts = ", ".join(f"{fmt.code(k)} {fmt.fmt_int(n)} ({fmt.pct(n, total)})" for k, n in ordered)
    return f"Class balance over the {fmt.fmt_int(total)} labelled rows: {parts}."


def _infrastructure(ctx: Context, m: Measurement | None) -> list[str]:
    p = ctx.record.provenance
    lines: list[str] = []
    if m is not None:
        if m.train_time_s is not None:
            rows = f" on {fmt.fmt_int(m.train_rows)} rows" if m.train_rows else ""
            lines.append(f"* Measured fit: {fmt.fmt_seconds(m.train_time_s)} s{rows} (the final fit).")
        tuning = m.details.get("tuning")
        if isinstance(tuning, dict) and tuning.get("tuned"):
            lines.append(
                f"* Tuning before it: {fmt.fmt_int(tuning.get('n_trials'))} trials in "
                f"{fmt.fmt_seconds(tuning.get('seconds'))} s (stopped by "
                f"{tuning.get('stopped_by', 'its budget')})."
            )
        elif isinstance(tuning, dict):
            lines.append("* Not tuned: the family's defaults were kept.")
        gpu = (
            "Needs a GPU to train and serve."
            if m.requires_gpu
            else "No GPU needed: it trains and serves on CPU."
        )
        lines.append(
            f"* {gpu} The spec's serving hardware is {fmt.code(str(ctx.spec.constraints.hardware))}."
        )
        lat = m.latency
        serving = [f"{fmt.fmt_mb(m.size_bytes)} MB serialized"]
        if lat is not None:
            serving.append(f"p50 {fmt.fmt_ms(lat.p50_ms)} ms and p99 {fmt.fmt_ms(lat.p99_ms)} ms per request")
        if m.throughput_rows_per_s is not None:
            serving.append(f"{fmt.fmt_int(m.throughput_rows_per_s)} rows/s in batches")
        lines.append(f"* Serving, as measured: {', '.join(serving)}.")
    lines.append(
        f"* Measured on {p.cpu_count or 'an unknown number of'} CPUs ({fmt.code(p.platform)}, "
        f"{fmt.code(p.python)}), archbench {fmt.code(p.code_version)}; the training budget was "
        f"{fmt.fmt_seconds(ctx.spec.candidates.time_budget_s)} s per candidate."
    )
    libs = ", ".join(fmt.code(f"{k} {v}") for k, v in p.libraries.items() if v)
    if libs:
        lines.append(f"* Libraries: {libs}.")
    return lines


def _protocol(ctx: Context) -> list[str]:
    protocol = ctx.record.protocol or {}
    lines = [f"* {fmt.capitalized(fmt.sentence(line))}" for line in protocol.get("lines", [])]
    if protocol and not protocol.get("folds_used", True):
        lines.append(
            "* The folds and the search above did not apply to this decision's text and QA families: each "
            "was fitted once on train (early stopping on dev), not tuned or cross-validated."
        )
    if not lines:
        lines = ["* Not recorded (a run from before archbench fixed its protocol)."]
    d = ctx.decision
    margin = (
        f"; a difference within {fmt.fmt_sig(d.equivalence_margin)} counts as none"
        if d.equivalence_margin is not None
        else ""
    )
    lines.append(
        f"* Decision: {ctx.label} ({ctx.direction}), {d.method} at α = {fmt.fmt_sig(d.alpha)}{margin}; "
        "a retrained model must pass the same gates on the same kind of test rows."
    )
    runs = ctx.record.seed_runs
    if len(runs) > 1:
        chosen = "; ".join(f"seed {r.get('seed')}: {r.get('recommended') or 'none'}" for r in runs)
        lines.append(f"* Selection repeated with other seeds: {chosen}.")
    return lines


def _cadence(ctx: Context, m: Measurement | None) -> list[str]:
    lines: list[str] = []
    stale = stale_mode(ctx)
    days = ctx.spec.constraints.knowledge_freshness_days
    if stale is None:
        lines.append("* Staleness was not measured (the run recorded no stale-model failure mode).")
    elif stale.measured:
        lines.append(
            f"* Measured: {fmt.sentence(stale.evidence)} "
            f"Response: {fmt.capitalized(fmt.sentence(stale.response))}"
        )
    else:
        lines.append(
            f"* Not measured: {fmt.sentence(stale.evidence)} {fmt.capitalized(fmt.sentence(stale.response))}"
        )
    if days is not None:
        lines.append(
            f"* The spec requires knowledge at most {fmt.fmt_days(days)} old: retrain or re-index "
            "at least that often."
        )
    if m is not None and m.train_time_s is not None:
        lines.append(
            f"* One retrain costs about the measured fit, {fmt.fmt_seconds(m.train_time_s)} s, plus the "
            "run's "
            "evaluation against the gates."
        )
    signals = monitoring_signals(ctx)
    if signals:
        lines.append("* Retrain early when a monitoring signal fires: " + "; ".join(signals) + ".")
    return lines
