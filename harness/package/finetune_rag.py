"""The Fine-tuning vs RAG decision document (`finetune-vs-rag.md`), for text classification and QA decisions:
the approaches as measured (fine-tuning, retrieval, prompt-only, trained models on embeddings or features,
baselines), what each needs in data, freshness, money per volume, latency and upkeep, the decided option
and how to put it in place. Each approach is represented by its best measured candidate."""

from __future__ import annotations

from dataclasses import dataclass

from harness import fmt
from harness.package.context import VERDICT_WORDS, Context, because_text
from harness.package.readings import curve_sentence, monitoring_signals, stale_mode
from harness.package.scoring import MAX_COMPLEXITY
from harness.results import Measurement
from harness.types import Family, TaskKind

FILE = "finetune-vs-rag.md"
TITLE = "Fine-tuning vs RAG"
VOLUMES = (10_000, 1_000_000, 100_000_000)  # predictions per month, to put the measured unit cost in scale


@dataclass(frozen=True)
class Approach:
    key: str
    name: str
    families: frozenset[Family]
    knowledge: str  # where the knowledge lives, and so what keeping it fresh takes
    upkeep: str  # what has to be maintained
    refresh: str  # the verb for bringing its knowledge up to date


APPROACHES = (
    Approach(
        "finetune",
        "Fine-tuning",
        frozenset({Family.FINETUNE}),
        "in the model's weights: new knowledge needs a retrain (and a re-evaluation against the gates)",
        "a training pipeline, the labelled set, model weights and their versions, and GPU time to retrain "
        "when the model is large",
        "retrain",
    ),
    Approach(
        "rag",
        "Retrieval (RAG)",
        frozenset({Family.RAG}),
        "in the index: new knowledge needs a re-index of the changed documents or examples, no retraining",
        "the document or example store, the embedding model (changing it means re-embedding everything) "
        "and the index build",
        "re-index",
    ),
    Approach(
        "prompt",
        "Prompt-only",
        frozenset({Family.PROMPT}),
        "in the pretrained model as it is: nothing to refresh but the prompt or the label descriptions, and "
        "nothing newer than its pretraining",
        "prompts and label descriptions under version control, and the pinned pretrained model",
        "revise the prompt",
    ),
    Approach(
        "trained",
        "Trained model on embeddings or features",
        frozenset({Family.NEURAL, Family.GBT, Family.LINEAR, Family.FOREST}),
        "in a model trained on the labelled rows: new knowledge needs a retrain (cheap at this size)",
        "a training pipeline and the labelled set; the embedding model when it uses one",
        "retrain",
    ),
    Approach(
        "baseline",
        "Baseline",
        frozenset({Family.BASELINE}),
        "in simple statistics of the labelled rows or of the corpus: a refit or re-index is seconds",
        "almost nothing: a refit script",
        "refit",
    ),
)


def approach_of(family: Family) -> Approach:
    return next(a for a in APPROACHES if family in a.families)


def render(ctx: Context) -> str:
    best = _best_per_approach(ctx)
    chosen = ctx.chosen
    lines = [
        f"# {TITLE}: {ctx.spec.title}",
        "",
        f"For the decision recorded in [{ctx.links.adr_label}]({ctx.links.adr}) (run "
        f"{fmt.code(ctx.record.run_id)}): "
        f"{_task_words(ctx)} Optimizing metric: {ctx.label} ({ctx.direction}). Each approach is "
        "represented by "
        "its best measured candidate; the numbers are the run's.",
        "",
        "## The approaches as measured",
        "",
        *_overview(ctx, best),
        "",
        "## Data requirements",
        "",
        *_data(ctx, best),
        "",
        "## Knowledge freshness",
        "",
        *_freshness(ctx, best),
        "",
        "## Cost per inference volume",
        "",
        *_cost(ctx, best),
        "",
        "## Latency",
        "",
        *_latency(ctx, best),
        "",
        "## Maintenance",
        "",
        *_maintenance(ctx, best),
        "",
        "## Recommendation",
        "",
        *_recommendation(ctx, chosen),
        "",
        "## How to implement it",
        "",
        *_steps(ctx, chosen),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _task_words(ctx: Context) -> str:
    t = ctx.record.task
    if t.kind is TaskKind.QA:
        return "a knowledge-QA decision, answering questions from a document corpus."
    return f"a text-classification decision over {len(t.classes) or len(t.class_counts)} classes."


def _best_per_approach(ctx: Context) -> list[tuple[Approach, Measurement | None, list[Measurement]]]:
    """(approach, its best finished candidate, every candidate of it) for each approach the run tried."""
    passed = {v.candidate for v, _m in ctx.survivors()}
    sign = 1.0 if ctx.greater_is_better else -1.0

    def key(m: Measurement) -> tuple[bool, float]:  # passed the gates first, then the best metric
        v = ctx.value(m)
        return (m.candidate in passed, sign * v if v is not None else float("-inf"))

    out = []
    for a in APPROACHES:
        ms = [m for m in ctx.record.measurements if m.family in a.families]
        if not ms:
            continue
        ok = [m for m in ms if m.ok]
        out.append((a, max(ok, key=key) if ok else None, ms))
    return out


def _overview(ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]) -> list[str]:
    lines = [
        f"| Approach | Best candidate | ADR verdict | {ctx.label} (CI) | Other candidates |",
        "|---|---|---|---:|---|",
    ]
    for a, m, ms in best:
        others = ", ".join(f"{x.candidate} ({_verdict(ctx, x)})" for x in ms if x is not m) or fmt.DASH
        if m is None:
            lines.append(f"| {a.name} | none finished | {fmt.DASH} | {fmt.DASH} | {fmt.cell(others)} |")
            continue
        name = f"**{m.candidate}**" if m.candidate == ctx.decision.recommended else m.candidate
        lines.append(
            f"| {a.name} | {name} | {_verdict(ctx, m)} | {fmt.metric_with_ci(m, ctx.metric)} | "
            f"{fmt.cell(others)} |"
        )
    tried = {a.key for a, _m, _ms in best}
    missing = [
        a.name.lower() for a in APPROACHES if a.key not in tried and a.key in ("finetune", "rag", "prompt")
    ]
    if missing:
        lines += [
            "",
            f"Not measured in this run: {', '.join(missing)} (no candidate of that family was selected or "
            "applicable; widen `[candidates] include` to compare it).",
        ]
    failed = [m for _a, _m, ms in best for m in ms if not m.ok]
    for m in failed:
        lines.append(
            f"* {m.candidate} did not finish ({m.status}): {fmt.sentence(m.reason or 'no reason recorded')}"
        )
    return lines


def _verdict(ctx: Context, m: Measurement) -> str:
    v = ctx.verdict(m.candidate)
    key = v.verdict if v is not None else m.status
    return VERDICT_WORDS.get(key, key)


def _data(ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]) -> list[str]:
    splits = ctx.record.splits.sizes
    lines = [
        f"The run had {fmt.fmt_int(ctx.record.data.rows)} labelled rows "
        f"({', '.join(f'{k} {fmt.fmt_int(n)}' for k, n in splits.items())}).",
        "",
    ]
    for a, m, _ms in best:
        if m is None:
            continue
        rows = f"fitted on {fmt.fmt_int(m.train_rows)} rows" if m.train_rows else "no training rows recorded"
        needs = {
            "finetune": "needs labelled rows for every class it must learn, more as the model grows",
            "rag": "needs the documents or labelled examples it retrieves from, not a training run",
            "prompt": "needs no labelled rows to learn from, only a few to evaluate the prompt",
            "trained": "needs labelled rows; cheap to refit",
            "baseline": "needs the labelled rows (or the corpus), and few of them",
        }[a.key]
        lines.append(f"* **{a.name}** ({m.candidate}, {rows}) {needs}. {curve_sentence(ctx, m.candidate)}")
    limit = ctx.spec.constraints.labelled_examples
    if limit is not None:
        lines += ["", f"The spec caps the labelled examples at {fmt.fmt_int(limit)}."]
    return lines


def _freshness(ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]) -> list[str]:
    days = ctx.spec.constraints.knowledge_freshness_days
    if days is not None:
        lines = [f"The spec requires the model's knowledge to be at most {fmt.fmt_days(days)} old."]
    else:
        lines = [
            "The spec sets no freshness constraint (`constraints.knowledge_freshness_days`): how stale the "
            "knowledge may get was not stated."
        ]
    stale = stale_mode(ctx)
    if stale is not None:
        measured = "measured" if stale.measured else "not measurable on this data"
        lines += [
            "",
            f"Staleness ({measured}): {fmt.sentence(stale.evidence)} "
            f"{fmt.capitalized(fmt.sentence(stale.response))}",
        ]
    lines.append("")
    for a, m, _ms in best:
        if m is None:
            continue
        fit = (
            f" The measured fit of {m.candidate} took {fmt.fmt_seconds(m.train_time_s)} s."
            if m.train_time_s is not None
            else ""
        )
        when = (
            f" To stay within the constraint: {a.refresh} at least every {fmt.fmt_days(days, every=True)}."
            if days is not None
            else ""
        )
        lines.append(f"* **{a.name}**: the knowledge lives {a.knowledge}.{when}{fit}")
    return lines


def _cost(ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]) -> list[str]:
    price = ctx.spec.constraints.hardware_usd_per_hour
    if price is None:
        return [
            "Not priced: the spec sets no `constraints.hardware_usd_per_hour`, so the measured throughput "
            "was "
            "not turned into money."
        ]
    head = " | ".join(f"{fmt.fmt_int(v)} / month" for v in VOLUMES)
    lines = [
        f"Priced at {fmt.fmt_budget(price)} USD per machine-hour ({ctx.spec.constraints.hardware}) on each "
        "candidate's measured batch throughput: one saturated machine, so a floor (idle capacity, replicas "
        "and "
        "network are not included). USD:",
        "",
        f"| Approach | Candidate | Rows/s | Per 1k predictions | {head} |",
        "|---|---|---:|---:|" + "---:|" * len(VOLUMES),
    ]
    for a, m, _ms in best:
        if m is None:
            continue
        unit = m.cost_usd_per_1k
        cells = " | ".join(fmt.cost_cell(unit * v / 1000) if unit is not None else fmt.DASH for v in VOLUMES)
        lines.append(
            f"| {a.name} | {m.candidate} | {fmt.fmt_int(m.throughput_rows_per_s)} | {fmt.cost_cell(unit)} | "
            f"{cells} |"
        )
    budget = ctx.spec.constraints.budget_usd_per_1k_predictions
    if budget is not None:
        lines += ["", f"The budget is {fmt.fmt_budget(budget)} USD per 1k predictions."]
    return lines


def _latency(ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]) -> list[str]:
    budget = ctx.spec.constraints.latency_p99_ms
    lines = [
        "One request (a batch of one), warm, on the real predict path:",
        "",
        "| Approach | Candidate | p50 ms | p99 ms |",
        "|---|---|---:|---:|",
    ]
    for a, m, _ms in best:
        if m is None:
            continue
        lat = m.latency
        p50, p99 = (lat.p50_ms, lat.p99_ms) if lat else (None, None)
        lines.append(f"| {a.name} | {m.candidate} | {fmt.fmt_ms(p50)} | {fmt.fmt_ms(p99)} |")
    lines += [
        "",
        f"The p99 budget is {fmt.fmt_budget(budget)} ms."
        if budget is not None
        else "The spec sets no latency budget (`constraints.latency_p99_ms`).",
    ]
    return lines


def _maintenance(
    ctx: Context, best: list[tuple[Approach, Measurement | None, list[Measurement]]]
) -> list[str]:
    team = ctx.spec.team_skills
    lines = []
    for a, m, _ms in best:
        if m is None:
            continue
        skills = (
            ", ".join(f"{s} ({team[s].value if s in team else 'level not stated'})" for s in m.skills)
            or "no named framework"
        )
        lines.append(
            f"* **{a.name}** ({m.candidate}): to maintain: {a.upkeep}. Measured: "
            f"{fmt.fmt_mb(m.size_bytes)} MB, "
            f"{'needs a GPU' if m.requires_gpu else 'CPU only'}, complexity {m.complexity} of "
            f"{MAX_COMPLEXITY}; skills: {skills}."
        )
    return lines


def _recommendation(ctx: Context, chosen: Measurement | None) -> list[str]:
    d = ctx.decision
    if chosen is None:
        return [
            "No option passed every gate, so none is recommended (see "
            f"[{ctx.links.adr_label}]({ctx.links.adr})). "
            "Relax the constraint that rejects the most promising approach, or widen the candidates."
        ]
    a = approach_of(chosen.family)
    lines = [
        f"**{a.name}: {chosen.candidate}**, the option the ADR chose, because "
        f"{fmt.sentence(because_text(d.because))}",
    ]
    if a.key not in ("finetune", "rag"):
        lines += [
            "",
            "Neither fine-tuning nor retrieval is recommended: on this data the decided option is "
            f"{a.name.lower()}.",
        ]
    if not d.justified:
        lines += [
            "",
            "No model is yet justified over the best baseline; revisit when more or better labelled data "
            "exists.",
        ]
    return lines


def _steps(ctx: Context, chosen: Measurement | None) -> list[str]:
    if chosen is None:
        return ["Nothing to implement until an option passes the gates."]
    a = approach_of(chosen.family)
    spec = ctx.spec
    days = spec.constraints.knowledge_freshness_days
    every = (
        f"every {fmt.fmt_days(days, every=True)} at most"
        if days is not None
        else "on a fixed cadence you choose"
    )
    data = fmt.code(fmt.portable(ctx.record.data.path))
    sha = f" (sha256 {fmt.code(ctx.record.data.sha256[:16])}…)" if ctx.record.data.sha256 else ""
    encoder = fmt.code(spec.models.encoder_path or "all-MiniLM-L6-v2 (the default encoder)")
    gpu = "a GPU" if chosen.requires_gpu else "CPU"
    retrain = (
        f"{fmt.fmt_seconds(chosen.train_time_s)} s on {fmt.fmt_int(chosen.train_rows)} rows"
        if chosen.train_time_s is not None
        else "not measured"
    )
    verify = f"`harness verify` on {ctx.links.adr_label}"
    if a.key == "finetune":
        steps = [
            f"Snapshot the labelled data {data}{sha} and keep the test rows out of training.",
            f"Fine-tune {chosen.candidate} from {_base_model(ctx, chosen)} "
            f"with the run's configuration ({_params(chosen)}); the measured fit took {retrain}.",
            f"Serve it on {gpu}: {fmt.fmt_mb(chosen.size_bytes)} MB of weights, versioned with the data "
            "snapshot.",
            f"Retrain {every}, or when a monitoring signal fires, and re-run the spec to check the gates "
            f"still pass ({verify}).",
        ]
    elif a.key == "rag":
        steps = [
            f"Build the index with the same embedding model, {encoder}, over "
            + (
                fmt.code(fmt.portable(spec.data.corpus_path))
                if spec.data.corpus_path
                else f"the labelled examples in {data}"
            )
            + f" ({_params(chosen)}); the measured build took {retrain}.",
            f"Serve retrieval on {gpu}: embed the request, search the index, "
            + (
                "generate the answer from the passages found."
                if "generate" in chosen.candidate
                else "return the best match."
            ),
            f"Re-index {every} and whenever documents or examples change; no retraining is needed. "
            "Changing the "
            "embedding model means re-embedding everything.",
            f"Re-run the spec after each change of corpus or encoder ({verify}).",
        ]
    elif a.key == "prompt":
        steps = [
            f"Pin the pretrained model ({_base_model(ctx, chosen)}) and keep "
            "the prompt or label descriptions under version control.",
            f"Check the privacy constraint ({fmt.code(str(spec.constraints.privacy))}) before any request "
            "leaves the premises.",
            f"Evaluate every prompt change with the spec before shipping it ({verify}).",
        ]
    else:
        steps = [
            f"Train {chosen.candidate} on {data}{sha} with the run's configuration ({_params(chosen)}); "
            f"the measured fit took {retrain}.",
            f"Serve it on {gpu} ({fmt.fmt_mb(chosen.size_bytes)} MB).",
            f"Refit {every}, or when a monitoring signal fires ({verify} to check the decision still holds).",
            "Revisit fine-tuning or retrieval when the labelled data grows: re-run the spec with them "
            "included.",
        ]
    signals = monitoring_signals(ctx)
    if signals:
        steps.append("Watch: " + "; ".join(signals) + ".")
    return [f"{i}. {s}" for i, s in enumerate(steps, 1)]


def _params(m: Measurement) -> str:
    tuning = m.details.get("tuning")
    params = tuning.get("params") if isinstance(tuning, dict) else None
    if not params:
        keep = ("C", "k", "index_kind", "encoder", "epochs", "learning_rate", "lora_r", "top_k")
        params = {k: m.details[k] for k in keep if k in m.details}
    if not params:
        return "its defaults"
    return "configuration " + fmt.code(", ".join(f"{k}={v}" for k, v in params.items()))


def _base_model(ctx: Context, m: Measurement) -> str:
    """The pretrained model the option starts from: the generator for QA generation and LoRA, else the
    sentence encoder."""
    models = ctx.spec.models
    if ctx.record.task.kind is TaskKind.QA and (m.family is Family.PROMPT or m.candidate.startswith("lora")):
        return fmt.code(models.generator_path) if models.generator_path else "the pinned generator model"
    return fmt.code(models.encoder_path or "all-MiniLM-L6-v2 (the default encoder)")
