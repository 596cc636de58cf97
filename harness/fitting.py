"""One trial's work: tune a candidate on the CV folds, fit the chosen configuration, choose a threshold on
dev, refit on train + dev where the family can, and score it on test (and on the rolling window).

Executors call `fit_and_score` (in a worker process, on a Ray node or in the harness's own process); the
runner calls it again for further seeds. A candidate that raises becomes a `failed` measurement with its
reason.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import events as ev
from harness.errors import CandidateTimeout, RunCancelled, one_line
from harness.results import Measurement
from harness.spec import DecisionSpec


@dataclass
class Fitted:
    """A fitted candidate and what the evidence steps need from its fit: the model scored on test, the same
    configuration fitted on train only (dev unseen; the same object when there was no refit), and the dev
    and test predictions."""

    model: Any
    dev_model: Any
    test_preds: Any
    dev_preds: Any = None


@dataclass
class _Trial:
    """One trial's fixed inputs, shared by its steps."""

    name: str
    splits: Any
    spec: DecisionSpec
    metric: str
    protocol: Any
    seed: int
    cancel: threading.Event
    emit: Callable[[ev.Event], None]

    def progress(self, phase: str) -> Callable[[float, str], None]:
        def report(fraction: float, message: str = "") -> None:
            self.emit(ev.CandidateProgress(self.name, phase, fraction, message))

        return report


@dataclass
class _Fit:
    """What fitting produced: the model to score (refitted on train + dev where the family can), the model
    fitted on train only, its dev predictions, the binary threshold chosen on dev, and the search's result."""

    model: Any
    dev_model: Any
    dev_preds: Any
    threshold: float | None
    outcome: Any = None
    refit: dict[str, Any] | None = None


def fit_and_score(
    candidate: Any,
    splits: Any,
    spec: DecisionSpec,
    metric: str,
    protocol: Any,
    folds: list[Any] | None,
    cancel: threading.Event,
    emit: Callable[[ev.Event], None],
    *,
    seed: int | None = None,
) -> tuple[Measurement, Fitted | None]:
    """Tune (on the CV folds; `folds` None = fit once), fit the chosen configuration on train, choose a
    binary threshold on dev, refit on train + dev where the family can, score it on test. Returns the
    measurement and the fitted model with its predictions (None when it failed)."""
    from harness.measure.measurement import score_candidate

    seed = spec.seed if seed is None else seed
    trial = _Trial(candidate.name, splits, spec, metric, protocol, seed, cancel, emit)
    t0 = time.perf_counter()
    try:
        fit = _fit(trial, candidate, folds)
    except RunCancelled:
        raise
    except CandidateTimeout as exc:
        why = f"{one_line(exc)} ({spec.candidates.time_budget_s:g} s)"
        return failed_measurement(candidate, "timed_out", why), None
    except Exception as exc:
        return failed_measurement(candidate, "failed", f"fit failed: {one_line(exc)}"), None
    train_time_s = time.perf_counter() - t0
    if cancel.is_set():
        raise RunCancelled(f"{trial.name}: cancelled")
    keep: dict[str, Any] = {}
    try:
        m = score_candidate(
            fit.model,
            splits.test,
            metric=metric,
            spec=spec,
            seed=seed,
            on_progress=trial.progress("measure"),
            threshold=fit.threshold,
            keep=keep,
        )
    except RunCancelled:
        raise
    except Exception as exc:
        return failed_measurement(fit.model, "failed", f"measurement failed: {one_line(exc)}"), None
    shared = float(getattr(fit.model, "shared_work_s_", 0.0))  # e.g. embeddings other candidates reuse
    m.train_time_s = max(train_time_s - shared, 0.0)
    if shared:
        m.details["shared_work_s"] = round(shared, 2)
    m.train_rows = len(splits.train)
    if fit.outcome is not None:
        m.details["tuning"] = fit.outcome.as_dict()
    if fit.refit:
        m.details["refit"] = fit.refit
    rolling = getattr(splits, "rolling", None)
    if rolling is not None and m.ok:  # beside the golden file: the latest window, scored the same way
        m.details["rolling"] = _rolling(trial, fit, rolling)
    return m, Fitted(fit.model, fit.dev_model, keep.get("test"), fit.dev_preds)


def _fit(trial: _Trial, candidate: Any, folds: list[Any] | None) -> _Fit:
    """Search (when there are folds), fit on train, choose the threshold on dev, refit on train + dev."""
    from harness.candidates.base import TrainingHooks
    from harness.measure.quality import METRIC_FUNCTIONS
    from harness.measure.threshold import choose_threshold

    splits, spec = trial.splits, trial.spec
    deadline = time.monotonic() + spec.candidates.time_budget_s
    hooks = TrainingHooks(deadline=deadline, cancel=trial.cancel, on_progress=trial.progress("fit"))
    candidate.hooks = hooks
    outcome = None
    if folds is not None and trial.metric in METRIC_FUNCTIONS:
        outcome = _search(trial, candidate, folds, deadline)
        candidate = _create(trial, outcome.params)
        candidate.hooks = hooks
    candidate.fit(splits.train, splits.dev)
    dev_preds = _dev_predictions(candidate, splits)
    threshold = choose_threshold(splits.train.task, splits.dev.y, dev_preds, trial.metric)
    fit = _Fit(candidate, candidate, dev_preds, threshold, outcome)
    if folds is not None and hasattr(candidate, "refit_params"):
        fit.model, fit.refit = _refit_on_train_and_dev(candidate, splits, spec, trial.seed, outcome, hooks)
    return fit


def _create(trial: _Trial, params: dict[str, Any]) -> Any:
    from harness.candidates import registry

    return registry.create(trial.name, seed=trial.seed, spec=trial.spec, params=params)


def _search(trial: _Trial, candidate: Any, folds: list[Any], deadline: float) -> Any:
    """The family's Optuna search on the CV folds (harness.tuning), within the trial's time budget."""
    from harness.candidates.base import TrainingHooks
    from harness.measure.measurement import predict_in_batches
    from harness.measure.quality import score
    from harness.tuning import tune

    metric, protocol = trial.metric, trial.protocol
    search_space = getattr(type(candidate), "search_space", None)
    if search_space is not None and "task" in inspect.signature(search_space).parameters:
        search_space = functools.partial(search_space, task=trial.splits.train.task)  # a task-dependent space

    def fold_score(model: Any, rows: Any) -> float:
        preds = predict_in_batches(model, rows)
        return score(rows.task, rows.y, preds, [], seed=0, n_boot=0, optimizing=metric)[metric].value

    report = trial.progress("fit")
    return tune(
        trial.name,
        lambda params: _create(trial, params),
        search_space,
        trial.splits.train,
        trial.splits.dev,
        folds,
        metric=metric,
        score=fold_score,
        protocol=protocol,
        seed=trial.seed,
        hooks=TrainingHooks(deadline=deadline, cancel=trial.cancel, on_progress=None),
        presets=list(getattr(type(candidate), "presets", lambda: [])()),
        on_trial=lambda i, message: report(min(0.9, i / max(protocol.tuning_trials, 1)), message),
    )


def _rolling(trial: _Trial, fit: _Fit, rolling: Any) -> dict[str, Any]:
    """The latest window's score beside the golden file's; an error is said, the golden result stands."""
    from harness.measure.measurement import predict_in_batches
    from harness.measure.quality import score

    try:
        preds = predict_in_batches(fit.model, rolling)
        values = score(
            rolling.task,
            rolling.y,
            preds,
            [],
            seed=trial.seed,
            optimizing=trial.metric,
            threshold=fit.threshold,
        )
    except Exception as exc:
        return {"rows": len(rolling), "error": one_line(exc)}
    v = values[trial.metric]
    return {"rows": len(rolling), "value": v.value, "low": v.ci_low, "high": v.ci_high}


def _dev_predictions(candidate: Any, splits: Any) -> Any:
    """The train-only model's predictions on dev (thresholds, calibrators, importance); None for QA or
    when dev is empty or predicting fails (the evidence then says what it could not measure)."""
    from harness.data import kind_of
    from harness.measure.measurement import predict_in_batches

    if len(splits.dev) == 0 or not kind_of(splits.dev.task).scores_dev:
        return None
    try:
        return predict_in_batches(candidate, splits.dev)
    except Exception:
        return None


def _refit_on_train_and_dev(
    candidate: Any, splits: Any, spec: DecisionSpec, seed: int, outcome: Any, hooks: Any
) -> tuple[Any, dict[str, Any]]:
    """The chosen configuration refitted on every non-test labelled row (train + dev), with the training
    length early stopping chose on dev scaled to the extra rows — dev has done its job (early stopping,
    tuning) and its rows are worth having in the model that ships. The test rows are still untouched."""
    from harness.candidates import registry
    from harness.protocol import merge

    share = len(splits.dev) / max(len(splits.train), 1)
    fixed = candidate.refit_params(share)
    params = {**(outcome.params if outcome is not None else {}), **fixed}
    full: Any = registry.create(candidate.name, seed=seed, spec=spec, params=params)  # has refit_params
    full.hooks = hooks
    full.fit(merge(splits.train, splits.dev, "train+dev"), splits.dev)
    return full, {"rows": len(splits.train) + len(splits.dev), "fixed": fixed}


def failed_measurement(candidate: Any, status: str, reason: str) -> Measurement:
    return Measurement(
        candidate=candidate.name,
        family=candidate.family,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        skills=list(getattr(candidate, "skills", ())),
        interpretable=bool(getattr(candidate, "interpretable", False)),
        complexity=int(getattr(candidate, "complexity", 3)),
        requires_gpu=bool(getattr(candidate, "requires_gpu", False)),
    )


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
