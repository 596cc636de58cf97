"""The Benchmark Methodology, written before anything trains (`harness plan SPEC`, or by the run itself
when no plan exists): the optimizing metric and why, the gates, the test-set design, the baselines, the
protocol and the acceptance criteria. A run finds the plan of its spec (`<adr dir>/plans/<title slug>.md`),
records that it followed it, and lists every deviation — a spec changed since the plan, other data, another
protocol, a planned candidate that did not finish — in the ADR, so moving goalposts are visible.

The plan is a Markdown document for people, with its facts embedded as JSON after `PLAN_MARKER` so that a run
can compare itself with what was planned without parsing prose.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import InputError
from harness.events import Log
from harness.spec import DecisionSpec

PLANS_DIR = "plans"
PLAN_MARKER = "<!-- archbench:plan -->"
_FACTS = re.compile(re.escape(PLAN_MARKER) + r"\s*\n```json\n(.*?)\n```", re.DOTALL)
# protocol fields a run must match; the row counts follow from the data (its digest is compared separately)
_PROTOCOL_KEYS = (
    "strategy",
    "test",
    "cv_folds",
    "tuning_trials",
    "tuning_time_s",
    "seeds",
    "n_boot",
    "alpha",
)


class Plan(BaseModel):
    """What was planned, machine-readable (embedded in the plan document)."""

    model_config = ConfigDict(extra="ignore")

    title: str
    created_at: dt.datetime
    spec_fingerprint: str
    spec: dict[str, Any]
    data_sha256: str | None = None
    task: str
    metric: str
    candidates: list[str] = Field(default_factory=list)
    baselines: list[str] = Field(default_factory=list)
    protocol: dict[str, Any] = Field(default_factory=dict)
    tuned: bool = True  # tables: tuned on the CV folds; text and QA families are fitted once, not tuned


def plan_path(adr_dir: str | Path, spec: DecisionSpec) -> Path:
    from harness.adr import slugify

    return Path(adr_dir) / PLANS_DIR / f"{slugify(spec.title)}.md"


def build_plan(
    spec: DecisionSpec, prepared: Any, candidates: list[Any], protocol: Any, *, now: dt.datetime | None = None
) -> Plan:
    """The plan from what a run knows before training: the data, the candidates and the fixed protocol."""
    from harness.data import kind_of
    from harness.provenance import sha256_file
    from harness.types import Family

    path = Path(getattr(prepared, "path", None) or spec.data_path())
    try:
        data_sha = sha256_file(path) if path.is_file() else None
    except OSError:
        data_sha = None

    return Plan(
        title=spec.title,
        created_at=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        spec_fingerprint=spec.fingerprint(),
        spec=spec.to_dict(),
        data_sha256=data_sha,
        task=str(prepared.task.kind.value if hasattr(prepared.task.kind, "value") else prepared.task.kind),
        metric=spec.metric_for(prepared.task.kind),
        candidates=[c.name for c in candidates],
        baselines=[c.name for c in candidates if getattr(c, "family", None) is Family.BASELINE],
        protocol=_jsonable(asdict(protocol)),
        tuned=kind_of(prepared.task).tuned,
    )


def plan_for_spec(spec: DecisionSpec, data_path: Path | None = None) -> tuple[Plan, Any]:
    """`harness plan`: load the data and split it as a run would (no audit, no training), fix the protocol."""
    from harness import data
    from harness.candidates import registry
    from harness.protocol import fix_protocol

    prepared = data.prepare(spec, data_path)
    splits = data.make_splits(prepared.df, prepared.task, spec, n_golden=prepared.golden_rows)
    candidates, _skipped = registry.select_with_skipped(spec, prepared.task)
    golden = prepared.golden_path.name if prepared.golden_path is not None else None
    protocol = fix_protocol(spec, splits, golden=golden)
    return build_plan(spec, prepared, candidates, protocol), protocol


def render_plan(plan: Plan, spec: DecisionSpec, protocol: Any) -> str:
    """The Benchmark Methodology document."""
    from harness.fmt import greater_is_better, metric_label

    label = metric_label(plan.metric)
    best = "higher" if greater_is_better(plan.metric) else "lower"
    lines = [
        "---",
        f"title: {json.dumps('Benchmark methodology: ' + plan.title)}",
        f"date: {plan.created_at.date().isoformat()}",
        f"spec_fingerprint: {plan.spec_fingerprint}",
        f"data_sha256: {plan.data_sha256 or 'unknown'}",
        "---",
        "",
        f"# Benchmark methodology: {plan.title}",
        "",
        "Written before any model was trained. The run that follows records whether it kept to it, and its "
        "ADR lists every deviation.",
        "",
        "## Optimizing metric",
        "",
        f"**{label}** on the test rows ({best} is better). {_metric_reason(plan.metric, plan.task, spec)}",
        "",
        "## Satisficing gates",
        "",
        *(_gates(spec) or ["None stated: every candidate that finishes is eligible."]),
        "",
        "## Test-set design",
        "",
        *_test_design(spec, protocol),
        "",
        "## Baselines",
        "",
        *[f"* `{name}`" for name in plan.baselines],
        "",
        "Every claim about a model is relative to the best of these, by a paired test on the same rows.",
        "",
        "## Candidates",
        "",
        ", ".join(f"`{name}`" for name in plan.candidates if name not in plan.baselines) or "none",
        "",
        "## Protocol",
        "",
        *[f"* {line}" for line in _protocol_lines(protocol, plan.tuned)],
        "",
        "## Acceptance criteria",
        "",
        *_acceptance(spec, plan.metric),
        "",
        "## Plan facts",
        "",
        "What a run compares itself with (do not edit; `harness plan --replace` writes a new plan).",
        "",
        PLAN_MARKER,
        "```json",
        plan.model_dump_json(indent=1),
        "```",
        "",
    ]
    return "\n".join(lines)


def _protocol_lines(protocol: Any, tuned: bool) -> list[str]:
    lines = list(protocol.describe())
    if tuned:
        return lines
    # text and QA: no folds, no search; the first (test) and last (statistics) lines still hold
    return [
        lines[0],
        f"text and QA families are fitted once on the {protocol.n_train:,} training rows with early stopping "
        f"on the {protocol.n_dev:,}-row dev split, not tuned",
        lines[-1].split("; the corrected resampled")[0],
    ]


_METRIC_REASONS = {
    "pr_auc": "Precision-recall AUC ranks candidates on the rare positive class, where ROC-AUC is flattered "
    "by the many easy negatives.",
    "roc_auc": "ROC-AUC compares rankings independent of a threshold and of the class balance.",
    "f1": "F1 on the positive class, at a threshold chosen on dev: precision and recall both count.",
    "macro_f1": "Macro F1 weighs every class equally: a model cannot win on the frequent classes alone.",
    "accuracy": "Accuracy: every error costs the same.",
    "balanced_accuracy": "Balanced accuracy: every class's recall counts equally, whatever its size.",
    "log_loss": "Log loss scores the probabilities themselves, not only the ranking.",
    "rmse": "RMSE penalises large errors more than small ones.",
    "mae": "MAE: every unit of error costs the same, and outliers do not dominate.",
    "r2": "R²: the share of the target's variance explained.",
    "exact_match": "Exact match: an answer counts only when it is the gold answer (normalised).",
    "rouge_l": "ROUGE-L gives partial credit for answers that share the gold answer's words in order.",
    "answer_presence": "Answer presence: the gold answer string appears in what is returned.",
    "recall_at_k": "Retrieval recall@k: the gold document is among the top k retrieved.",
    "mrr": "MRR rewards ranking the gold document first.",
}


def _metric_reason(metric: str, task: str, spec: DecisionSpec) -> str:
    """The team's own reason (the comment on the spec's `metric =` line) first, then what the metric does."""
    reason = _METRIC_REASONS.get(metric, f"The spec's choice for this {task} task.")
    source = spec.source
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8")
        except OSError:
            text = ""
        said = re.search(r"(?m)^metric\s*=\s*[\"'][^\"']*[\"']\s*#\s*(.+?)\s*$", text)
        if said:
            return f"The team's reason: {said.group(1)}. {reason}"
    return reason


def _gates(spec: DecisionSpec) -> list[str]:
    from harness.gates import plan_lines

    return plan_lines(spec.constraints)


def _test_design(spec: DecisionSpec, protocol: Any) -> list[str]:
    d = spec.data
    out = [f"* split strategy: {protocol.strategy}"]
    if d.test_path:
        out.append(
            f"* test rows: the golden file `{d.test_path}` ({protocol.n_test:,} rows), fixed, never trained, "
            "tuned or early-stopped on"
        )
    else:
        out.append(f"* test rows: a held-out split of {protocol.n_test:,} rows, scored once per candidate")
    if d.test_path and protocol.strategy == "time":
        out.append(
            f"* rolling window: the latest rows of the data file by `{d.time_column}` are held out too and "
            "scored beside the golden file; the ADR says when the two disagree"
        )
    elif protocol.strategy == "time":
        out.append(
            f"* rolling window: ordered by `{d.time_column}`, the latest rows are the test rows and folds "
            "always score the future"
        )
    if d.group_column:
        out.append(f"* groups: `{d.group_column}` never on both sides of a split or a fold")
    out.append(f"* train {protocol.n_train:,} rows, dev {protocol.n_dev:,} rows (early stopping only)")
    return out


def _acceptance(spec: DecisionSpec, metric: str) -> list[str]:
    from harness.fmt import metric_label

    margin = spec.candidates.equivalence_margin
    margin_text = (
        f"{margin:g}" if margin is not None else "0.005 for scores in [0, 1], 1% of the leader for errors"
    )
    label = metric_label(metric)
    return [
        "A candidate is acceptable if:",
        "",
        "1. it finished on every fold and the test rows within its time budget;",
        "2. it passes every satisficing gate above, on numbers measured on the real predict path;",
        f"3. it beats the best baseline on {label}, by the paired bootstrap on the test rows with "
        "Holm-corrected p-values at α = 0.05;",
        "4. no blocking audit finding is left unacknowledged.",
        "",
        f"Among acceptable candidates the best {label} is recommended, unless a simpler or cheaper one is "
        f"shown practically equivalent (TOST within a margin of {margin_text}); then team skill, "
        "interpretability, simplicity, cost and latency break the tie. If no candidate is acceptable, the "
        "recommendation is that no model is yet justified.",
    ]


# ---- on disk ---------------------------------------------------------------------------------------------


def write_plan(path: Path, text: str) -> Path:
    from harness.fileio import replace_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, text.encode())
    return path


def read_plan(path: str | Path) -> Plan:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the plan ({exc.strerror or exc})", where=str(p)) from None
    match = _FACTS.search(text)
    if not match:
        raise InputError(
            "no plan facts in this file",
            where=str(p),
            fix="restore its 'Plan facts' block, or write a new plan with `harness plan SPEC --replace`",
        )
    try:
        return Plan.model_validate_json(match.group(1))
    except ValueError as exc:
        raise InputError(
            f"the plan facts are not valid ({' '.join(str(exc).split())[:120]})",
            where=str(p),
            fix="write a new plan with `harness plan SPEC --replace`",
        ) from None


# ---- the run against its plan ----------------------------------------------------------------------------


def deviations(plan: Plan, spec: DecisionSpec, record: Any) -> list[str]:
    """Every way the run departed from its plan, each one sentence naming what and how."""
    out: list[str] = []
    if plan.spec_fingerprint != spec.fingerprint():
        changed = _changed_keys(plan.spec, spec.to_dict())
        out.append(
            "the spec changed since the plan: "
            + "; ".join(f"`{k}` {_show(a)} → {_show(b)}" for k, a, b in changed[:8])
            + (f"; and {len(changed) - 8} more" if len(changed) > 8 else "")
        )
    data_sha = record.data.sha256 if record.data is not None else None
    if plan.data_sha256 and data_sha and plan.data_sha256 != data_sha:
        out.append(
            f"the data changed since the plan (sha256 {plan.data_sha256[:12]}… planned, {data_sha[:12]}… run)"
        )
    ran = record.protocol or {}
    for key in _PROTOCOL_KEYS:
        planned, actual = plan.protocol.get(key), _jsonable(ran.get(key))
        if key in plan.protocol and key in ran and planned != actual:
            out.append(f"protocol `{key}`: {_show(planned)} planned, {_show(actual)} run")
    by_name = {m.candidate: m for m in record.measurements}
    for name in plan.candidates:
        m = by_name.get(name)
        if m is None:
            out.append(f"planned candidate `{name}` was not run")
        elif not m.ok:
            out.append(f"planned candidate `{name}` did not finish ({m.status}: {m.reason})")
    for name in by_name:
        if name not in plan.candidates and by_name[name].status != "skipped":
            out.append(f"candidate `{name}` was run but not planned")
    evidence = getattr(record, "evidence", None)
    for step, why in (getattr(evidence, "skipped", None) or {}).items():
        if "turned off" not in why:  # the spec's own choice is no deviation; a budget cut or a failure is
            out.append(f"evidence step `{step}` not measured: {why}")
    return out


def _changed_keys(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        name = f"{prefix}{key}"
        if isinstance(x, dict) and isinstance(y, dict):
            out += _changed_keys(x, y, name + ".")
        elif x != y:
            out.append((name, x, y))
    return out


def _show(value: Any) -> str:
    return "unset" if value is None else json.dumps(value, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# ---- a run and its plan ------------------------------------------------------------------------------------
def plan_for_run(
    spec: DecisionSpec,
    prepared: Any,
    candidates: list[Any],
    protocol: Any,
    options: Any,  # harness.runner.RunOptions
    emit: Callable[[Any], None],
) -> tuple[Path, Any, bool] | None:
    """The Benchmark Methodology this run follows: the one in the decision log for its spec, else written now,
    before training (not with --no-adr: such a run writes nothing into the log). (path, plan, written now)."""
    path = plan_path(options.adr_dir, spec)
    if path.exists():
        facts = read_plan(path)
        emit(Log(f"plan: following {path} (written {facts.created_at:%Y-%m-%d})"))
        return path, facts, False
    if not options.write_adr:
        return None
    facts = build_plan(spec, prepared, candidates, protocol)
    try:
        write_plan(path, render_plan(facts, spec, protocol))
    except OSError as exc:
        raise InputError(
            f"cannot write the plan ({exc.strerror or exc})",
            where=str(path),
            fix="pass --adr-dir a folder you can write to",
        ) from None
    emit(Log(f"plan: no plan for this spec; wrote {path} before training"))
    return path, facts, True


def plan_record(
    plan: tuple[Path, Any, bool], spec: DecisionSpec, record: Any, adr_dir: Path
) -> dict[str, Any]:
    """The plan the run followed, for the record: where, which, and every deviation from it."""
    plan_file, facts, written = plan
    return {
        "path": plan_file.relative_to(adr_dir).as_posix(),
        "fingerprint": facts.spec_fingerprint,
        "created_at": facts.created_at.isoformat(),
        "written_by_run": written,
        "deviations": deviations(facts, spec, record),
    }
