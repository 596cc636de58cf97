"""From measurements to a decision: gates, ranking, statistical ties, tie-breaks, and the baseline check.

A pure function of the measurements and the spec (no I/O, no clock), so every rule is tested with hand-built
`Measurement`s. The steps, in order:

1. Candidates that did not finish are "failed", with their reason.
2. Satisficing gates from `spec.constraints` (latency p99, throughput, model size, cost per 1k predictions,
   GPU on CPU hardware, interpretability "required"): a candidate violating any is "rejected", every
   violation named with its numbers.
   A latency budget is enforced on the measurement's CI: rejected only when the whole CI exceeds it; a
   budget inside the CI passes "at risk" and the verdict says so.
3. Survivors are ranked on the optimizing metric; baselines take part and keep the verdict "baseline".
4. Comparisons are paired (`harness.measure.paired`): the difference of two candidates on the same bootstrap
   resamples of the same test rows, Holm-corrected within each family of comparisons. A survivor is
   statistically tied with the leader unless the leader is significantly better. Among the tied models the
   choice goes, in order, to team-skill fit, interpretability (when "preferred"), lower complexity, lower cost
   per 1k, lower p99 latency, and only then the point estimate; cost and latency count only when the
   difference is material and outside the measurement noise.
5. The choice must beat the best baseline: significantly, on the paired difference. If not, it is still named
   but `justified` is False and every verdict says so.
Measurements without resamples (hand-built, or from an older record) fall back to comparing CIs: two
candidates differ only when their CIs do not overlap.

The package: `gating` (the gates as decide applies them; the table is harness.gates), `compare` (paired
statistics), `ties` (tie-break rules), `select` (the structured outcome) and `explain` (its sentences).
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.decide.compare import ci_beats, cis_overlap, equivalence_margin
from harness.decide.explain import explain
from harness.decide.gating import gate_risks, gate_violations, host_warnings
from harness.decide.select import Selection, select
from harness.decide.ties import MATERIAL_RATIO
from harness.errors import InputError
from harness.measure.catalog import METRICS
from harness.results import Decision, Measurement
from harness.spec import DecisionSpec

__all__ = [
    "MATERIAL_RATIO",
    "Selection",
    "ci_beats",
    "cis_overlap",
    "decide",
    "equivalence_margin",
    "gate_risks",
    "gate_violations",
    "host_warnings",
    "select",
]


def decide(
    measurements: Sequence[Measurement], spec: DecisionSpec, *, metric: str, alpha: float = 0.05
) -> Decision:
    """Gate, rank, compare pairwise, break ties, check against the best baseline; every candidate gets reasons
    with numbers."""
    if metric not in METRICS:
        raise InputError(
            f"unknown metric {metric!r}", where="decide", fix=f"use one of: {', '.join(METRICS)}"
        )
    return explain(select(measurements, spec, metric=metric, alpha=alpha))
