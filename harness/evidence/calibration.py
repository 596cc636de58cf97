"""Calibration: can a candidate's probabilities drive a threshold? ECE and a reliability curve on test; a
calibrated variant fit on dev only (isotonic or Platt for binary, temperature scaling for multiclass; the
method chosen by cross-validation on dev) reported when it lowers the test log loss.

ECE is written here because scikit-learn has no ECE function (`calibration_curve` gives the bins, not the
weighted gap): ECE = Σ_b (n_b / n) · |mean predicted − observed frequency| over 10 equal-width bins of the
positive-class probability (binary) or of the top-class confidence (multiclass).
"""

from __future__ import annotations

import numpy as np

from harness.evidence.context import EvidenceContext
from harness.evidence.model import Calibration, ReliabilityBin
from harness.measure.threshold import threshold_target
from harness.types import TaskKind

BINS = 10
_EPS = 1e-6


def _event(
    task_kind: TaskKind, y: np.ndarray, proba: np.ndarray, positive: int
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted probability, 0/1 outcome) of the event the reliability curve is about."""
    if task_kind is TaskKind.BINARY:
        return proba[:, positive], (y == positive).astype(float)
    top = proba.argmax(axis=1)
    return proba.max(axis=1), (top == y).astype(float)


def reliability(p: np.ndarray, outcome: np.ndarray) -> tuple[float, list[ReliabilityBin]]:
    """ECE and the non-empty bins of the reliability curve."""
    bins = np.clip((p * BINS).astype(int), 0, BINS - 1)
    ece, curve = 0.0, []
    for b in range(BINS):
        rows = bins == b
        n = int(rows.sum())
        if n == 0:
            continue
        predicted, observed = float(p[rows].mean()), float(outcome[rows].mean())
        ece += n / len(p) * abs(predicted - observed)
        curve.append(ReliabilityBin(predicted=predicted, observed=observed, rows=n))
    return float(ece), curve


def _log_loss(y: np.ndarray, proba: np.ndarray, k: int) -> float:
    from sklearn.metrics import log_loss

    clipped = np.clip(proba, _EPS, 1.0)
    return float(log_loss(y, clipped / clipped.sum(axis=1, keepdims=True), labels=list(range(k))))


def _binary_calibrator(method: str, p_fit: np.ndarray, y_fit: np.ndarray):
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        floor = 0.5 / len(p_fit)  # isotonic steps reach 0 and 1; no finite sample justifies certainty
        iso = IsotonicRegression(out_of_bounds="clip", y_min=floor, y_max=1 - floor).fit(p_fit, y_fit)
        return lambda p: iso.predict(p)
    from sklearn.linear_model import LogisticRegression

    logit = lambda p: np.log(np.clip(p, _EPS, 1 - _EPS) / np.clip(1 - p, _EPS, 1))  # noqa: E731
    lr = LogisticRegression(C=1e4).fit(logit(p_fit)[:, None], y_fit)
    return lambda p: lr.predict_proba(logit(p)[:, None])[:, 1]


def _temperature(proba_fit: np.ndarray, y_fit: np.ndarray):
    from scipy.optimize import minimize_scalar

    logits = np.log(np.clip(proba_fit, _EPS, 1.0))

    def scaled(lg: np.ndarray, t: float) -> np.ndarray:
        z = lg / t
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def loss(t: float) -> float:
        q = scaled(logits, t)
        return float(-np.mean(np.log(np.clip(q[np.arange(len(y_fit)), y_fit], _EPS, 1.0))))

    t = float(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)
    return lambda proba: scaled(np.log(np.clip(proba, _EPS, 1.0)), t)


def _binary_method(p_dev: np.ndarray, y_dev: np.ndarray, seed: int) -> str:
    """Isotonic or Platt, whichever has the lower log loss out of fold on dev (isotonic overfits small dev
    sets; Platt cannot fix a non-monotone distortion)."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    if min(np.bincount(y_dev.astype(int), minlength=2)) < 5:
        return "platt"
    losses = {"isotonic": 0.0, "platt": 0.0}
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(p_dev, y_dev):
        for method in losses:
            q = np.clip(_binary_calibrator(method, p_dev[fit], y_dev[fit])(p_dev[held]), _EPS, 1 - _EPS)
            losses[method] += log_loss(y_dev[held], q, labels=[0, 1])
    return min(losses, key=lambda m: losses[m])


def calibrate(ctx: EvidenceContext, name: str) -> Calibration | None:
    task = ctx.task
    preds = ctx.test_preds[name]
    if not task.is_classification or preds.proba is None:
        return None
    k = max(task.n_classes, 2)
    positive = 1 if task.positive_index is None else task.positive_index
    proba = np.asarray(preds.proba, dtype=np.float64)
    proba = proba / proba.sum(axis=1, keepdims=True)
    y = ctx.test.y.astype(int)
    p, outcome = _event(task.kind, y, proba, positive)
    ece, curve = reliability(p, outcome)
    m = ctx.measurements[name]
    threshold = m.details.get("threshold")
    out = Calibration(
        candidate=name,
        ece=ece,
        curve=curve,
        log_loss=_log_loss(y, proba, k),
        threshold=threshold,
        threshold_metric=threshold_target(ctx.metric) if threshold is not None else None,
    )
    dev = ctx.dev_preds.get(name)
    if dev is None or dev.proba is None or len(dev) < 30:
        return out
    dev_proba = np.asarray(dev.proba, dtype=np.float64)
    dev_proba = dev_proba / dev_proba.sum(axis=1, keepdims=True)
    y_dev = ctx.dev.y.astype(int)
    if task.kind is TaskKind.BINARY:
        if len(np.unique(y_dev)) < 2:
            return out
        y01 = (y_dev == positive).astype(int)
        method = _binary_method(dev_proba[:, positive], y01, ctx.seed)
        q = np.clip(
            _binary_calibrator(method, dev_proba[:, positive], y01)(proba[:, positive]), _EPS, 1 - _EPS
        )
        calibrated = np.zeros_like(proba)
        calibrated[:, positive], calibrated[:, 1 - positive] = q, 1 - q
    else:
        method = "temperature"
        calibrated = _temperature(dev_proba, y_dev)(proba)
    out.calibrated_method = method  # type: ignore[assignment]
    out.calibrated_log_loss = _log_loss(y, calibrated, k)
    out.calibrated_ece = reliability(*_event(task.kind, y, calibrated, positive))[0]
    out.improves_p = _improvement_p(y, proba, calibrated)
    out.improves = bool(out.calibrated_log_loss < (out.log_loss or 0.0) and out.improves_p < 0.05)
    return out


def _improvement_p(y: np.ndarray, before: np.ndarray, after: np.ndarray) -> float:
    """One-sided paired t-test (scipy) on the per-row log loss: is the calibrated variant lower on the same
    test rows? A lower mean alone could be noise."""
    from scipy.stats import ttest_rel

    rows = np.arange(len(y))
    loss_before = -np.log(np.clip(before[rows, y], _EPS, 1.0))
    loss_after = -np.log(np.clip(after[rows, y], _EPS, 1.0))
    if np.allclose(loss_before, loss_after):
        return 1.0
    return float(ttest_rel(loss_before, loss_after, alternative="greater").pvalue)


def measure_calibration(ctx: EvidenceContext) -> list[Calibration]:
    found = (calibrate(ctx, name) for name in ctx.ranked())
    return [c for c in found if c is not None]
