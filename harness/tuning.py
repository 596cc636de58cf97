"""Every family at its reasonable best, under the same budget: a seeded Optuna search scored on CV folds.

Each tunable family declares `search_space(trial) -> params` in its own file; its defaults (the constructor's)
are always trial 0, so the chosen configuration is never worse than the defaults on the folds it was chosen
on. Trials are scored on the protocol's cross-validation folds of the training rows (early stopping on dev),
never on test; a median pruner stops a trial whose running fold mean trails the others. Every family gets the
same budget: `tuning_trials` trials or `tuning_time_s` seconds, whichever comes first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.candidates.base import TrainingHooks
from harness.dataset import Split
from harness.errors import CandidateTimeout, RunCancelled
from harness.measure.catalog import METRICS
from harness.protocol import EvaluationProtocol, subset

Factory = Callable[[dict[str, Any]], Any]  # params -> unfitted candidate
ScoreFn = Callable[[Any, Split], float]  # fitted candidate, scored split -> metric value


@dataclass
class TuningOutcome:
    """What the search did and found, for the record and the ADR."""

    params: dict[str, Any]  # the chosen configuration (the defaults when nothing beat them)
    default_params: dict[str, Any]
    default_cv: list[float]  # trial 0's score per fold (or [dev score] without CV)
    best_cv: list[float]  # the chosen configuration's score per fold
    n_trials: int = 1
    n_pruned: int = 0
    n_failed: int = 0
    seconds: float = 0.0
    stopped_by: str = "trials"  # trials | time | not tuned
    at_edge: list[str] = field(default_factory=list)  # chosen values on the edge of their search range
    fold_rows: tuple[int, int] = (0, 0)  # (fit rows, scored rows) of one fold, for the corrected t-test
    tuned: bool = True

    @property
    def default_score(self) -> float:
        return float(np.mean(self.default_cv))

    @property
    def best_score(self) -> float:
        return float(np.mean(self.best_cv))

    def as_dict(self) -> dict[str, Any]:
        return {
            "tuned": self.tuned,
            "params": _plain(self.params),
            "default_params": _plain(self.default_params),
            "default_cv": [round(v, 6) for v in self.default_cv],
            "best_cv": [round(v, 6) for v in self.best_cv],
            "n_trials": self.n_trials,
            "n_pruned": self.n_pruned,
            "n_failed": self.n_failed,
            "seconds": round(self.seconds, 2),
            "stopped_by": self.stopped_by,
            "at_edge": list(self.at_edge),
            "fold_rows": list(self.fold_rows),
        }


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in params.items()}


class _DefaultsTrial:
    """Stands in for an Optuna trial to read a family's defaults off its search space: every `suggest_*`
    returns the default instance's attribute of that name, so defaults are declared once (the constructor)."""

    def __init__(self, default: Any) -> None:
        self.default = default
        self.params: dict[str, Any] = {}

    def _take(self, name: str, *_: Any, **__: Any) -> Any:
        value = getattr(self.default, name)
        self.params[name] = value
        return value

    suggest_float = suggest_int = suggest_categorical = _take


def default_params(search_space: Callable[[Any], dict[str, Any]], default: Any) -> dict[str, Any]:
    trial = _DefaultsTrial(default)
    search_space(trial)
    return trial.params


def evaluate(
    factory: Factory,
    params: dict[str, Any],
    train: Split,
    dev: Split,
    folds: list[tuple[np.ndarray, np.ndarray]],
    score: ScoreFn,
    hooks: TrainingHooks,
    report: Callable[[int, float], bool] | None = None,
) -> list[float]:
    """Fit `params` on each fold's fit rows (early stopping on dev) and score its held-out rows; without
    folds, fit on train and score on dev. `report(step, running_mean)` returning True stops (pruning)."""
    scores: list[float] = []
    plan = [(subset(train, a, "cv-fit"), subset(train, b, "cv-score")) for a, b in folds] or [(train, dev)]
    for i, (fit_rows, scored_rows) in enumerate(plan):
        candidate = factory(params)
        candidate.hooks = hooks
        candidate.fit(fit_rows, dev)
        scores.append(score(candidate, scored_rows))
        if report is not None and report(i, float(np.mean(scores))):
            break
    return scores


def tune(
    name: str,
    factory: Factory,
    search_space: Callable[[Any], dict[str, Any]] | None,
    train: Split,
    dev: Split,
    folds: list[tuple[np.ndarray, np.ndarray]],
    *,
    metric: str,
    score: ScoreFn,
    protocol: EvaluationProtocol,
    seed: int,
    hooks: TrainingHooks,
    on_trial: Callable[[int, str], None] | None = None,
    presets: list[dict[str, Any]] | None = None,
) -> TuningOutcome:
    """Search `search_space` (None: score the defaults only) and return the best configuration on the folds.

    Trial 0 (the defaults) always runs to the end; a failure there is the family's failure and propagates.
    `presets` (the family's known-good configurations) are the next trials, then TPE samples.
    Later trials that fail are counted and skipped. The search stops after `protocol.tuning_trials` trials or
    once `protocol.tuning_time_s` has passed (checked between trials)."""
    import optuna

    started = time.perf_counter()
    default = factory({})
    defaults = default_params(search_space, default) if search_space is not None else {}
    fold_rows = (len(folds[0][0]), len(folds[0][1])) if folds else (len(train), len(dev))
    note = on_trial or (lambda _i, _m: None)

    note(0, "trial 0: defaults")
    default_cv = evaluate(factory, defaults, train, dev, folds, score, hooks)
    outcome = TuningOutcome(
        params=dict(defaults),
        default_params=dict(defaults),
        default_cv=default_cv,
        best_cv=list(default_cv),
        fold_rows=fold_rows,
        tuned=search_space is not None and protocol.tuning_trials > 1,
        stopped_by="trials",
    )
    if not outcome.tuned:
        outcome.stopped_by = "not tuned"
        outcome.seconds = time.perf_counter() - started
        return outcome
    assert search_space is not None  # tuned implies a search space

    greater = METRICS[metric].greater_is_better
    study = _study(search_space, defaults, default_cv, greater=greater, seed=seed, presets=presets)
    per_trial: dict[int, list[float]] = {0: default_cv}

    def objective(trial: Any) -> float:

        params = search_space(trial)
        note(trial.number, f"trial {trial.number}/{protocol.tuning_trials - 1}")

        def report(step: int, running: float) -> bool:
            trial.report(running, step)
            return bool(trial.should_prune())

        scores = evaluate(factory, params, train, dev, folds, score, hooks, report)
        if len(scores) < max(1, len(folds)):
            raise optuna.TrialPruned()
        per_trial[trial.number] = scores
        return float(np.mean(scores))

    _search(
        study, objective, outcome, trials=protocol.tuning_trials, deadline=started + protocol.tuning_time_s
    )
    _keep_best(study, outcome, per_trial, defaults, greater=greater)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _distributions(search_space: Callable[[Any], dict[str, Any]], defaults: dict[str, Any]) -> dict[str, Any]:
    """The search space's Optuna distributions, read by running it once on a throwaway study."""
    import optuna

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    search_space(trial)
    return dict(trial.distributions)


def _at_edge(trial: Any, defaults: dict[str, Any]) -> list[str]:
    """Chosen numeric values within 2% of the range (on its scale) of a bound: the range may be too narrow."""
    import optuna

    out: list[str] = []
    for name, dist in trial.distributions.items():
        if not isinstance(
            dist, optuna.distributions.FloatDistribution | optuna.distributions.IntDistribution
        ):
            continue
        value = trial.params[name]
        if value == defaults.get(name):
            continue
        scale = math.log if getattr(dist, "log", False) else float
        low, high, v = scale(dist.low), scale(dist.high), scale(value)
        if high > low and min(v - low, high - v) <= 0.02 * (high - low):
            bound = "lower" if v - low <= high - v else "upper"
            out.append(f"{name} = {value:g} at the {bound} edge of [{dist.low:g}, {dist.high:g}]")
    return out


def _study(
    search_space: Callable[[Any], dict[str, Any]],
    defaults: dict[str, Any],
    default_cv: list[float],
    *,
    greater: bool,
    seed: int,
    presets: list[dict[str, Any]] | None,
) -> Any:
    """A seeded TPE study with a median pruner, told trial 0 (the defaults, already scored) so TPE and the
    pruner start from it, and the family's presets queued right after."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if greater else "minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0),
    )
    study.add_trial(
        optuna.trial.create_trial(
            params=defaults,
            distributions=_distributions(search_space, defaults),
            value=float(np.mean(default_cv)),
            intermediate_values={i: float(np.mean(default_cv[: i + 1])) for i in range(len(default_cv))},
        )
    )
    for preset in presets or []:  # known-good starting points, tried right after the defaults
        study.enqueue_trial(preset, skip_if_exists=True)
    return study


def _search(
    study: Any, objective: Callable[[Any], float], outcome: TuningOutcome, *, trials: int, deadline: float
) -> None:
    """Ask and tell up to `trials - 1` trials, stopping at the deadline (checked between trials). A pruned
    or failed configuration is counted and skipped; cancellation and the family's time budget propagate."""
    import optuna

    for _ in range(trials - 1):
        if time.perf_counter() >= deadline:
            outcome.stopped_by = "time"
            break
        trial = study.ask()
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            outcome.n_pruned += 1
            continue
        except (RunCancelled, CandidateTimeout):
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        except Exception:  # one configuration that cannot fit (e.g. a degenerate combination): try the next
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            outcome.n_failed += 1
            continue
        study.tell(trial, value if math.isfinite(value) else None)


def _keep_best(
    study: Any,
    outcome: TuningOutcome,
    per_trial: dict[int, list[float]],
    defaults: dict[str, Any],
    *,
    greater: bool,
) -> None:
    """The best complete trial on the fold mean; ties keep the defaults (a search never replaces them
    without a better fold mean)."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]

    def signed_value(t: optuna.trial.FrozenTrial) -> float:
        assert t.value is not None  # a complete trial has its value
        return t.value if greater else -t.value

    best = max(complete, key=signed_value)  # trial 0 is always complete
    if best.number != 0 and (best.value == complete[0].value):
        best = complete[0]
    outcome.n_trials = len(study.trials)
    outcome.params = dict(best.params)
    outcome.best_cv = per_trial.get(best.number, outcome.default_cv)
    outcome.at_edge = _at_edge(best, defaults) if best.number != 0 else []
