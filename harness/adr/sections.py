"""The MADR sections before More Information, one function each: front matter, context, drivers, outcome,
consequences, confirmation and the data audit."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from harness import fmt, gates
from harness.adr.options import (
    _DASH,
    _SEVERITY_ORDER,
    NO_JUSTIFIED_MODEL,
    _Bullet,
    _constraint_bullets,
    _Option,
    _skill_bullets,
    _sorted_bullets,
)
from harness.fmt import (
    fmt_budget,
    fmt_metric,
    fmt_seconds,
    fmt_sig,
    metric_label,
    portable,
)
from harness.record import FindingRecord, RunRecord
from harness.results import Decision
from harness.spec import Constraints, DecisionSpec
from harness.types import Family, Interpretability, Privacy, TaskKind

# ---- sections ---------------------------------------------------------------------------------------------


def _front_matter(
    record: RunRecord, spec: DecisionSpec, status: str, date: dt.date, supersedes: str | None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "status": status,
        "date": date,
        "decision-makers": list(spec.decision_makers),
        "consulted": [],
        "informed": [],
        "archbench-run": record.run_id,
        "archbench-spec-fingerprint": spec.fingerprint(),
        "archbench-data-sha256": record.data.sha256,
        "archbench-code-version": record.provenance.code_version,
    }
    if supersedes:
        meta["archbench-supersedes"] = supersedes
    return meta


def _class_balance(record: RunRecord) -> str:
    t = record.task
    counts = t.class_counts
    total = sum(counts.values())
    if not counts or not total:
        return ""
    if t.kind is TaskKind.BINARY and t.positive_label is not None and t.positive_label in counts:
        pos = counts[t.positive_label]
        return (
            f"The positive class {fmt.code(t.positive_label)} is {fmt.pct(pos, total)} of the labelled rows "
            f"({pos:,} of {total:,})."
        )
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ordered) <= 6:
        parts = ", ".join(f"{fmt.code(k)} {n:,} ({fmt.pct(n, total)})" for k, n in ordered)
        return f"Class balance: {parts}."
    (big, n_big), (small, n_small) = ordered[0], ordered[-1]
    return (
        f"Over {len(ordered)} classes, the largest, {fmt.code(big)}, has {n_big:,} rows "
        f"({fmt.pct(n_big, total)}) and the smallest, {fmt.code(small)}, {n_small:,} "
        f"({fmt.pct(n_small, total)})."
    )


def _split_words(record: RunRecord, spec: DecisionSpec) -> str:
    strategy = record.splits.strategy
    if strategy == "stratified":
        how = "stratified by the target"
    elif strategy == "group":
        col = spec.data.group_column
        how = f"by group ({fmt.code(col)}), so no group spans two splits" if col else "by group"
    elif strategy == "time":
        col = spec.data.time_column
        how = f"by time ({fmt.code(col)}), the test split being the latest rows" if col else "by time"
    elif strategy == "random":
        how = "at random"
    else:
        how = f"with the {fmt.code(strategy)} strategy"
    sizes = " / ".join(f"{name} {n:,}" for name, n in record.splits.sizes.items())
    return "The rows were split " + (f"into {sizes} rows " if sizes else "") + f"{how}."


def _context(record: RunRecord, spec: DecisionSpec, metric: str) -> list[str]:
    t, d = record.task, record.data
    if t.kind is TaskKind.QA:
        question = "Which kind of system should answer our questions (retrieval, fine-tuning, prompting, …)?"
    else:
        kind = {
            TaskKind.BINARY: "binary classification",
            TaskKind.MULTICLASS: f"{len(t.classes) or 'multi'}-class classification",
            TaskKind.REGRESSION: "regression",
        }[t.kind]
        mix = [(t.n_numeric, "numeric"), (t.n_categorical, "categorical"), (t.n_text, "text")]
        mix_text = ", ".join(f"{n} {what}" for n, what in mix if n)
        features = f"{t.n_features} feature{'s' * (t.n_features != 1)}" + (
            f" ({mix_text})" if mix_text else ""
        )
        question = f"Which kind of model should predict {fmt.code(t.target or '?')} ({kind}) from {features}?"
    loaded = f" (of {d.rows_loaded:,} in the file)" if d.rows_loaded and d.rows_loaded != d.rows else ""
    facts = [
        f"The data, {fmt.code(Path(d.path).name)}, has {d.rows:,} rows{loaded} × {d.n_columns} columns.",
        *(fmt.capitalized(fmt.sentence(n)) for n in d.notes),
        _class_balance(record),
    ]
    if t.target_stats:
        s = t.target_stats
        facts.append(
            f"The target has mean {fmt_sig(s.get('mean'))}, standard deviation {fmt_sig(s.get('std'))} "
            f"and range {fmt_sig(s.get('min'))} to {fmt_sig(s.get('max'))}."
        )
    direction = "higher" if fmt.greater_is_better(metric) else "lower"
    facts.append(
        f"We optimise **{metric_label(metric)}** ({direction} is better) on the held-out test split, "
        "which no candidate sees while training, subject to the decision drivers below."
    )
    facts.append(_split_words(record, spec))
    # the split's own summary note repeats what `_split_words` just said
    facts.extend(
        fmt.capitalized(fmt.sentence(n))
        for n in record.splits.notes
        if not re.search(r"split \(seed \d+\)", n)
    )
    lines = [question, "", " ".join(f for f in facts if f)]
    if record.findings:
        blocking = sum(f.blocking for f in record.findings)
        lines += [
            "",
            f"The data audit raised {len(record.findings)} finding{'s' * (len(record.findings) != 1)}"
            + (f" ({blocking} blocking, resolved before training)" if blocking else "")
            + "; see [Data audit](#data-audit).",
        ]
    if record.cancelled:
        lines += ["", "**This run was cancelled**: the decision covers only the candidates that finished."]
    return lines


def _drivers(spec: DecisionSpec, metric: str, written: list[str] | None = None) -> list[str]:
    c = spec.constraints
    label = metric_label(metric)
    best = "highest" if fmt.greater_is_better(metric) else "lowest"
    items = [f"Quality: the {best} {label} on the test split, beating the best baseline"]
    items += gates.drivers(c)
    if c.labelled_examples is not None:
        items.append(f"Labelled data: at most {c.labelled_examples:,} labelled examples for training")
    # defaults the team never wrote are not its requirements (older records: a value other than the default)
    stated = (
        set(written)
        if written is not None
        else {k for k in ("hardware", "privacy") if getattr(c, k) != Constraints.model_fields[k].default}
    )
    if "hardware" in stated or c.hardware_usd_per_hour is not None:
        hardware = f"Hardware: serve on {c.hardware.value.upper()}"
        if c.hardware_usd_per_hour is not None:
            hardware += f" at {fmt_budget(c.hardware_usd_per_hour)} USD per machine-hour"
        items.append(hardware)
    if "privacy" in stated:
        items.append(
            "Privacy: inference data may be sent to an external API"
            if c.privacy is Privacy.EXTERNAL_API_ALLOWED
            else "Privacy: inference data must not leave the premises (no external API)"
        )
    if c.interpretability is not Interpretability.NONE:
        items.append(f"Interpretability: {c.interpretability.value}")
    if c.knowledge_freshness_days is not None:
        days = c.knowledge_freshness_days
        items.append(f"Knowledge freshness: at most {days:,} day{'' if days == 1 else 's'} stale")
    if spec.team_skills:
        skills = ", ".join(f"{name} ({level})" for name, level in spec.team_skills.items())
        items.append(f"Team skills: {skills}")
    return [f"* {item}" for item in items]


def _because(decision: Decision) -> str:
    text = " ".join(decision.because.split())
    match = re.match(r"(?i)chosen option:?.*?\bbecause\b\s*", text)
    if match:
        text = text[match.end() :]
    return fmt.sentence(text) if text else "it is the best option that meets every decision driver."


def _outcome(record: RunRecord, spec: DecisionSpec, decision: Decision, options: list[_Option]) -> list[str]:
    metric = decision.metric
    label = metric_label(metric)
    by_name = {o.name: o for o in options}
    lines: list[str] = []
    if decision.recommended:
        lines.append(f'Chosen option: "{decision.recommended}", because {_because(decision)}')
    else:
        lines.append(f"Chosen option: none, because {_because(decision)}")
    if not decision.justified:
        baseline = by_name.get(decision.best_baseline or "")
        score = ""
        if baseline and baseline.measurement and metric in baseline.measurement.metrics:
            score = f" ({label} {fmt_metric(baseline.measurement.metrics[metric].value)})"
        against = f' "{decision.best_baseline}"{score}' if decision.best_baseline else ""
        lines += [
            "",
            f"**{NO_JUSTIFIED_MODEL}** No candidate beats the best baseline{against} on {label} by more "
            "than the uncertainty of the measurement, so a more complex model would add cost without a "
            "proven gain. Keep the baseline (or the simplest option), and re-run when more or better data "
            "is available.",
        ]
    if decision.recommended is None:
        lines += [
            "",
            "No candidate passed every gate; relax the constraint that rejects the most promising option "
            "(see [Pros and Cons of the Options](#pros-and-cons-of-the-options)) or widen the candidates.",
        ]
    if record.cancelled:
        lines += ["", "The run was cancelled, so some candidates were never measured."]
    lines += ["", "### Consequences", ""]
    lines += _consequences(spec, decision, options)
    lines += ["", "### Confirmation", ""]
    lines += _confirmation(record, spec)
    return lines


def _consequences(spec: DecisionSpec, decision: Decision, options: list[_Option]) -> list[str]:
    by_name = {o.name: o for o in options}
    chosen = by_name.get(decision.recommended or "")
    if chosen is None or chosen.measurement is None:
        return ["* Bad, because no option satisfies every decision driver yet; the problem stays open."]
    m = chosen.measurement
    metric, label = decision.metric, metric_label(decision.metric)
    bullets: list[_Bullet] = []
    baseline = by_name.get(decision.best_baseline or "")
    mine = m.metrics.get(metric)
    if chosen.family is Family.BASELINE:
        bullets.append(("Good", "a baseline is the simplest option to ship, run and explain"))
    elif baseline and baseline.measurement and mine and metric in baseline.measurement.metrics:
        theirs = baseline.measurement.metrics[metric].value
        delta = mine.value - theirs
        words = (
            f"its {label} of {fmt.metric_with_ci(m, metric, ci_label='95% CI ')} compares with "
            f'{fmt_metric(theirs)} for the best baseline, "{baseline.name}" ({delta:+,.3f})'
        )
        bullets.append(("Good" if decision.justified else "Bad", words))
    bullets += _constraint_bullets(m, spec.constraints, has_violations=False)
    bullets += _skill_bullets(m, spec.team_skills)
    if decision.tie_break:
        bullets.append(
            (
                "Neutral",
                f"it was statistically tied on {label} with another option; the tie was broken by "
                f"{decision.tie_break}",
            )
        )
    runner_up = next((o for o in options if o.verdict_key == "runner_up"), None)
    if runner_up and runner_up.measurement and metric in runner_up.measurement.metrics:
        bullets.append(
            (
                "Neutral",
                f'the runner-up, "{runner_up.name}" ({label} '
                f"{fmt_metric(runner_up.measurement.metrics[metric].value)}), "
                "is the fallback if this option has to be replaced",
            )
        )
    if m.train_time_s is not None:
        rows = f" on {m.train_rows:,} rows" if m.train_rows else ""
        bullets.append(("Neutral", f"it trains in {fmt_seconds(m.train_time_s)} s{rows}"))
    return _sorted_bullets(bullets)


def _confirmation(record: RunRecord, spec: DecisionSpec) -> list[str]:
    fence = fmt.fence(portable(record.command))
    decision = record.decision
    chosen = decision.recommended if decision else None
    if decision is None or chosen is None:
        expect = "whether any option now passes every gate"
    elif decision.tie_break:
        expect = (
            f"{chosen} still passes every gate and is still chosen on {decision.tie_break.split(' (')[0]}"
        )
    elif chosen == decision.best_baseline and not decision.justified:
        expect = f"still no model beats {chosen} significantly"
    else:
        expect = f"{chosen} still passes every gate and still ranks first"
    lines = [
        f"Re-run the same spec on the same data and check that {expect}:",
        "",
        f"{fence}bash",
        portable(record.command),
        fence,
        "",
    ]
    checks = []
    if record.data.sha256:
        checks.append(f"the data file still has sha256 {fmt.code(record.data.sha256)}")
    checks.append(f"the numbers match the run record {fmt.code(_record_file(record))}")
    if spec.constraints.latency_p99_ms is not None:
        checks.append(
            "in production, the measured p99 latency stays under "
            f"{fmt_budget(spec.constraints.latency_p99_ms)} ms"
        )
    lines.append("Check that " + "; ".join(checks) + ".")
    return lines


def _audit(record: RunRecord, spec: DecisionSpec) -> list[str]:
    lines: list[str] = []
    if not record.findings:
        lines.append(
            "None recorded: the audit found no duplicates, leakage, label conflicts or coverage gaps."
        )
    else:
        findings = sorted(
            enumerate(record.findings), key=lambda it: (_SEVERITY_ORDER.get(it[1].severity.lower(), 4), it[0])
        )
        lines += ["| Severity | Finding | Evidence | What was done |", "|---|---|---|---|"]
        for _, f in findings:
            finding = f"{f.title} ({fmt.code(f.code)})"
            cells = [f.severity, finding, _evidence_text(f), _done(f, spec)]
            lines.append("| " + " | ".join(fmt.cell(c) for c in cells) + " |")
    extra = []
    if spec.audit.drop_columns:
        extra.append(
            "columns dropped before the run: " + ", ".join(fmt.code(c) for c in spec.audit.drop_columns)
        )
    if spec.audit.dedupe:
        extra.append("exact duplicate rows were dropped before splitting")
    if extra:
        lines += ["", "Per the spec, " + "; ".join(extra) + "."]
    return lines


def _evidence_text(f: FindingRecord) -> str:
    e = f.evidence
    if e is None:
        return _DASH
    if isinstance(e, dict):
        text = "; ".join(f"{k}: {v}" for k, v in e.items())
    elif isinstance(e, list):
        text = ", ".join(str(x) for x in e[:8]) + (f", … ({len(e)} in all)" if len(e) > 8 else "")
    else:
        text = str(e)
    return fmt.short(text, 200)


def _done(f: FindingRecord, spec: DecisionSpec) -> str:
    if f.action:
        return f.action
    if f.acknowledged or f.code in spec.audit.acknowledge:
        return "acknowledged in the spec ([audit] acknowledge)"
    if f.blocking:
        return "blocked the run"
    return f"nothing yet; suggested: {f.fix}" if f.fix else "recorded only"


def _record_file(record: RunRecord) -> str:
    return portable(record.record_file) if record.record_file else f"runs/{record.run_id}/run.json"
