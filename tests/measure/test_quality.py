"""Quality metrics: sklearn's values, bootstrap CIs that behave, degenerate inputs that do not crash."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn import metrics as skm

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.measure.quality import METRIC_FUNCTIONS, bootstrap_counts, score
from harness.measure.scored import Scored
from harness.types import TaskKind

BINARY = Task(TaskKind.BINARY, "y", ("x",), classes=("no", "yes"), positive_index=1)
MULTI = Task(TaskKind.MULTICLASS, "y", ("x",), classes=("a", "b", "c"))
REGRESSION = Task(TaskKind.REGRESSION, "y", ("x",))


def _binary_case(n: int = 600, seed: int = 0, prevalence: float = 0.2):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    p1 = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1).round(2)  # rounded: many tied scores
    return y, Predictions(labels=(p1 > 0.5).astype(int), proba=np.c_[1 - p1, p1])


def _multi_case(n: int = 600, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, Predictions(labels=proba.argmax(axis=1), proba=proba)


def _regression_case(n: int = 500, seed: int = 2):
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, n)
    return y, Predictions(values=y + rng.normal(0, 1.5, n))


def test_binary_point_values_equal_sklearn():
    y, p = _binary_case()
    got = score(BINARY, y, p, ["roc_auc", "pr_auc", "f1", "log_loss", "accuracy"], seed=0, n_boot=0)
    assert got["roc_auc"].value == pytest.approx(skm.roc_auc_score(y, p.proba[:, 1]))
    assert got["pr_auc"].value == pytest.approx(skm.average_precision_score(y, p.proba[:, 1]))
    assert got["f1"].value == pytest.approx(skm.f1_score(y, p.labels))
    assert got["log_loss"].value == pytest.approx(skm.log_loss(y, p.proba))
    assert got["accuracy"].value == pytest.approx(skm.accuracy_score(y, p.labels))
    assert got["log_loss"].greater_is_better is False
    assert got["roc_auc"].ci_low is None  # n_boot=0: no interval


def test_multiclass_and_regression_point_values_equal_sklearn():
    y, p = _multi_case()
    got = score(
        MULTI, y, p, ["accuracy", "macro_f1", "balanced_accuracy", "log_loss", "roc_auc"], seed=0, n_boot=0
    )
    assert got["macro_f1"].value == pytest.approx(skm.f1_score(y, p.labels, average="macro"))
    assert got["balanced_accuracy"].value == pytest.approx(skm.balanced_accuracy_score(y, p.labels))
    assert got["log_loss"].value == pytest.approx(skm.log_loss(y, p.proba))
    assert got["roc_auc"].value == pytest.approx(skm.roc_auc_score(y, p.proba, multi_class="ovr"))

    y, p = _regression_case()
    got = score(REGRESSION, y, p, ["rmse", "mae", "r2"], seed=0, n_boot=0)
    assert got["rmse"].value == pytest.approx(skm.root_mean_squared_error(y, p.values))
    assert got["mae"].value == pytest.approx(skm.mean_absolute_error(y, p.values))
    assert got["r2"].value == pytest.approx(skm.r2_score(y, p.values))


@pytest.mark.parametrize(
    ("task", "case", "name", "reference"),
    [
        (
            BINARY,
            _binary_case,
            "roc_auc",
            lambda y, p, w: skm.roc_auc_score(y, p.proba[:, 1], sample_weight=w),
        ),
        (
            BINARY,
            _binary_case,
            "pr_auc",
            lambda y, p, w: skm.average_precision_score(y, p.proba[:, 1], sample_weight=w),
        ),
        (BINARY, _binary_case, "f1", lambda y, p, w: skm.f1_score(y, p.labels, sample_weight=w)),
        (BINARY, _binary_case, "log_loss", lambda y, p, w: skm.log_loss(y, p.proba, sample_weight=w)),
        (
            MULTI,
            _multi_case,
            "macro_f1",
            lambda y, p, w: skm.f1_score(y, p.labels, average="macro", sample_weight=w),
        ),
        (
            MULTI,
            _multi_case,
            "balanced_accuracy",
            lambda y, p, w: skm.balanced_accuracy_score(y, p.labels, sample_weight=w),
        ),
        (
            MULTI,
            _multi_case,
            "roc_auc",
            lambda y, p, w: skm.roc_auc_score(y, p.proba, multi_class="ovr", sample_weight=w),
        ),
        (MULTI, _multi_case, "accuracy", lambda y, p, w: skm.accuracy_score(y, p.labels, sample_weight=w)),
        (
            REGRESSION,
            _regression_case,
            "rmse",
            lambda y, p, w: skm.root_mean_squared_error(y, p.values, sample_weight=w),
        ),
        (
            REGRESSION,
            _regression_case,
            "mae",
            lambda y, p, w: skm.mean_absolute_error(y, p.values, sample_weight=w),
        ),
        (REGRESSION, _regression_case, "r2", lambda y, p, w: skm.r2_score(y, p.values, sample_weight=w)),
    ],
)
def test_vectorised_resamples_equal_sklearn_with_sample_weight(task, case, name, reference):
    """The bootstrap's fast path: a resample = the test set weighted by draw counts; must match sklearn."""
    y, p = case()
    counts = bootstrap_counts(len(y), 5, seed=3)[0]
    s = Scored(task, y if task is REGRESSION else y.astype(np.int64), p.labels, p.proba, p.values)
    got = METRIC_FUNCTIONS[name].resampled(s, counts)
    want = [reference(y, p, w) for w in counts]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_ci_contains_the_point_estimate_and_narrows_with_more_data():
    widths = []
    for n in (300, 3000):
        y, p = _binary_case(n=n)
        got = score(BINARY, y, p, ["pr_auc"], seed=0, n_boot=500, optimizing="roc_auc")
        assert list(got) == ["roc_auc", "pr_auc"]  # optimizing metric first
        for v in got.values():
            assert v.ci_low <= v.value <= v.ci_high
        widths.append(got["roc_auc"].ci_high - got["roc_auc"].ci_low)
    assert widths[1] < widths[0] / 2  # ~1/sqrt(10)


def test_same_seed_gives_the_same_resamples_for_every_candidate():
    a = bootstrap_counts(100, 50, seed=7)
    b = bootstrap_counts(100, 50, seed=7)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], bootstrap_counts(100, 50, seed=8)[0])
    y, p = _binary_case(n=400)
    assert score(BINARY, y, p, ["roc_auc"], seed=5, n_boot=200) == score(
        BINARY, y, p, ["roc_auc"], seed=5, n_boot=200
    )


def test_constant_predictor_scores_chance_without_crashing():
    y, _ = _binary_case(n=1000, prevalence=0.1)
    constant = Predictions(labels=np.zeros(len(y), dtype=int), proba=np.tile([0.9, 0.1], (len(y), 1)))
    got = score(BINARY, y, constant, ["roc_auc", "pr_auc", "f1", "accuracy"], seed=0, n_boot=200)
    assert got["roc_auc"].value == 0.5
    assert got["roc_auc"].ci_low == got["roc_auc"].ci_high == 0.5
    assert got["pr_auc"].value == pytest.approx(y.mean())
    assert got["f1"].value == 0.0


def test_rare_class_resamples_without_positives_are_skipped():
    y = np.zeros(40, dtype=int)
    y[[3, 17]] = 1  # ~13% of resamples draw no positive
    p1 = np.linspace(0, 1, 40)
    got = score(BINARY, y, Predictions(proba=np.c_[1 - p1, p1]), ["pr_auc"], seed=0, n_boot=300)
    assert np.isfinite(got["pr_auc"].ci_low) and got["pr_auc"].ci_low <= got["pr_auc"].value


def test_positive_index_zero_is_respected():
    y, p = _binary_case()
    flipped = Task(TaskKind.BINARY, "y", ("x",), classes=("yes", "no"), positive_index=0)
    p_flipped = Predictions(labels=1 - p.labels, proba=p.proba[:, ::-1])
    a = score(BINARY, y, p, ["roc_auc", "pr_auc", "f1"], seed=0, n_boot=50)
    b = score(flipped, 1 - y, p_flipped, ["roc_auc", "pr_auc", "f1"], seed=0, n_boot=50)
    for name in a:
        assert a[name].value == pytest.approx(b[name].value)


def test_bad_requests_are_input_errors():
    y, p = _binary_case()
    with pytest.raises(InputError, match="unknown metric 'auc'"):
        score(BINARY, y, p, ["auc"], seed=0)
    with pytest.raises(InputError, match="does not apply to a regression task"):
        score(REGRESSION, y.astype(float), Predictions(values=y.astype(float)), ["roc_auc"], seed=0)
    with pytest.raises(InputError, match="only one class"):
        score(BINARY, np.zeros(10, dtype=int), Predictions(proba=np.full((10, 2), 0.5)), ["roc_auc"], seed=0)


def test_pr_auc_bootstrap_on_12k_rows_is_fast():
    y, p = _binary_case(n=12_000, prevalence=0.05)
    score(BINARY, y[:100], Predictions(proba=p.proba[:100]), ["pr_auc"], seed=0, n_boot=10)  # imports
    start = time.perf_counter()
    score(BINARY, y, p, ["pr_auc"], seed=0, n_boot=1000)
    assert time.perf_counter() - start < 6.0  # ~0.2 s on a laptop core; loose for shared CI machines


def test_labels_only_predictions_skip_probability_metrics_unless_optimizing():
    y, p = _binary_case()
    labels_only = Predictions(labels=p.labels)
    got = score(BINARY, y, labels_only, ["roc_auc", "f1", "accuracy"], seed=0, n_boot=20)
    assert set(got) == {"f1", "accuracy"}
    with pytest.raises(ValueError, match="cannot compute ROC-AUC: it needs class probabilities"):
        score(BINARY, y, labels_only, ["f1"], seed=0, n_boot=20, optimizing="roc_auc")


def test_per_row_mean_is_the_extension_point_for_qa_metrics():
    from harness.measure.scored import MetricFunction

    per_row = MetricFunction.per_row_mean(
        lambda s: np.asarray([a == b for a, b in zip(s.extra["answers"], s.y_true, strict=True)])
    )
    qa = Task(TaskKind.QA, "answer", ("question",))
    s = Scored(qa, np.array(["a", "b", "c", "d"]), extra={"answers": ["a", "x", "c", "d"]})
    assert per_row.point(s) == 0.75
    counts = bootstrap_counts(4, 3, seed=0)[0]
    expected = counts @ np.array([1.0, 0.0, 1.0, 1.0]) / 4
    np.testing.assert_allclose(per_row.resampled(s, counts), expected)


# ---- the interval's level and the paired resamples (mutation-proof) ----------------------------------------
def _planted_outcomes(n: int = 240, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multiclass truth and two *different* label vectors that are right and wrong on exactly the same rows:
    where candidate A is wrong it says (y + 1) % 3, candidate B says (y + 2) % 3."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    wrong = rng.random(n) < 0.3
    a = np.where(wrong, (y + 1) % 3, y)
    b = np.where(wrong, (y + 2) % 3, y)
    return y, a, b


def test_ci_level_is_95_percent() -> None:
    """The ADR, console and docstrings all say "95% CI": the level they describe is pinned here."""
    from harness.measure.quality import CI_LEVEL

    assert CI_LEVEL == 0.95


def test_interval_is_the_95_percent_percentile_of_the_seeded_resamples() -> None:
    """Recompute the interval by hand from the same resamples: per-resample accuracy, 2.5th and 97.5th
    percentiles. An 80% (or 90%) interval, or resamples drawn from another seed, give different bounds."""
    y, a, _ = _planted_outcomes()
    got = score(MULTI, y, Predictions(labels=a), ["accuracy"], seed=4, n_boot=400)["accuracy"]
    correct = (a == y).astype(np.float64)
    per_resample = np.concatenate([c @ correct / len(y) for c in bootstrap_counts(len(y), 400, seed=4)])
    low, high = np.percentile(per_resample, [2.5, 97.5])
    assert got.value == pytest.approx(correct.mean())
    assert (got.ci_low, got.ci_high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    # the planted data tells the levels apart: the 80% interval is strictly inside the 95% one
    low80, high80 = np.percentile(per_resample, [10, 90])
    assert low < low80 - 0.01 and high80 + 0.01 < high
    other_seed = np.concatenate([c @ correct / len(y) for c in bootstrap_counts(len(y), 400, seed=5)])
    assert tuple(np.percentile(other_seed, [2.5, 97.5])) != (got.ci_low, got.ci_high)


def test_different_candidates_with_the_same_outcomes_get_identical_intervals() -> None:
    """Paired bootstrap: the resampled rows depend only on (seed, test rows, n_boot), never on the
    predictions. Two candidates that differ in *what* they predict but are right on the same rows must get
    bit-identical accuracy intervals; monotone-transformed scores identical ROC-/PR-AUC intervals; mirrored
    residuals identical MAE / RMSE intervals. Resamples that depended on the candidate break all three."""
    y, a, b = _planted_outcomes()
    assert not np.array_equal(a, b)
    ia = score(MULTI, y, Predictions(labels=a), ["accuracy"], seed=9, n_boot=300)["accuracy"]
    ib = score(MULTI, y, Predictions(labels=b), ["accuracy"], seed=9, n_boot=300)["accuracy"]
    assert ia.ci_low < ia.ci_high
    assert (ia.value, ia.ci_low, ia.ci_high) == (ib.value, ib.ci_low, ib.ci_high)

    yb, pb = _binary_case(n=500)
    p1 = pb.proba[:, 1]
    squashed = p1**3  # strictly monotone: the same ranking, different probabilities and labels
    pc = Predictions(labels=(squashed > 0.5).astype(int), proba=np.c_[1 - squashed, squashed])
    sa = score(BINARY, yb, pb, ["pr_auc"], seed=2, n_boot=300, optimizing="roc_auc")
    sc = score(BINARY, yb, pc, ["pr_auc"], seed=2, n_boot=300, optimizing="roc_auc")
    for name in ("roc_auc", "pr_auc"):
        assert (sa[name].ci_low, sa[name].ci_high) == (sc[name].ci_low, sc[name].ci_high), name

    yr, pr = _regression_case()
    mirrored = Predictions(values=2 * yr - pr.values)  # the same absolute residuals, opposite signs
    ra = score(REGRESSION, yr, pr, ["mae", "rmse"], seed=1, n_boot=300)
    rb = score(REGRESSION, yr, mirrored, ["mae", "rmse"], seed=1, n_boot=300)
    for name in ("mae", "rmse"):
        assert ra[name].ci_low == pytest.approx(rb[name].ci_low, rel=1e-12), name
        assert ra[name].ci_high == pytest.approx(rb[name].ci_high, rel=1e-12), name


def test_every_candidate_is_scored_on_the_resamples_of_bootstrap_counts() -> None:
    """The paired structure, checked directly: for two candidates (B = A with half of A's errors fixed), each
    interval `score` reports equals the percentiles of the per-resample metric computed from one and the
    same `bootstrap_counts(n, n_boot, seed)` — so a per-resample difference B - A is well defined."""
    y, a, _ = _planted_outcomes(n=300, seed=3)
    better = a.copy()
    fix = np.flatnonzero(a != y)[::2]
    better[fix] = y[fix]
    counts = bootstrap_counts(len(y), 500, seed=6)
    for labels in (a, better):
        correct = (labels == y).astype(np.float64)
        expected = np.percentile(np.concatenate([c @ correct / len(y) for c in counts]), [2.5, 97.5])
        got = score(MULTI, y, Predictions(labels=labels), ["accuracy"], seed=6, n_boot=500)["accuracy"]
        np.testing.assert_allclose([got.ci_low, got.ci_high], expected, rtol=0, atol=1e-12)
