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
    from harness.candidates import registry
    from harness.candidates.base import TrainingHooks
    from harness.measure.measurement import predict_in_batches, score_candidate
    from harness.measure.quality import METRIC_FUNCTIONS, score
    from harness.measure.threshold import choose_threshold
    from harness.tuning import tune

    name = candidate.name
    seed = spec.seed if seed is None else seed

    def progress(phase: str) -> Callable[[float, str], None]:
        def report(fraction: float, message: str = "") -> None:
            emit(ev.CandidateProgress(name, phase, fraction, message))

        return report

    hooks = TrainingHooks(
        deadline=time.monotonic() + spec.candidates.time_budget_s, cancel=cancel, on_progress=progress("fit")
    )
    candidate.hooks = hooks
    refit: dict[str, Any] | None = None
    search_space = getattr(type(candidate), "search_space", None)
    if search_space is not None and "task" in inspect.signature(search_space).parameters:
        search_space = functools.partial(search_space, task=splits.train.task)  # a task-dependent space
    outcome = None
    t0 = time.perf_counter()
    try:
        if folds is not None and metric in METRIC_FUNCTIONS:

            def fold_score(model: Any, rows: Any) -> float:
                preds = predict_in_batches(model, rows)
                return score(rows.task, rows.y, preds, [], seed=0, n_boot=0, optimizing=metric)[metric].value

            def factory(params: dict[str, Any]) -> Any:
                return registry.create(name, seed=seed, spec=spec, params=params)

            tuning_hooks = TrainingHooks(deadline=hooks.deadline, cancel=cancel, on_progress=None)
            outcome = tune(
                name,
                factory,
                search_space,
                splits.train,
                splits.dev,
                folds,
                metric=metric,
                score=fold_score,
                protocol=protocol,
                seed=seed,
                hooks=tuning_hooks,
                presets=list(getattr(type(candidate), "presets", lambda: [])()),
                on_trial=lambda i, message: progress("fit")(
                    min(0.9, i / max(protocol.tuning_trials, 1)), message
                ),
            )
            candidate = registry.create(name, seed=seed, spec=spec, params=outcome.params)
            candidate.hooks = hooks
        candidate.fit(splits.train, splits.dev)
        dev_model = candidate
        dev_preds = _dev_predictions(candidate, splits)
        threshold = choose_threshold(splits.train.task, splits.dev.y, dev_preds, metric)
        if folds is not None and hasattr(candidate, "refit_params"):
            candidate, refit = _refit_on_train_and_dev(candidate, splits, spec, seed, outcome, hooks)
    except RunCancelled:
        raise
    except CandidateTimeout as exc:
        return failed_measurement(
            candidate, "timed_out", f"{one_line(exc)} ({spec.candidates.time_budget_s:g} s)"
        ), None
    except Exception as exc:
        return failed_measurement(candidate, "failed", f"fit failed: {one_line(exc)}"), None
    train_time_s = time.perf_counter() - t0
    if cancel.is_set():
        raise RunCancelled(f"{name}: cancelled")
    keep: dict[str, Any] = {}
    try:
        m = score_candidate(
            candidate,
            splits.test,
            metric=metric,
            spec=spec,
            seed=seed,
            on_progress=progress("measure"),
            threshold=threshold,
            keep=keep,
        )
    except RunCancelled:
        raise
    except Exception as exc:
        return failed_measurement(candidate, "failed", f"measurement failed: {one_line(exc)}"), None
    shared = float(getattr(candidate, "shared_work_s_", 0.0))  # e.g. embeddings other candidates reuse
    m.train_time_s = max(train_time_s - shared, 0.0)
    if shared:
        m.details["shared_work_s"] = round(shared, 2)
    m.train_rows = len(splits.train)
    if outcome is not None:
        m.details["tuning"] = outcome.as_dict()
    if refit:
        m.details["refit"] = refit
    rolling = getattr(splits, "rolling", None)
    if rolling is not None and m.ok:  # beside the golden file: the latest window, scored the same way
        try:
            preds = predict_in_batches(candidate, rolling)
            value = score(
                rolling.task, rolling.y, preds, [], seed=seed, optimizing=metric, threshold=threshold
            )
            v = value[metric]
            m.details["rolling"] = {
                "rows": len(rolling),
                "value": v.value,
                "low": v.ci_low,
                "high": v.ci_high,
            }
        except Exception as exc:  # the golden result stands; say why the rolling one is missing
            m.details["rolling"] = {"rows": len(rolling), "error": one_line(exc)}
    return m, Fitted(candidate, dev_model, keep.get("test"), dev_preds)


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
