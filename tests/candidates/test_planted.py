"""Planted truths: the candidates find what was put in the data, in the order the data implies."""

from __future__ import annotations

import functools

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score, root_mean_squared_error

from harness.candidates import registry
from harness.candidates.baselines import score_single_features
from harness.dataset import Split, Task
from harness.types import TaskKind


def _interaction_data(kind: TaskKind, *, n: int = 4000, seed: int = 3) -> tuple[Split, Split, Split]:
    """`main` carries the strongest one-feature signal; a threshold interaction of `gate` × `zone` (invisible
    to any one feature: zone's marginal effect is zero) adds as much again; `noise_*` carry nothing."""
    rng = np.random.default_rng(seed)
    main = rng.normal(size=n)
    gate = rng.normal(size=n)
    zone = rng.choice(np.array(["north", "south", "east", "west"]), size=n)
    interaction = np.where(gate > 0, 1.0, -1.0) * np.where(np.isin(zone, ["north", "east"]), 1.0, -1.0)
    signal = 1.5 * main + 1.6 * interaction
    X = pl.DataFrame(
        {
            "noise_a": rng.normal(size=n),
            "gate": gate,
            "main": main,
            "noise_b": rng.choice(np.array(["p", "q", "r"]), size=n),
            "zone": zone,
        }
    )
    if kind is TaskKind.BINARY:
        y = (signal + rng.logistic(size=n) * 0.6 > 0).astype(np.int64)
        classes: tuple[object, ...] = (0, 1)
    else:
        y = signal + rng.normal(scale=0.5, size=n)
        classes = ()
    task = Task(
        kind=kind,
        target="y",
        feature_columns=tuple(X.columns),
        numeric_columns=("noise_a", "gate", "main"),
        categorical_columns=("noise_b", "zone"),
        classes=classes,
        positive_index=1 if kind is TaskKind.BINARY else None,
    )
    cut_dev, cut_test = int(n * 0.6), int(n * 0.75)
    return (
        Split("train", task, X[:cut_dev], y[:cut_dev]),
        Split("dev", task, X[cut_dev:cut_test], y[cut_dev:cut_test]),
        Split("test", task, X[cut_test:], y[cut_test:]),
    )


@functools.cache
def _held_out_scores(kind: TaskKind) -> dict[str, float]:
    train, dev, test = _interaction_data(kind)
    scores = {}
    for name in ("zero-rule", "single-feature-rule", "xgboost", "lightgbm"):
        pred = registry.create(name, seed=0).fit(train, dev).predict(test.X)
        if kind is TaskKind.BINARY:
            scores[name] = roc_auc_score(test.y, pred.proba[:, 1])
        else:
            scores[name] = -root_mean_squared_error(test.y, pred.values)  # higher is better
    return scores


@pytest.mark.parametrize("kind", [TaskKind.BINARY, TaskKind.REGRESSION])
def test_trees_beat_one_feature_which_beats_the_prior(kind: TaskKind) -> None:
    scores = _held_out_scores(kind)
    margin = 0.05 if kind is TaskKind.BINARY else 0.2  # ROC-AUC points / RMSE units
    for gbt in ("xgboost", "lightgbm"):
        assert scores[gbt] > scores["single-feature-rule"] + margin, scores
    assert scores["single-feature-rule"] > scores["zero-rule"] + margin, scores
    if kind is TaskKind.BINARY:
        assert scores["zero-rule"] == pytest.approx(0.5)


@pytest.mark.parametrize("kind", [TaskKind.BINARY, TaskKind.REGRESSION])
def test_single_feature_rule_picks_the_planted_feature(kind: TaskKind) -> None:
    train, dev, _test = _interaction_data(kind)
    rule = registry.create("single-feature-rule", seed=0).fit(train, dev)
    details = rule.details()
    assert details["feature"] == "main"
    chosen, runner_up = details["dev_score"], details["runner_up"]
    assert chosen["column"] == "main" and runner_up["column"] != "main"
    # selected on log loss (classification) / RMSE (regression), lower is better, by a clear margin
    key = "log_loss" if kind is TaskKind.BINARY else "rmse"
    assert chosen[key] < runner_up[key] * 0.95, (chosen, runner_up)
    if kind is TaskKind.BINARY:
        assert chosen["roc_auc"] > runner_up["roc_auc"] + 0.05 and chosen["roc_auc"] > 0.7, (
            chosen,
            runner_up,
        )


def test_single_feature_scores_rank_a_leak_first() -> None:
    """What the audit's leakage check reuses: a column that is the target in disguise scores ROC-AUC ≈ 1."""
    train, dev, _test = _interaction_data(TaskKind.BINARY)

    def with_leak(split: Split, seed: int) -> Split:
        flip = np.random.default_rng(seed).random(len(split)) < 0.02
        leak = np.where(flip, 1 - split.y, split.y)
        task = Task(
            **{**split.task.__dict__, "categorical_columns": (*split.task.categorical_columns, "leak")},
        )
        X = split.X.with_columns(pl.Series("leak", np.where(leak == 1, "chargeback", "none")))
        return Split(split.name, task, X, split.y)

    scores = {s.column: s for s in score_single_features(with_leak(train, 1), with_leak(dev, 2))}
    assert set(scores) == {"noise_a", "gate", "main", "noise_b", "zone", "leak"}
    assert scores["leak"].roc_auc > 0.95
    assert scores["main"].roc_auc > 0.7
    for noise in ("noise_a", "noise_b", "zone"):  # zone alone says nothing: its effect is only via gate
        assert abs(scores[noise].roc_auc - 0.5) < 0.06, (noise, scores[noise])
    assert max(scores.values(), key=lambda s: s.roc_auc).column == "leak"
    assert scores["leak"].log_loss < scores["main"].log_loss


def test_gbt_importances_name_the_informative_features() -> None:
    train, dev, _test = _interaction_data(TaskKind.BINARY)
    for name in ("xgboost", "lightgbm"):
        top = list(registry.create(name, seed=0).fit(train, dev).details()["top_features_by_gain"])
        # Gain favours continuous columns (more split points), so a noise number may outrank `zone`; the two
        # planted numbers lead, and the planted category beats the noise category.
        assert set(top[:2]) == {"main", "gate"}, (name, top)
        assert top.index("zone") < top.index("noise_b"), (name, top)


def test_mlp_learns_the_signal() -> None:
    train, dev, test = _interaction_data(TaskKind.BINARY, n=3000)
    mlp = registry.create("torch-mlp", seed=0).fit(train, dev)
    auc = roc_auc_score(test.y, mlp.predict(test.X).proba[:, 1])
    assert auc > 0.85, auc
    facts = mlp.details()
    assert 1 <= facts["best_epoch"] <= facts["epochs_trained"] <= mlp.max_epochs
    assert facts["best_dev_loss"] == min(facts["dev_loss_per_epoch"])  # the best epoch's weights are kept
