"""The evidence before shipping, measured after the decision: slices, calibration, robustness, learning
curves, failure modes, what would flip the decision, leak suspicion and the monitoring reference.

Each step is timed and isolated: one that fails is recorded in `Evidence.skipped` with its reason and the run
goes on. The costly steps (learning curves refit models; robustness predicts perturbed copies) share a time
budget (`[evidence] time_budget_s`, default 15% of the training time, at least 15 s), so the evidence
never dominates the run; what the budget cut is said.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.evidence.context import EvidenceContext
from harness.evidence.model import Evidence

__all__ = ["Evidence", "EvidenceContext", "check_options", "collect", "default_budget"]

MIN_BUDGET_S = 15.0
BUDGET_SHARE = 0.15  # of the candidates' training time: the evidence must not dominate the run


def default_budget(spec: Any, training_s: float) -> float:
    if spec.evidence.time_budget_s is not None:
        return float(spec.evidence.time_budget_s)
    return max(MIN_BUDGET_S, BUDGET_SHARE * training_s)


def check_options(spec: Any, columns: list[str], numeric: list[str]) -> None:
    """`[evidence]` names columns: fail before training when one is not in the data."""
    from harness.errors import InputError

    for column in spec.evidence.slice_columns:
        if column not in columns:
            raise InputError(
                f"slice column {column!r} is not a column of the data",
                where="[evidence] slice_columns",
                fix=f"use one of: {', '.join(columns[:12])}",
            )
    for column in spec.evidence.directional:
        if column not in numeric:
            raise InputError(
                f"directional column {column!r} is not a numeric feature",
                where="[evidence] directional",
                fix=f"name a numeric feature: {', '.join(numeric[:12]) or '(none)'}",
            )


def collect(
    ctx: EvidenceContext, *, budget_s: float, on_step: Callable[[str], None] | None = None
) -> Evidence:
    from harness.evidence import calibration, failures, flips, leak, learning, monitoring, robustness, slices

    ev = Evidence(chosen=ctx.chosen)
    ctx.deadline = time.monotonic() + budget_s
    say = on_step or (lambda _s: None)

    def step(name: str, fn: Callable[[], Any]) -> Any:
        say(name)
        t0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # evidence must never cost the decision: record and go on
            ev.skipped[name] = f"failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            return None
        finally:
            ev.timings[name] = round(time.perf_counter() - t0, 3)

    ev.slices = step("slices", lambda: slices.measure_slices(ctx)) or []
    ev.calibration = step("calibration", lambda: calibration.measure_calibration(ctx)) or []
    chosen = ctx.chosen
    if chosen is not None:
        model = ctx.best_model
        ev.leak = step("leak", lambda: leak.leak_check(ctx, model)) if model else None
        ev.failure_modes = step("failure modes", lambda: failures.failure_modes(ctx, chosen)) or []
        ev.monitoring = step("monitoring", lambda: monitoring.monitoring_reference(ctx, chosen, ev.leak))
    ev.flips = (
        step(
            "flips",
            lambda: flips.find_flips(list(ctx.measurements.values()), ctx.spec, ctx.metric, ctx.decision),
        )
        or []
    )
    opts = ctx.spec.evidence
    if opts.robustness:
        found = step("robustness", lambda: robustness.measure_robustness(ctx, 0.35 * max(ctx.time_left(), 0)))
        if found:
            ev.robustness, why = found
            if why:
                ev.skipped["robustness"] = why
    else:
        ev.skipped["robustness"] = "turned off ([evidence] robustness = false)"
    if opts.learning_curves:
        found = step(
            "learning curves", lambda: learning.measure_learning_curves(ctx, max(ctx.time_left(), 0))
        )
        if found:
            ev.learning_curves, why = found
            if why:
                ev.skipped["learning curves"] = why
            curve = next((c for c in ev.learning_curves if c.candidate == chosen), None)
            if curve is not None and chosen is not None:
                scale = len(ctx.train) / max(curve.points[-1].rows, 1)  # fold rows → training rows
                crossings = learning.crossing(ev.learning_curves, chosen, ctx.greater_is_better)
                scaled = [(name, int(rows * scale)) for name, rows in crossings]
                ev.flips += flips.data_flips(scaled, len(ctx.train))
    else:
        ev.skipped["learning curves"] = "turned off ([evidence] learning_curves = false)"
    return ev
