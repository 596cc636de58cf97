"""`harness.tuning.tune` with a planted optimum: a fake candidate predicting one constant, `level`.

On targets drawn around 0.7, the best constant is (close to) 0.7 and the constructor default, 0.2, is worse;
so a search that works must move away from the defaults towards 0.7, and never end below them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl
import pytest

from harness.candidates.base import BaseCandidate, TrainingHooks
from harness.dataset import Predictions, Split, Task
from harness.errors import RunCancelled
from harness.protocol import EvaluationProtocol, cv_folds
from harness.tuning import TuningOutcome, default_params, tune
from harness.types import Family, TaskKind

TASK = Task(TaskKind.REGRESSION, "y", ("x",), numeric_columns=("x",))
DEFAULT_LEVEL = 0.2
TARGET = 0.7
N_FOLDS = 3


class Constant(BaseCandidate):
    """Predicts `level` for every row. `log` records every fit attempt as (level, succeeded); `fails(level)`
    says which configurations raise in `fit`."""

    name: ClassVar[str] = "constant"
    family: ClassVar[Family] = Family.LINEAR

    def __init__(
        self,
        *,
        seed: int = 0,
        level: float = DEFAULT_LEVEL,
        log: list[tuple[float, bool]] | None = None,
        fails: Callable[[float], bool] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.level = level
        self.log = log if log is not None else []
        self.fails = fails

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        return {"level": trial.suggest_float("level", 0.0, 1.0)}

    def fit(self, train: Split, dev: Split) -> Self:
        if self.fails is not None and self.fails(self.level):
            self.log.append((self.level, False))
            raise ValueError(f"cannot fit level {self.level}")
        self.log.append((self.level, True))
        self.level_ = self.level
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        return Predictions(values=np.full(batch.height, self.level_))

    def size_bytes(self) -> int:
        return 8


def split(name: str, n: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    return Split(name, TASK, pl.DataFrame({"x": rng.normal(size=n)}), TARGET + rng.normal(0, 0.1, n))


TRAIN, DEV = split("train", 60, 1), split("dev", 20, 2)


def r2(candidate: Any, scored: Split) -> float:
    """Greater is better; maximal (≈ 0) at the mean of the scored rows."""
    pred = candidate.predict(scored.X).values
    return float(1 - np.sum((scored.y - pred) ** 2) / np.sum((scored.y - scored.y.mean()) ** 2))


def rmse(candidate: Any, scored: Split) -> float:
    pred = candidate.predict(scored.X).values
    return float(np.sqrt(np.mean((scored.y - pred) ** 2)))


def protocol(trials: int, seconds: float = 600.0) -> EvaluationProtocol:
    return EvaluationProtocol(
        strategy="random",
        test="a held-out split",
        n_train=len(TRAIN),
        n_dev=len(DEV),
        n_test=20,
        cv_folds=N_FOLDS,
        tuning_trials=trials,
        tuning_time_s=seconds,
        seeds=(0,),
    )


def run(
    trials: int,
    *,
    seconds: float = 600.0,
    metric: str = "r2",
    score: Callable[[Any, Split], float] = r2,
    seed: int = 0,
    fails: Callable[[float], bool] | None = None,
    log: list[tuple[float, bool]] | None = None,
    notes: list[tuple[int, str]] | None = None,
) -> TuningOutcome:
    p = protocol(trials, seconds)
    log = log if log is not None else []
    return tune(
        "constant",
        lambda params: Constant(log=log, fails=fails, **params),
        Constant.search_space,
        TRAIN,
        DEV,
        cv_folds(TRAIN, p, seed=seed),
        metric=metric,
        score=score,
        protocol=p,
        seed=seed,
        hooks=TrainingHooks(),
        on_trial=None if notes is None else lambda i, message: notes.append((i, message)),
    )


def test_default_params_are_read_off_the_constructor() -> None:
    assert default_params(Constant.search_space, Constant()) == {"level": DEFAULT_LEVEL}
    assert default_params(Constant.search_space, Constant(level=0.9)) == {"level": 0.9}


def test_trial_0_is_the_constructor_defaults() -> None:
    log: list[tuple[float, bool]] = []
    out = run(8, log=log)
    assert out.default_params == {"level": DEFAULT_LEVEL}
    # the first configuration fitted, on every fold, is the defaults
    assert log[:N_FOLDS] == [(DEFAULT_LEVEL, True)] * N_FOLDS
    folds = cv_folds(TRAIN, protocol(8), seed=0)
    by_hand = []
    for _, scored_rows in folds:
        y = TRAIN.y[scored_rows]
        by_hand.append(1 - np.sum((y - DEFAULT_LEVEL) ** 2) / np.sum((y - y.mean()) ** 2))
    assert out.default_cv == pytest.approx(by_hand)
    assert out.fold_rows == (len(folds[0][0]), len(folds[0][1]))


def test_tuning_finds_a_better_value_and_never_ends_below_the_defaults() -> None:
    out = run(15)
    assert out.tuned and out.stopped_by == "trials"
    assert out.best_score > out.default_score  # a better value exists and is found
    assert abs(out.params["level"] - TARGET) < abs(DEFAULT_LEVEL - TARGET)
    assert len(out.best_cv) == N_FOLDS

    # lower-is-better metric: minimised, never above the defaults
    low = run(15, metric="rmse", score=rmse)
    assert low.best_score < low.default_score
    assert abs(low.params["level"] - TARGET) < abs(DEFAULT_LEVEL - TARGET)

    for seed in range(3):
        small = run(3, seed=seed)
        assert small.best_score >= small.default_score


def test_defaults_already_best_are_kept() -> None:
    # every other level scores worse than the defaults: the search keeps them, with their own fold scores
    out = run(6, score=lambda c, s: -abs(c.level_ - DEFAULT_LEVEL))
    assert out.params == {"level": DEFAULT_LEVEL}
    assert out.best_cv == out.default_cv
    assert out.at_edge == []


def test_n_trials_respects_tuning_trials() -> None:
    notes: list[tuple[int, str]] = []
    log: list[tuple[float, bool]] = []
    out = run(6, notes=notes, log=log)
    assert out.n_trials == 6
    assert [i for i, _ in notes] == list(range(6))  # trial 0 (defaults) and five searched
    assert len(log) <= 6 * N_FOLDS  # pruned trials stop early, none runs past its folds
    assert len({level for level, _ in log}) <= 6

    single = run(1, log=(single_log := []))
    assert single.n_trials == 1 and not single.tuned and single.stopped_by == "not tuned"
    assert single.params == {"level": DEFAULT_LEVEL}
    assert single_log == [(DEFAULT_LEVEL, True)] * N_FOLDS


def test_a_time_budget_of_zero_stops_after_trial_0() -> None:
    log: list[tuple[float, bool]] = []
    out = run(50, seconds=1e-9, log=log)
    assert out.stopped_by == "time"
    assert out.n_trials == 1
    assert out.params == {"level": DEFAULT_LEVEL} and out.best_cv == out.default_cv
    assert log == [(DEFAULT_LEVEL, True)] * N_FOLDS  # trial 0 always finishes


def test_failing_configurations_are_counted_and_the_search_continues() -> None:
    log: list[tuple[float, bool]] = []
    out = run(20, fails=lambda level: level > 0.5, log=log)
    assert out.n_failed >= 1
    assert out.n_trials == 20  # the search went on to the end of its budget
    first_failure = next(i for i, (_, ok) in enumerate(log) if not ok)
    assert any(ok and level != DEFAULT_LEVEL for level, ok in log[first_failure:])
    # a failing fit raises on the first fold, so each failure is exactly one failed attempt
    assert sum(not ok for _, ok in log) == out.n_failed
    assert out.params["level"] <= 0.5
    assert out.best_score > out.default_score


def test_an_exception_in_trial_0_propagates() -> None:
    with pytest.raises(ValueError, match=r"cannot fit level 0\.2"):
        run(10, fails=lambda level: level == DEFAULT_LEVEL)


def test_a_cancelled_run_stops_the_search() -> None:
    def cancel(level: float) -> bool:
        if level != DEFAULT_LEVEL:
            raise RunCancelled("cancelled")
        return False

    with pytest.raises(RunCancelled):
        run(10, fails=cancel)
