"""Paired comparisons of candidates: the statistics the decision rests on.

Two candidates are compared on *differences*, never on whether two separately computed intervals overlap:
- on the test rows, the metric difference on each shared bootstrap resample (every candidate scored in one
  run sees the same resamples, `harness.measure.quality.bootstrap_counts`), giving a CI of the difference and
  a one-sided p-value;
- across cross-validation folds, the corrected resampled t-test (Nadeau & Bengio 2003), whose variance term
  accounts for the overlap of training sets between folds.
Several comparisons are corrected with Holm's step-down method.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from harness.results import MetricValue

CI_LEVEL = 0.95


@dataclass(frozen=True)
class PairedDifference:
    """`a − b` on the optimizing metric, with `better` = how much better a is (sign-adjusted for the
    metric's direction), its bootstrap CI, and the one-sided p-value of "a is not better than b"."""

    a: str
    b: str
    diff: float  # a − b, in the metric's units
    better: float  # a's advantage: diff for greater-is-better metrics, −diff otherwise
    better_low: float
    better_high: float
    p_not_better: float  # one-sided bootstrap p-value of H0 "a is not better than b"
    p_not_worse: float  # one-sided bootstrap p-value of H0 "a is not worse than b"
    n_resamples: int
    diff_90: tuple[float, float] = (0.0, 0.0)  # 90% CI of a − b: equivalence at α = 0.05 (TOST) uses it

    def clearly_better(self, alpha: float, p_adjusted: float | None = None) -> bool:
        return (self.p_not_better if p_adjusted is None else p_adjusted) < alpha and self.better > 0


def _resampled(v: MetricValue) -> np.ndarray | None:
    if not v.resamples:
        return None
    return np.array([np.nan if x is None else x for x in v.resamples], dtype=np.float64)


def paired_difference(
    a_name: str, a: MetricValue, b_name: str, b: MetricValue, *, greater_is_better: bool
) -> PairedDifference | None:
    """The paired bootstrap comparison of a and b; None when either lacks resamples (or they differ in
    number, i.e. were not scored on the same resamples)."""
    ra, rb = _resampled(a), _resampled(b)
    if ra is None or rb is None or len(ra) != len(rb):
        return None
    sign = 1.0 if greater_is_better else -1.0
    d = sign * (ra - rb)
    d = d[np.isfinite(d)]
    if len(d) == 0:
        return None
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = (float(x) for x in np.percentile(d, [tail, 100 - tail]))
    # Bootstrap p-value of H0 "a is not better" (Davison & Hinkley's (1 + #{d ≤ 0}) / (B + 1)); scipy offers
    # no paired bootstrap over shared count-weighted resamples, hence written here.
    p_not_better = (1 + int(np.sum(d <= 0))) / (len(d) + 1)
    p_not_worse = (1 + int(np.sum(d >= 0))) / (len(d) + 1)
    diff = a.value - b.value
    raw = sign * d  # back to a − b in the metric's units
    lo90, hi90 = (float(x) for x in np.percentile(raw, [5, 95]))
    return PairedDifference(
        a_name, b_name, diff, sign * diff, low, high, p_not_better, p_not_worse, len(d), (lo90, hi90)
    )


def equivalent(d: PairedDifference, margin: float) -> bool:
    """Two one-sided tests at α = 0.05: a and b are practically equivalent when the 90% CI of a − b lies
    within ±margin (Schuirmann 1987)."""
    return -margin <= d.diff_90[0] and d.diff_90[1] <= margin


K = TypeVar("K", bound=Hashable)  # what names a p-value: a candidate, a slice, a (winner, loser, line) claim


def holm(pvalues: Mapping[K, float]) -> dict[K, float]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1). Hand-written: scipy has only
    Benjamini–Hochberg/Yekutieli (`false_discovery_control`), and statsmodels is not a dependency."""
    items = sorted(pvalues.items(), key=lambda kv: kv[1])
    m = len(items)
    out: dict[K, float] = {}
    running = 0.0
    for i, (name, p) in enumerate(items):
        running = max(running, min(1.0, (m - i) * p))
        out[name] = running
    return out


def probability_best(values: Mapping[str, MetricValue], *, greater_is_better: bool) -> dict[str, float]:
    """Each candidate's share of resamples on which it scores best (ties share the resample). Candidates
    without resamples are left out."""
    named = {n: r for n, v in values.items() if (r := _resampled(v)) is not None}
    if not named:
        return {}
    lengths = {len(r) for r in named.values()}
    if len(lengths) != 1:
        return {}
    names = list(named)
    matrix = np.vstack([named[n] for n in names])  # candidates × resamples
    sign = 1.0 if greater_is_better else -1.0
    scored = np.where(np.isfinite(matrix), sign * matrix, -np.inf)
    best = scored.max(axis=0)
    winners = (scored == best) & np.isfinite(best)
    share = winners / np.maximum(winners.sum(axis=0), 1)
    return {n: float(share[i].mean()) for i, n in enumerate(names)}


@dataclass(frozen=True)
class FoldTest:
    """Corrected resampled t-test of a − b over CV folds (Nadeau & Bengio 2003)."""

    mean_better: float  # a's mean advantage per fold (direction-adjusted)
    t: float
    p_two_sided: float
    n_folds: int


def corrected_resampled_ttest(
    a: Sequence[float], b: Sequence[float], *, n_fit: int, n_scored: int, greater_is_better: bool
) -> FoldTest | None:
    """t = mean(d) / sqrt((1/J + n_scored/n_fit) · var(d)), J−1 degrees of freedom; the n_scored/n_fit term
    corrects the variance for folds that share training rows (a plain paired t-test is anti-conservative
    there). scipy.stats has the t distribution but not this corrected statistic, hence written here."""
    from scipy.stats import t as student_t

    if len(a) != len(b) or len(a) < 2 or n_fit <= 0:
        return None
    sign = 1.0 if greater_is_better else -1.0
    d = sign * (np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    j = len(d)
    var = float(np.var(d, ddof=1))
    mean = float(d.mean())
    if var <= 0:
        p = 1.0 if mean == 0 else 0.0
        return FoldTest(mean, math.copysign(math.inf, mean) if mean else 0.0, p, j)
    t = mean / math.sqrt((1 / j + n_scored / n_fit) * var)
    p = float(2 * student_t.sf(abs(t), df=j - 1))
    return FoldTest(mean, t, p, j)
