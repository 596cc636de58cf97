"""Planted truths for the evidence measured after the decision (harness.evidence): each generated table plants
one fact — a segment where the model is worse than the baseline, a feature that leaks the label, a relation
that drifts over time, a latency budget that changes the choice — and a real run must find it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness.evidence.calibration import reliability
from harness.runner import RunOptions, run
from harness.spec import spec_from_dict

pytestmark = pytest.mark.slow

# a linear model against the no-information baseline only (the best-single-feature rule would be a baseline
# as good as the model on these one-signal tables)
LINEAR_VS_NO_INFORMATION = {
    "include": ["zero-rule", "linear"],
    "exclude": ["single-feature-rule"],
    "tuning_trials": 2,
}


def _run(tmp_path: Path, df: pl.DataFrame, **spec: object):
    path = tmp_path / "data.csv"
    df.write_csv(path)
    base: dict[str, object] = {
        "title": "Planted evidence",
        "seed": 0,
        "data": {"path": str(path), "target": "y"},
        "candidates": {"tuning_trials": 2},
        "evidence": {"learning_curves": False},
    }
    for key, value in spec.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and key in base else value  # type: ignore[dict-item]
    options = RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr")
    return run(spec_from_dict(base), options=options)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def test_a_segment_where_the_model_is_worse_than_the_baseline_is_a_hidden_regression(tmp_path: Path) -> None:
    """In region d the relation is reversed: a linear model without interactions beats the no-information
    baseline overall but ranks region d's rows backwards, worse than the baseline there."""
    rng = np.random.default_rng(1)
    n = 3000
    region = rng.choice(["a", "b", "c", "d"], n, p=[0.3, 0.3, 0.2, 0.2])
    x = rng.normal(size=n)
    z = np.where(region == "d", -3 * x, 3 * x)
    y = (rng.random(n) < _sigmoid(z)).astype(int)
    df = pl.DataFrame({"region": region, "x": x, "noise": rng.normal(size=n), "y": y})
    result = _run(
        tmp_path,
        df,
        candidates=LINEAR_VS_NO_INFORMATION,
    )
    assert result.decision.recommended == "linear"
    ev = result.record.evidence
    slices = ev.slices_of("linear")
    flagged = [s.label for s in slices.slices if s.hidden_regression]
    assert flagged == ["region = d"], [(s.label, s.vs_baseline, s.p_worse) for s in slices.slices]
    assert slices.worst.label == "region = d"
    text = result.adr_path.read_text()
    assert "Hidden regression" in text and "region = d" in text
    assert (tmp_path / "adr" / "assets" / "0001-slices.svg").exists()
    assert "](assets/0001-slices.svg)" in text


def test_no_hidden_regression_when_every_segment_follows_the_same_relation(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 3000
    region = rng.choice(["a", "b", "c", "d"], n)
    x = rng.normal(size=n)
    y = (rng.random(n) < _sigmoid(3 * x)).astype(int)
    df = pl.DataFrame({"region": region, "x": x, "y": y})
    result = _run(
        tmp_path,
        df,
        candidates=LINEAR_VS_NO_INFORMATION,
    )
    assert not any(s.hidden_regression for s in result.record.evidence.slices_of("linear").slices)


def test_a_miscalibrated_score_has_a_higher_ece_than_a_calibrated_one() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 0.99, 20_000)
    outcome = (rng.random(len(p)) < p).astype(float)  # calibrated by construction
    calibrated, _ = reliability(p, outcome)
    overconfident, curve = reliability(np.clip((p - 0.5) * 1.8 + 0.5, 0, 1), outcome)
    assert calibrated < 0.02
    assert overconfident > calibrated + 0.05
    assert sum(b.rows for b in curve) == len(p)


def test_a_column_that_encodes_the_label_with_noise_is_a_suspected_leak(tmp_path: Path) -> None:
    """`score_after` is the label plus noise: its one-feature AUC stays under the audit's 0.98, so the audit
    lets it through, but it carries most of the model's lift."""
    rng = np.random.default_rng(4)
    n = 3000
    weak = rng.normal(size=(n, 4))
    y = (rng.random(n) < _sigmoid(0.4 * weak.sum(axis=1))).astype(int)
    leak = y + rng.normal(0, 0.45, n)
    cols = {f"w{i}": weak[:, i] for i in range(4)}
    df = pl.DataFrame({**cols, "score_after": leak, "y": y})
    result = _run(
        tmp_path,
        df,
        candidates=LINEAR_VS_NO_INFORMATION,
    )
    blocking = [f.code for f in result.findings if str(f.severity).lower() == "blocking"]
    assert blocking == []  # the audit alone does not stop it
    leak_check = result.record.evidence.leak
    assert leak_check is not None and leak_check.suspected == "score_after", leak_check
    assert "Too good to be true?" in result.adr_path.read_text()
    (tmp_path / "known").mkdir()
    known = _run(
        tmp_path / "known",
        df,
        candidates=LINEAR_VS_NO_INFORMATION,
        audit={"acknowledge": ["suspected_leak:score_after"]},
    )
    assert known.record.evidence.leak.acknowledged
    text = known.adr_path.read_text()
    assert "Too good to be true?" not in text and "known at prediction time" in text


def test_no_leak_is_suspected_when_the_lift_is_spread_over_features(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 3000
    X = rng.normal(size=(n, 5))
    y = (rng.random(n) < _sigmoid(0.8 * X.sum(axis=1))).astype(int)
    df = pl.DataFrame({**{f"f{i}": X[:, i] for i in range(5)}, "y": y})
    result = _run(
        tmp_path,
        df,
        candidates=LINEAR_VS_NO_INFORMATION,
    )
    assert result.record.evidence.leak.suspected is None


def test_a_relation_that_drifts_over_time_shows_staleness_decay(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    n = 4000
    t = np.sort(rng.uniform(0, 1, n))
    x = rng.normal(size=n)
    y = (rng.random(n) < _sigmoid((4 - 4 * t) * x)).astype(int)  # x matters less and less
    day = (np.datetime64("2025-01-01") + (t * 365).astype("timedelta64[D]")).astype("datetime64[D]")
    df = pl.DataFrame({"day": day, "x": x, "y": y})
    result = _run(
        tmp_path,
        df,
        data={"path": str(tmp_path / "data.csv"), "target": "y", "time_column": "day", "split": "time"},
        candidates=LINEAR_VS_NO_INFORMATION,
    )
    ev = result.record.evidence
    stale = next(f for f in ev.failure_modes if f.kind == "stale")
    assert stale.measured and stale.severity > 0, stale
    assert "retrain at least every" in stale.response
    assert "successive time windows" in stale.evidence


def test_the_latency_flip_really_flips_the_decision_when_run_with_it(tmp_path: Path) -> None:
    """A random forest wins on quality but serves slower than a linear model; the flip reported for the
    latency budget, used as the budget of a second run, makes the linear model the choice."""
    rng = np.random.default_rng(7)
    n = 2000
    X = rng.normal(size=(n, 3))
    z = 1.5 * X[:, 0] + 3 * np.sign(X[:, 1] * X[:, 2])
    y = (rng.random(n) < _sigmoid(z)).astype(int)
    df = pl.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y})
    include = {
        "include": ["zero-rule", "linear", "random-forest"],
        "exclude": ["single-feature-rule"],
        "tuning_trials": 2,
    }
    (tmp_path / "one").mkdir()
    first = _run(tmp_path / "one", df, candidates=include)
    assert first.decision.recommended == "random-forest"
    flip = next(f for f in first.record.evidence.flips if f.driver == "latency_p99_ms")
    assert flip.chooses == "linear" and isinstance(flip.value, float)
    (tmp_path / "two").mkdir()
    second = _run(tmp_path / "two", df, candidates=include, constraints={"latency_p99_ms": flip.value})
    assert second.decision.recommended == "linear", second.decision.because


def test_a_noisy_label_copy_among_many_columns_is_still_a_suspected_leak(tmp_path: Path) -> None:
    """Wider than leak.MAX_PERMUTED: only the features with the strongest one-feature association on train are
    permuted, the record says so, and the planted leak is among them and still suspected."""
    from harness.evidence.leak import MAX_PERMUTED

    rng = np.random.default_rng(4)
    n, width = 1500, MAX_PERMUTED + 50
    weak = rng.normal(size=(n, 4))
    y = (rng.random(n) < _sigmoid(0.4 * weak.sum(axis=1))).astype(int)
    noise = rng.normal(size=(n, width - 5))
    cols = {f"w{i}": weak[:, i] for i in range(4)} | {f"n{i:03d}": noise[:, i] for i in range(width - 5)}
    df = pl.DataFrame({**cols, "score_after": y + rng.normal(0, 0.45, n), "y": y})
    result = _run(tmp_path, df, candidates=LINEAR_VS_NO_INFORMATION, evidence={"robustness": False})
    leak_check = result.record.evidence.leak
    assert leak_check is not None and leak_check.suspected == "score_after", leak_check
    assert (leak_check.permuted, leak_check.of_features) == (MAX_PERMUTED, width)
    assert leak_check.note and f"{MAX_PERMUTED} of {width}" in leak_check.note
