"""Orchestration: the only module that knows the order of the steps.

spec → data → audit → split (+ contamination audit) → each candidate: fit, measure → decide → record → ADR.
Each candidate is isolated: an exception becomes a `failed` measurement with its reason and the run goes on;
the time budget is enforced through the candidate's training hooks. Progress leaves as `Event`s only.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import events as ev
from harness.decide import decide
from harness.errors import InputError, RunCancelled, one_line
from harness.fitting import Fitted, failed_measurement
from harness.plan import plan_for_run, plan_record
from harness.publish import write_adr_or_keep, write_record_or_keep
from harness.results import Decision, Measurement
from harness.spec import DecisionSpec
from harness.trials import interruptible, run_trial, trial_machinery


@dataclass
class RunOptions:
    data_path: Path | None = None  # overrides spec.data.path
    runs_dir: Path = Path("runs")
    adr_dir: Path = Path("adr")
    write_adr: bool = True
    command: str | None = None  # the exact invocation, for the reproducibility block
    adr_status: str = "proposed"
    executor: str = "local"  # local: each trial in a worker process, bounded from outside; inline: here
    memory_mb: float | None = None  # local executor: kill a trial whose worker exceeds this resident memory
    resume: str | None = None  # run id of an interrupted run: its finished trials are kept, the rest run
    address: str | None = None  # ray executor: "auto", "ray://HOST:PORT"; None starts a local Ray
    workers: int | None = None  # local executor: trials at once; None: what the machine allows
    replay_trials: dict[str, int] | None = None  # candidate → tuning trials, time limit lifted (verify)
    mlflow: str | None = None  # --mlflow: tracking URI or folder ("": mlruns/ beside runs_dir); None: spec's
    supersede_same: bool = True  # the ADR supersedes one in force for the same spec/title


@dataclass
class RunResult:
    run_id: str
    spec: DecisionSpec
    record: Any  # harness.record.RunRecord
    measurements: list[Measurement]
    decision: Decision | None
    findings: list[Any]
    record_path: Path
    adr_path: Path | None = None
    cancelled: bool = False
    timings: dict[str, float] = field(default_factory=dict)


class _Steps:
    """Times the steps and emits StepStarted/StepFinished."""

    def __init__(self, emit: Callable[[ev.Event], None]) -> None:
        self.emit = emit
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[None]:
        self.emit(ev.StepStarted(name, detail))
        t0 = time.perf_counter()
        yield  # a step that raises is not "finished": no StepFinished, the error speaks for itself
        seconds = time.perf_counter() - t0
        self.timings[name] = self.timings.get(name, 0.0) + seconds
        self.emit(ev.StepFinished(name, seconds))


@dataclass
class _Run:
    """What every phase of one run shares."""

    spec: DecisionSpec
    options: RunOptions
    emit: Callable[[ev.Event], None]
    steps: _Steps
    cancel: threading.Event
    run_id: str


def run(
    spec: DecisionSpec,
    *,
    options: RunOptions | None = None,
    on_event: ev.EventSink | None = None,
    cancel: threading.Event | None = None,
) -> RunResult:
    """Run one decision end to end. Bad input (an output folder that cannot be written included) raises
    `InputError` (or `BlockedByAudit`) before any training and any write. After training the record is written
    first, then the ADR; when either write fails, `OutputError` says where the finished results were kept. A
    run in which no candidate finished writes its record but no ADR."""
    from harness import record as rec
    from harness.outputs import check_run_outputs

    options = options or RunOptions()
    emit: Callable[[ev.Event], None] = on_event or (lambda _e: None)
    r = _Run(
        spec, options, emit, _Steps(emit), cancel or threading.Event(), options.resume or rec.new_run_id()
    )
    t_start = time.perf_counter()

    # ---- everything that can reject the input, before any training -------------------------------------
    check_run_outputs(options.runs_dir, options.adr_dir if options.write_adr else None)
    prepared, findings, splits = _inputs(r)
    task = prepared.task
    metric = spec.metric_for(task.kind)
    candidates, skipped = _select(spec, task)
    emit(ev.RunStarted(r.run_id, spec.title, tuple(c.name for c in candidates)))
    protocol, folds, full_protocol = _protocol(r, prepared, splits)

    # ---- candidates: tune, fit and score, each isolated; then time them together ------------------------
    executor, log = trial_machinery(spec, splits, metric, protocol, folds, full_protocol, r.run_id, options)
    plan = plan_for_run(spec, prepared, candidates, protocol, options, emit)  # good input: plan, then train
    measurements: list[Measurement] = [failed_measurement(c, "skipped", why) for c, why in skipped]
    fitted, cancelled = _candidates(r, candidates, executor, log, measurements)
    if fitted and not cancelled:
        _time(r, fitted, splits)

    # ---- the decision and what it rests on -----------------------------------------------------------------
    names = [c.name for c in candidates]
    decision, evidence, seed_runs = _decide(
        r, measurements, fitted, names, splits, metric, protocol, folds, (executor, log), cancelled
    )
    fitted.clear()
    gc.collect()

    record = rec.build_record(
        run_id=r.run_id,
        spec=spec,
        prepared=prepared,
        splits=splits,
        findings=findings,
        measurements=measurements,
        decision=decision,
        command=options.command or rec.command_line(),
        timings=r.steps.timings,
        cancelled=cancelled,
    )
    record.protocol = _protocol_facts(protocol, full_protocol, executor.name, options)
    record.seed_runs, record.evidence = seed_runs, evidence
    record.plan = plan_record(plan, spec, record, options.adr_dir) if plan is not None else record.plan
    record_path, adr_path = _publish(r, record, finished=any(m.ok for m in measurements), cancelled=cancelled)
    seconds = time.perf_counter() - t_start
    emit(ev.RunFinished(r.run_id, str(record_path), str(adr_path) if adr_path else None, seconds, cancelled))
    return RunResult(
        run_id=r.run_id,
        spec=spec,
        record=record,
        measurements=measurements,
        decision=decision,
        findings=findings,
        record_path=record_path,
        adr_path=adr_path,
        cancelled=cancelled,
        timings=dict(r.steps.timings),
    )


def _select(spec: DecisionSpec, task: Any) -> tuple[list[Any], list[tuple[Any, str]]]:
    """The candidates that apply to the task under the spec's include/exclude, and those skipped, why."""
    from harness.candidates import registry

    candidates, skipped = registry.select_with_skipped(spec, task)
    if not candidates:
        raise InputError(
            "no candidate applies to this task with the spec's include/exclude",
            where="[candidates]",
            fix="widen candidates.include or remove entries from candidates.exclude",
        )
    return candidates, skipped


def _decide(
    r: _Run,
    measurements: list[Measurement],
    fitted: dict[str, tuple[Fitted, Measurement]],
    names: list[str],
    splits: Any,
    metric: str,
    protocol: Any,
    folds: list[Any],
    trials: tuple[Any, Any],  # (executor, trial log): further seeds run as trials too
    cancelled: bool,
) -> tuple[Decision | None, Any, list[dict[str, Any]]]:
    """The decision, the evidence beside it, and the selection repeated with each further seed."""
    with r.steps.step("decide"):
        decision = decide(measurements, r.spec, metric=metric) if measurements else None
    evidence = None
    if decision is not None and fitted and not cancelled:
        with r.steps.step(
            "evidence", "slices, calibration, failure modes, flips, robustness, learning curves"
        ):
            evidence = _evidence(
                fitted, measurements, decision, splits, r.spec, metric, folds, r.steps.timings, r.emit
            )
    seed_runs: list[dict[str, Any]] = []
    if decision is not None and len(protocol.seeds) > 1 and not cancelled:
        fitted.clear()  # the first seed's models are done with: free them before training more
        gc.collect()
        with r.steps.step("seeds", f"selection repeated with {len(protocol.seeds) - 1} more seed(s)"):
            seed_runs = _other_seeds(decision, measurements, names, metric, protocol, *trials, r)
    if decision is not None:
        r.emit(ev.DecisionMade(decision))
    return decision, evidence, seed_runs


def _protocol_facts(protocol: Any, folds_used: bool, executor: str, options: RunOptions) -> dict[str, Any]:
    """The protocol as the record keeps it: as fixed, in words, and where the trials ran."""
    facts = {
        **asdict(protocol),
        "lines": protocol.describe(),
        "folds_used": folds_used,
        "executor": executor,  # where the trials ran (latency is always timed here, `timed_on`)
    }
    if options.replay_trials:
        facts["replayed_trials"] = dict(options.replay_trials)
    return facts


def _inputs(r: _Run) -> tuple[Any, list[Any], Any]:
    """Load and validate the data, audit it and split it; a blocking finding stops the run here."""
    from harness import audit, data
    from harness.measure.judge import validate_models

    emit, spec = r.emit, r.spec
    with r.steps.step("data", "load and validate"):
        prepared = data.prepare(spec, r.options.data_path)
        emit(ev.Log(f"{prepared.df.height:,} rows × {prepared.df.width} columns; task {prepared.task.kind}"))
        for note in prepared.notes:
            emit(ev.Log(note))
        validate_models(spec)  # [models] judge_path: a model folder of another family than the generator
    with r.steps.step("audit", "duplicates, leakage, conflicts, coverage"):
        findings, splits = audit_and_split(prepared, spec)
        for finding in findings:
            emit(ev.FindingRaised(finding))
        columns = (prepared.delivered if prepared.delivered is not None else prepared.df).columns
        for note in audit.check_acknowledged(findings, spec, columns=columns):
            emit(ev.Log(note, level="warning"))
        audit.check_blocking(findings, spec)
    for note in splits.notes:
        emit(ev.Log(note))
    return prepared, findings, splits


def _protocol(r: _Run, prepared: Any, splits: Any) -> tuple[Any, list[Any], bool]:
    """The evaluation protocol, fixed before anything trains: (protocol, CV folds, whether folds are used)."""
    from harness.data import kind_of
    from harness.evidence import check_options
    from harness.protocol import cv_folds, fix_protocol

    spec, task = r.spec, prepared.task
    golden = prepared.golden_path.name if prepared.golden_path is not None else None
    protocol = fix_protocol(spec, splits, golden=golden)
    full_protocol = kind_of(task).tuned  # tables: tuned on CV folds; text and QA: fitted once
    folds = cv_folds(splits.train, protocol, seed=spec.seed) if full_protocol else []
    for line in protocol.describe():
        r.emit(ev.Log(f"protocol: {line}"))
    check_options(spec, list(prepared.df.columns), list(task.numeric_columns))
    if not full_protocol:
        r.emit(
            ev.Log(
                "protocol: text and QA families are fitted once on train (early stopping on dev), not tuned"
            )
        )
    return protocol, folds, full_protocol


def _candidates(
    r: _Run, candidates: list[Any], executor: Any, log: Any, measurements: list[Measurement]
) -> tuple[dict[str, tuple[Fitted, Measurement]], bool]:
    """Every candidate's trial, in registry order, appended to `measurements`; (fitted models, cancelled)."""
    spec, emit = r.spec, r.emit
    fitted: dict[str, tuple[Fitted, Measurement]] = {}
    cancelled = False
    gpus = executor.gpus_available()
    if hasattr(executor, "prefetch"):  # a cluster or a worker pool runs the missing trials side by side
        runnable = [c for c in candidates if not (getattr(c, "requires_gpu", False) and not gpus)]
        executor.prefetch([c.name for c in runnable if not log.has(c.name, spec.seed)], spec.seed)
    with r.steps.step("candidates", f"{len(candidates)} candidates"), interruptible(executor, log, r.run_id):
        for candidate in candidates:
            if r.cancel.is_set():
                cancelled = True
                break
            emit(ev.CandidateStarted(candidate.name, str(candidate.family)))
            if getattr(candidate, "requires_gpu", False) and not gpus:
                where = "the cluster" if executor.name == "ray" else "this host"
                m = failed_measurement(candidate, "skipped", f"needs a CUDA GPU and {where} has none")
                measurements.append(m)
                emit(ev.CandidateFinished(candidate.name, m))
                continue
            try:
                m, model = run_trial(executor, log, candidate.name, spec.seed, emit, r.cancel)
            except RunCancelled:
                cancelled, model = True, None
                m = failed_measurement(candidate, "cancelled", "cancelled by the user before it finished")
            measurements.append(m)
            if model is not None:
                fitted[candidate.name] = (model, m)
            emit(ev.CandidateFinished(candidate.name, m))
            del candidate
            gc.collect()
            if cancelled:
                break
    return fitted, cancelled


def _time(r: _Run, fitted: dict[str, tuple[Fitted, Measurement]], splits: Any) -> None:
    """Latency of every fitted model in interleaved rounds, here, once no trial is training."""
    from harness.measure.measurement import time_candidates

    with r.steps.step("timing", f"latency of {len(fitted)} candidates in interleaved rounds"):
        try:
            time_candidates({n: (f.model, m) for n, (f, m) in fitted.items()}, splits.test, spec=r.spec)
        except Exception as exc:  # timing failed for every candidate: record it, keep the scores
            for _model, m in fitted.values():
                m.details["timing_error"] = one_line(exc)
            r.emit(ev.Log(f"timing failed: {one_line(exc)}", level="warning"))


def _publish(r: _Run, record: Any, *, finished: bool, cancelled: bool) -> tuple[Path, Path | None]:
    """The record first, then the ADR that cites it (each written atomically), then MLflow when asked.
    Nothing finished, or cancelled: the record says why and there is no ADR."""
    from harness import record as rec
    from harness.tracking import log_to_mlflow, run_uri

    options, emit = r.options, r.emit
    record.timings = dict(r.steps.timings)
    record_path = write_record_or_keep(record, options.runs_dir)
    adr_path: Path | None = None
    if options.write_adr and record.decision is not None and not cancelled and finished:
        with r.steps.step("adr", "write the decision record"):
            adr_path = write_adr_or_keep(
                record,
                options.adr_dir,
                options.adr_status,
                record_path,
                on_warning=lambda message: emit(ev.Log(message, level="warning")),
                supersede_same=options.supersede_same,
                on_note=lambda message: emit(ev.Log(message)),
            )
            record.adr_path = str(adr_path)
            emit(ev.AdrWritten(str(adr_path)))
        record.timings = dict(r.steps.timings)
        try:
            rec.write_record(record, options.runs_dir)  # again, now naming its ADR
        except OSError as exc:
            emit(
                ev.Log(f"the run record could not be updated with the ADR's path: {one_line(exc)}", "warning")
            )
    if (mlflow_uri := run_uri(options.mlflow, r.spec, options.runs_dir)) is not None:  # a failure: a warning
        log_to_mlflow(mlflow_uri, record, record_path, adr_path, emit=emit)
    return record_path, adr_path


def audit_and_split(prepared: Any, spec: DecisionSpec) -> tuple[list[Any], Any]:
    """The data audit and the split, in the order a run does them (also `harness audit`'s whole job).

    The table is audited as delivered — before `drop_columns` / `dedupe` — so the record says what was fixed
    and how; contamination is measured on the actual splits. Returns (findings, splits); blocking is the
    caller's decision (`audit.check_blocking`)."""
    from harness import audit, data

    task = prepared.task
    kind = data.kind_of(task)
    delivered = prepared.df
    if prepared.delivered is not None and kind.audits_delivered:
        delivered = prepared.delivered
    findings = list(audit.audit_table(delivered, task, spec))
    splits = data.make_splits(prepared.df, task, spec, n_golden=prepared.golden_rows)
    if kind.has_corpus:  # paraphrases, conflicting answers, answers no document supports
        corpus = splits.train.extra.get("corpus")
        findings += audit.audit_qa(
            prepared.df,
            spec.data.question_column or "question",
            spec.data.answer_column or "answer",
            corpus=list(corpus.texts) if corpus is not None else None,
            spec=spec,
        )
        findings = list({f.code: f for f in findings}.values())  # the QA audit refines the table's
    findings += audit.audit_splits(splits.train, splits.test, task, spec)
    return findings, splits


def _other_seeds(
    decision: Decision,
    measurements: list[Measurement],
    names: list[str],
    metric: str,
    protocol: Any,
    executor: Any,
    log: Any,
    r: _Run,
) -> list[dict[str, Any]]:
    """Repeat tuning, fitting, scoring and the decision with each further seed (model seeds, CV folds and the
    test resamples change; the split and the test rows do not), as trials on the run's executor: a worker
    pool or a cluster runs them side by side, and the trial log keeps them for a resume. Serving figures
    (latency, throughput, cost, size) are the first seed's: a seed does not change how fast a model family
    serves. Returns one summary per seed, the first included."""
    spec, cancel = r.spec, r.cancel
    by_name = {m.candidate: m for m in measurements}
    again_names = [n for n in names if n in by_name and by_name[n].ok]
    if hasattr(executor, "prefetch"):
        for seed in protocol.seeds[1:]:
            executor.prefetch([n for n in again_names if not log.has(n, seed)], seed)
    runs = [_seed_summary(protocol.seeds[0], decision, measurements, metric)]
    with interruptible(executor, log, r.run_id):
        for seed in protocol.seeds[1:]:
            again: list[Measurement] = []
            for name in again_names:
                if cancel.is_set():
                    break
                r.emit(ev.Log(f"seed {seed}: {name}"))
                m, _model = run_trial(executor, log, name, seed, lambda _e: None, cancel)
                first = by_name[name]
                if m.ok:
                    m.latency, m.throughput_rows_per_s = first.latency, first.throughput_rows_per_s
                    m.cost_usd_per_1k, m.batch_size = first.cost_usd_per_1k, first.batch_size
                again.append(m)
                del _model
                gc.collect()
            if cancel.is_set():
                break
            runs.append(_seed_summary(seed, decide(again, spec, metric=metric), again, metric))
    return runs


def _evidence(
    fitted: dict[str, tuple[Fitted, Measurement]],
    measurements: list[Measurement],
    decision: Decision,
    splits: Any,
    spec: DecisionSpec,
    metric: str,
    folds: list[Any],
    timings: dict[str, float],
    emit: Callable[[ev.Event], None],
) -> Any:
    """Measure the evidence the ADR shows beside the decision (harness.evidence), within its time budget."""
    from harness.evidence import EvidenceContext, collect, default_budget

    ctx = EvidenceContext(
        spec=spec,
        metric=metric,
        train=splits.train,
        dev=splits.dev,
        test=splits.test,
        decision=decision,
        measurements={m.candidate: m for m in measurements if m.ok},
        models={n: f.model for n, (f, _m) in fitted.items()},
        dev_models={n: f.dev_model for n, (f, _m) in fitted.items()},
        test_preds={n: f.test_preds for n, (f, _m) in fitted.items() if f.test_preds is not None},
        dev_preds={n: f.dev_preds for n, (f, _m) in fitted.items() if f.dev_preds is not None},
        folds=folds or None,
        strategy=str(splits.strategy),
        seed=spec.seed,
    )
    budget = default_budget(spec, timings.get("candidates", 0.0))
    return collect(ctx, budget_s=budget, on_step=lambda name: emit(ev.Log(f"evidence: {name}")))


def _seed_summary(seed: int, decision: Decision, ms: list[Measurement], metric: str) -> dict[str, Any]:
    return {
        "seed": seed,
        "recommended": decision.recommended,
        "justified": decision.justified,
        "scores": {
            m.candidate: round(m.metrics[metric].value, 6) for m in ms if m.ok and metric in m.metrics
        },
    }
