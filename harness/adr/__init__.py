"""Architecture Decision Records in MADR 4.0 (https://adr.github.io/madr/), rendered from a run record.

This module renders a record's text, one function per section; `harness.adr.store` keeps the log on disk
(numbering, never overwriting, supersede, the index) and its names are re-exported here. The whole text
is rendered (and encoded) before the disk is touched, so a failure writes nothing. The run's spec is embedded
as a fenced TOML block, which `spec_from_adr` reads back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.adr import fmt
from harness.adr.evidence import flip_lines, monitoring_lines, option_bullets, risk_lines
from harness.adr.evidence import more_information as more_on_evidence
from harness.adr.fmt import (
    fmt_budget,
    fmt_int,
    fmt_mb,
    fmt_metric,
    fmt_ms,
    fmt_seconds,
    fmt_sig,
    fmt_usd,
    metric_label,
    portable,
)
from harness.adr.formats import (  # noqa: F401 - re-exported: the record formats
    header_list,
    record_head,
    split_front_matter,
)
from harness.adr.store import (  # noqa: F401 - re-exported: the store is part of harness.adr's public face
    ASSETS_DIR,
    INDEX_FILE,
    INDEX_MARKER,
    MADR_URL,
    SPEC_MARKER,
    AdrInfo,
    find_adr_dir,
    index_path,
    is_adr_tools_log,
    list_adrs,
    migrate,
    next_number,
    resolve_record,
    set_status,
    slugify,
    spec_from_adr,
    supersede,
    update_index,
    write_adr,
)
from harness.errors import InputError
from harness.evidence.model import Evidence
from harness.measure.catalog import SECONDARY_METRICS
from harness.record import FindingRecord, RunRecord, spec_toml_of
from harness.results import CandidateVerdict, Decision, Measurement
from harness.spec import Constraints, DecisionSpec
from harness.types import Family, Hardware, Interpretability, Privacy, SkillLevel, TaskKind

_DASH = "—"  # shown for a number that was not measured
# Money is written "0.01 USD", never "$0.01": GitHub renders text between two dollar signs as math.

FAMILY_WORDS: dict[Family, str] = {
    Family.BASELINE: "baseline: a simple reference model that every other option must beat",
    Family.LINEAR: "linear model: logistic or ridge regression on standardised and one-hot features",
    Family.FOREST: "bagged decision trees: a random forest or extra-trees ensemble",
    Family.GBT: "gradient-boosted decision trees",
    Family.NEURAL: "neural network trained on this data",
    Family.RAG: "retrieval-augmented generation: search a knowledge base, then answer",
    Family.FINETUNE: "fine-tuned pretrained model",
    Family.PROMPT: "prompt-only use of a pretrained language model",
}
FAMILY_SHORT: dict[Family, str] = {
    Family.BASELINE: "baseline",
    Family.LINEAR: "linear",
    Family.FOREST: "random forest",
    Family.GBT: "gradient-boosted trees",
    Family.NEURAL: "neural net",
    Family.RAG: "RAG",
    Family.FINETUNE: "fine-tune",
    Family.PROMPT: "prompt-only",
}
VERDICT_WORDS: dict[str, str] = {
    "recommended": "recommended",
    "runner_up": "runner-up",
    "baseline": "baseline",
    "not_justified": "not justified over the baseline",
    "rejected": "rejected",
    "failed": "failed",
    "skipped": "not run",
}
_VERDICT_ORDER = ["recommended", "runner_up", "not_justified", "baseline", "rejected", "failed", "skipped"]
_SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}
_POLARITY_ORDER = {"Good": 0, "Neutral": 1, "Bad": 2}

NO_JUSTIFIED_MODEL = "No model is yet justified over the baseline."


@dataclass(frozen=True)
class _Option:
    name: str
    family: Family
    measurement: Measurement | None
    verdict: CandidateVerdict | None

    @property
    def verdict_key(self) -> str:
        if self.verdict is not None:
            return self.verdict.verdict
        return "failed" if self.measurement is not None and not self.measurement.ok else "rejected"


def _options(record: RunRecord, decision: Decision) -> list[_Option]:
    """Every candidate, measured or judged, in reading order: chosen first, then by rank, failures last."""
    verdicts = {v.candidate: v for v in decision.verdicts}
    seen: dict[str, _Option] = {}
    for m in record.measurements:
        seen[m.candidate] = _Option(m.candidate, m.family, m, verdicts.get(m.candidate))
    for v in decision.verdicts:
        if v.candidate not in seen:
            seen[v.candidate] = _Option(v.candidate, v.family, None, v)
    original = {name: i for i, name in enumerate(seen)}

    def key(o: _Option) -> tuple[int, int, int]:
        rank = o.verdict.rank if o.verdict and o.verdict.rank is not None else 10**6
        return (_VERDICT_ORDER.index(o.verdict_key), rank, original[o.name])

    return sorted(seen.values(), key=key)


# ---- bullets derived from the numbers ---------------------------------------------------------------------

_Bullet = tuple[str, str]  # (Good | Neutral | Bad, text after "because")


def _constraint_bullets(m: Measurement, c: Constraints, *, has_violations: bool) -> list[_Bullet]:
    """Each measured number against its budget: within → Good (with headroom), over → Bad, unset → Neutral.
    When decide already listed violations, over-budget bullets are left to those (no duplicate)."""
    out: list[_Bullet] = []

    def over(text: str) -> None:
        if not has_violations:
            out.append(("Bad", text))

    if m.latency is not None:
        p99 = m.latency.p99_ms
        if c.latency_p99_ms is not None:
            budget = c.latency_p99_ms
            if p99 <= budget:
                out.append(
                    (
                        "Good",
                        f"its p99 latency of {fmt_ms(p99)} ms per request leaves {fmt_ms(budget - p99)} "
                        f"ms ({fmt.pct(budget - p99, budget)}) headroom under the {fmt_budget(budget)} ms "
                        "budget",
                    )
                )
            else:
                over(f"its p99 latency of {fmt_ms(p99)} ms exceeds the {fmt_budget(budget)} ms budget")
        else:
            out.append(
                (
                    "Neutral",
                    f"one request takes {fmt_ms(m.latency.p50_ms)} ms at p50 and {fmt_ms(p99)} ms at p99 "
                    "(no latency budget set)",
                )
            )
    if m.throughput_rows_per_s is not None:
        rate = m.throughput_rows_per_s
        if c.throughput_rps is not None:
            if rate >= c.throughput_rps:
                out.append(
                    (
                        "Good",
                        f"it sustains {fmt_int(rate)} rows/s, above the "
                        f"{fmt_int(c.throughput_rps)} rows/s needed",
                    )
                )
            else:
                over(
                    f"it sustains only {fmt_int(rate)} rows/s of the "
                    f"{fmt_int(c.throughput_rps)} rows/s needed"
                )
        else:
            out.append(("Neutral", f"it predicts {fmt_int(rate)} rows/s in batches"))
    if m.size_bytes is not None:
        size = fmt_mb(m.size_bytes)
        if c.max_model_mb is not None:
            if m.size_mb is not None and m.size_mb <= c.max_model_mb:
                out.append(
                    ("Good", f"it serializes to {size} MB, within the {fmt_budget(c.max_model_mb)} MB limit")
                )
            else:
                over(f"it serializes to {size} MB, over the {fmt_budget(c.max_model_mb)} MB limit")
        else:
            out.append(("Neutral", f"it serializes to {size} MB"))
    if m.cost_usd_per_1k is not None:
        cost = fmt_usd(m.cost_usd_per_1k)
        if c.budget_usd_per_1k_predictions is not None:
            budget_text = fmt_budget(c.budget_usd_per_1k_predictions)
            if m.cost_usd_per_1k <= c.budget_usd_per_1k_predictions:
                out.append(
                    ("Good", f"1,000 predictions cost {cost} USD, within the {budget_text} USD budget")
                )
            else:
                over(f"1,000 predictions cost {cost} USD, over the {budget_text} USD budget")
        else:
            out.append(("Neutral", f"1,000 predictions cost {cost} USD"))
    if m.requires_gpu and c.hardware is Hardware.CPU:
        over("it needs a GPU and the serving hardware is CPU")
    if c.interpretability is not Interpretability.NONE:
        if m.interpretable:
            out.append(("Good", f"its predictions can be explained (interpretability {c.interpretability})"))
        elif c.interpretability is Interpretability.REQUIRED:
            over("it is not interpretable and interpretability is required")
        else:
            out.append(("Bad", "it is not interpretable and interpretability is preferred"))
    return out


def _skill_bullets(m: Measurement, team: dict[str, SkillLevel]) -> list[_Bullet]:
    if not m.skills:
        return []
    known = [s for s in m.skills if team.get(s, SkillLevel.NONE).score >= SkillLevel.PROFICIENT.score]
    gaps = [s for s in m.skills if s in team and s not in known]
    unstated = [s for s in m.skills if s not in team]
    out: list[_Bullet] = []
    if known:
        out.append(("Good", "the team already works with " + ", ".join(f"{s} ({team[s]})" for s in known)))
    if gaps:
        described = ", ".join(f"{s} ({team[s]})" for s in gaps)
        out.append(("Bad", f"it needs skills the team lacks: {described}"))
    if unstated:  # an unstated skill is unknown, not missing
        out.append(("Neutral", f"it needs {', '.join(unstated)}; the team did not state its skill there"))
    return out


def _sorted_bullets(bullets: Iterable[_Bullet]) -> list[str]:
    ordered = sorted(enumerate(bullets), key=lambda ib: (_POLARITY_ORDER[ib[1][0]], ib[0]))
    return [f"* {polarity}, because {fmt.sentence(text)}" for _, (polarity, text) in ordered]


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
    if c.latency_p99_ms is not None:
        items.append(f"Latency: p99 of one request ≤ {fmt_budget(c.latency_p99_ms)} ms")
    if c.throughput_rps is not None:
        items.append(f"Throughput: ≥ {fmt_int(c.throughput_rps)} rows/s per serving process")
    if c.max_model_mb is not None:
        items.append(f"Size: serialized model (and index) ≤ {fmt_budget(c.max_model_mb)} MB")
    if c.labelled_examples is not None:
        items.append(f"Labelled data: at most {c.labelled_examples:,} labelled examples for training")
    if c.budget_usd_per_1k_predictions is not None:
        items.append(f"Cost: ≤ {fmt_budget(c.budget_usd_per_1k_predictions)} USD per 1,000 predictions")
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


def _considered(options: list[_Option]) -> list[str]:
    return [f"* {o.name} — {_describe(o)}" for o in options]


def _describe(o: _Option) -> str:
    from harness.candidates.registry import about

    rule = o.measurement.details.get("rule") if o.measurement is not None else None
    if rule:  # a baseline that says what it is (the single-feature rule names its feature)
        return f"baseline: {rule}"
    return about(o.name) or FAMILY_WORDS.get(o.family, str(o.family))


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


def _pros_and_cons(
    spec: DecisionSpec, decision: Decision, options: list[_Option], evidence: Evidence | None = None
) -> list[str]:
    metric, label = decision.metric, metric_label(decision.metric)
    n_ranked = sum(1 for o in options if o.verdict and o.verdict.rank is not None)
    lines: list[str] = []
    for o in options:
        m, v = o.measurement, o.verdict
        verdict = VERDICT_WORDS.get(o.verdict_key, o.verdict_key)
        rank = f" (rank {v.rank} of {n_ranked} that passed the gates)" if v and v.rank is not None else ""
        family = _describe(o)
        reasons = [r for r in (v.reasons if v else []) if m is None or m.ok or r != m.reason]
        why = f" {fmt.capitalized(fmt.sentence('; '.join(reasons)))}" if reasons else ""
        lines += ["", f"### {o.name}", "", f"{family[0].upper()}{family[1:]} — **{verdict}**{rank}.{why}", ""]
        bullets: list[_Bullet] = []
        if m is not None and not m.ok:
            why = m.reason or "no reason recorded"
            if m.status == "skipped":
                bullets.append(("Neutral", f"it was skipped: {why}"))
            elif m.status == "timed_out":
                bullets.append(("Bad", f"it ran past its time budget: {why}"))
            elif m.status == "cancelled":
                bullets.append(("Neutral", f"it was cancelled before it finished: {why}"))
            else:
                bullets.append(("Bad", f"it failed: {why}"))
        if m is not None and m.ok and metric in m.metrics:
            polarity = "Good" if v is not None and v.rank == 1 else "Neutral"
            best = "the best " if polarity == "Good" else ""
            bullets.append(
                (
                    polarity,
                    f"it scores {best}{label} {fmt.metric_with_ci(m, metric, ci_label='95% CI ')} "
                    "on the test split",
                )
            )
        for violation in v.violations if v else []:
            bullets.append(("Bad", violation))
        if m is not None and m.ok:
            bullets += _constraint_bullets(m, spec.constraints, has_violations=bool(v and v.violations))
        if m is not None:
            bullets += _skill_bullets(m, spec.team_skills)
            if m.ok:
                bullets += option_bullets(evidence, m.candidate, metric, decision.best_baseline)
            if m.ok and m.train_time_s is not None:
                shared = m.details.get("shared_work_s")
                extra = f", after {fmt_seconds(shared)} s of shared work (embeddings reused by others)"
                bullets.append(
                    ("Neutral", f"it trains in {fmt_seconds(m.train_time_s)} s{extra if shared else ''}")
                )
        lines += _sorted_bullets(bullets) or ["* Neutral, because nothing was measured for it"]
    return lines[1:]


def _evidence(record: RunRecord, decision: Decision, options: list[_Option]) -> list[str]:
    metric = decision.metric
    secondary = [s for s in SECONDARY_METRICS.get(record.task.kind, ()) if s != metric]
    header = [
        "Candidate",
        "Family",
        f"{metric_label(metric)} (95% CI)",
        "Other metrics",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "Throughput rows/s",
        "Size MB",
        "Train s",
        "Cost USD/1k",
        "Verdict",
    ]
    align = ["---", "---", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]
    rows = [f"| {' | '.join(header)} |", f"|{'|'.join(align)}|"]
    for o in options:
        m, v = o.measurement, o.verdict
        verdict = VERDICT_WORDS.get(o.verdict_key, o.verdict_key)
        if v and v.rank is not None:
            verdict += f" (#{v.rank})"
        if m is not None and not m.ok:
            verdict += f": {fmt.short(m.reason or m.status, 120)}"
        elif v and v.violations:
            verdict += f": {fmt.short('; '.join(v.violations), 120)}"
        name = f"**{o.name}**" if o.name == decision.recommended else o.name
        if m is None:
            cells = [name, FAMILY_SHORT.get(o.family, str(o.family))] + [_DASH] * 9 + [verdict]
        else:
            others = [s for s in secondary if s in m.metrics]
            others += sorted(k for k in m.metrics if k != metric and k not in others)
            lat = m.latency
            cells = [
                name,
                FAMILY_SHORT.get(o.family, str(o.family)),
                fmt.metric_with_ci(m, metric),
                " · ".join(f"{metric_label(k)} {fmt_metric(m.metrics[k].value)}" for k in others) or _DASH,
                fmt_ms(lat.p50_ms if lat else None),
                fmt_ms(lat.p95_ms if lat else None),
                fmt_ms(lat.p99_ms if lat else None),
                fmt_int(m.throughput_rows_per_s),
                fmt_mb(m.size_bytes),
                fmt_seconds(m.train_time_s),
                fmt.cost_cell(m.cost_usd_per_1k),
                verdict,
            ]
        rows.append("| " + " | ".join(fmt.cell(c) for c in cells) + " |")
    test_rows = record.splits.sizes.get("test")
    batch = next((m.batch_size for m in record.measurements if m.batch_size), None)
    note = (
        f"Quality on the held-out test split{f' ({test_rows:,} rows)' if test_rows else ''}, "
        "with bootstrap 95% confidence intervals. Latency is per request (a batch of one, warm, on the real "
        "predict path); "
        f"throughput is measured on batches{f' of {batch:,} rows' if batch else ''}. "
        "Size is the serialized model (and index); cost prices the serving hardware per 1,000 predictions."
    )
    return [note, "", *rows]


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


def _chart_links(number: int | None, charts: Iterable[str]) -> dict[str, str]:
    from harness.adr.charts import CHARTS

    if number is None:
        return {}
    return {CHARTS[c][0]: f"{ASSETS_DIR}/{number:04d}-{c}.svg" for c in charts if c in CHARTS}


def _more_information(
    record: RunRecord,
    decision: Decision,
    options: list[_Option],
    supersedes: str | None,
    charts: dict[str, str] | None = None,
    number: int | None = None,
) -> list[str]:
    lines: list[str] = []
    package = f"packages/{number or 0:04d}-{slugify(record.spec['title'])}"  # harness.package writes it
    if supersedes:
        lines += [f"This record supersedes {_adr_link(supersedes)}.", ""]
    from harness.adr import rigor

    sections = [
        ("Evaluation protocol", rigor.protocol_lines(record)),
        ("Golden file and rolling window", rigor.golden_rolling_lines(record, decision)),
        ("Paired comparisons", rigor.comparison_lines(record, decision)),
        ("Tuning", rigor.tuning_lines(record, decision)),
        ("Latency", rigor.latency_lines(record, decision)),
        ("Seeds", rigor.seed_lines(record, decision)),
    ]
    sections += more_on_evidence(record, charts or {})
    for title, body in sections:
        if body:
            lines += [f"### {title}", "", *body, ""]
    lines += ["### Evidence", ""]
    lines += _evidence(record, decision, options)
    p = record.provenance
    libraries = ", ".join(f"{name} {version or 'not installed'}" for name, version in p.libraries.items())
    seeds = ", ".join(f"{k} = {v}" for k, v in record.seeds.items()) or "none recorded"
    data = (
        f"{fmt.code(portable(record.data.path))}, {record.data.rows:,} rows × {record.data.n_columns} columns"
    )
    if record.data.sha256:
        data += f", sha256 {fmt.code(record.data.sha256)}"
    timings = ", ".join(f"{step} {fmt_seconds(s)} s" for step, s in record.timings.items())
    spec_toml = spec_toml_of(record)
    fence = fmt.fence(spec_toml)
    lines += [
        "",
        "### Reproducibility",
        "",
        f"* Run: {fmt.code(record.run_id)}, recorded in {fmt.code(_record_file(record))} "
        f"at {record.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"* Command: {fmt.code(portable(record.command))}",
        *(
            []
            if number is None
            else [
                f"* Claims: [{ASSETS_DIR}/{number:04d}-claims.json]({ASSETS_DIR}/{number:04d}-claims.json) — "
                f"`harness verify {number}` re-runs this decision on the same data and checks each of them",
                f"* Decision package: [{package}/]({package}/README.md) — framework recommendation, training "
                "approach (and, for text and QA, fine-tuning vs RAG), with the benchmark methodology",
            ]
        ),
        f"* Data: {data}",
        f"* Code version: {fmt.code(p.code_version)}",
        f"* Python: {p.python} on {p.platform}, {p.cpu_count or '?'} CPUs",
        f"* Seeds: {seeds}",
        f"* Libraries: {libraries or 'none recorded'}",
    ]
    if timings:
        lines.append(f"* Step timings: {timings}")
    lines += [
        "",
        "The full spec (archbench reads this block back with `spec_from_adr`):",
        "",
        SPEC_MARKER,
        f"{fence}toml",
        spec_toml.rstrip("\n"),
        fence,
        "",
        f"This record follows [MADR 4.0]({MADR_URL}); archbench generated it from the run record above.",
    ]
    return lines


def _record_file(record: RunRecord) -> str:
    return portable(record.record_file) if record.record_file else f"runs/{record.run_id}/run.json"


def _adr_link(ref: str) -> str:
    name = Path(ref).name
    match = re.match(r"^(\d{1,4})(?:-.*\.md)?$", name)
    if not match:
        return fmt.code(ref)
    label = f"ADR-{int(match.group(1)):04d}"
    return f"[{label}]({name})" if name.endswith(".md") else label


# ---- public API -------------------------------------------------------------------------------------------


def render_adr(
    record: RunRecord,
    *,
    status: str = "proposed",
    date: dt.date | None = None,
    supersedes: str | None = None,
    number: int | None = None,
    charts: Iterable[str] = (),
) -> str:
    """The whole MADR 4.0 text of a run's decision. Pure: touches no file. `charts` (names from
    `harness.adr.charts`) are linked as `assets/NNNN-<name>.svg` when the record's `number` is known."""
    if record.decision is None:
        raise InputError(
            "the run has no decision (it was cancelled before any candidate finished)",
            where=f"run {record.run_id}",
            fix="re-run and let at least one candidate finish",
        )
    if not status.strip() or "\n" in status:
        raise InputError(
            f"invalid ADR status {status!r}", fix="use proposed, accepted, rejected or deprecated"
        )
    spec = record.decision_spec()
    decision = record.decision
    options = _options(record, decision)
    parts: list[str] = [
        # front matter, title and the header list log4brains reads, from the same values
        record_head(
            _front_matter(record, spec, status.strip(), date or dt.date.today(), supersedes), spec.title
        ),
        "",
        "## Context and Problem Statement",
        "",
        *_context(record, spec, decision.metric),
        "",
        "## Decision Drivers",
        "",
        *_drivers(spec, decision.metric, record.constraints_stated),
        "",
        "## Considered Options",
        "",
        *_considered(options),
        "",
        "## Decision Outcome",
        "",
        *_outcome(record, spec, decision, options),
        "",
        "## Pros and Cons of the Options",
        "",
        *_pros_and_cons(spec, decision, options, record.evidence),
        "",
        "## Data audit",
        "",
        *_audit(record, spec),
        "",
        "## Risks and failure modes",
        "",
        *risk_lines(record),
        "",
        "## What would change this decision",
        "",
        *flip_lines(record),
        "",
        "## Monitoring",
        "",
        *monitoring_lines(record),
        "",
        "## More Information",
        "",
        *_more_information(record, decision, options, supersedes, _chart_links(number, charts), number),
    ]
    return "\n".join(parts) + "\n"
