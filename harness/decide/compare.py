"""Statistical comparisons among the candidates passing the gates: paired bootstrap differences and the
corrected CV-fold t-test, Holm-corrected as one family, TOST equivalence within a margin; CI separation when
the resamples are missing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from harness.measure.catalog import METRICS
from harness.results import Comparison, Measurement, MetricValue
from harness.spec import DecisionSpec

if TYPE_CHECKING:
    from harness.measure.paired import FoldTest

Role = Literal["leader", "baseline"]  # what a comparison's reference is to the candidate


def _ci(v: MetricValue) -> tuple[float, float]:
    if v.ci_low is None or v.ci_high is None:
        return v.value, v.value
    return v.ci_low, v.ci_high


def cis_overlap(a: MetricValue, b: MetricValue) -> bool:
    a_low, a_high = _ci(a)
    b_low, b_high = _ci(b)
    return a_low <= b_high and b_low <= a_high


def ci_beats(a: MetricValue, b: MetricValue, *, greater_is_better: bool) -> bool:
    """True when a's whole CI lies on the better side of b's whole CI."""
    a_low, a_high = _ci(a)
    b_low, b_high = _ci(b)
    return a_low > b_high if greater_is_better else a_high < b_low


class Comparer:
    """Statistical comparisons among the survivors on the optimizing metric: paired bootstrap differences
    (and the CV-fold test) with Holm's correction when every survivor kept its resamples, else CI separation.

    Every hypothesis of the decision — each survivor against the leader, each model against the best
    baseline — is one directional claim "winner beats loser"; the same claim reached from both references
    (the leader against the best baseline) is tested once, and all are Holm-corrected as one family, so the
    decision can never call a pair significant from one side and not from the other."""

    def __init__(
        self, survivors: list[Measurement], metric: str, gib: bool, alpha: float, margin: float
    ) -> None:
        self.metric, self.gib, self.alpha, self.margin = metric, gib, alpha, margin
        values = [m.metrics[metric] for m in survivors]
        n = {len(v.resamples) for v in values if v.resamples}
        self.paired = bool(survivors) and all(v.resamples for v in values) and len(n) == 1
        self.comparisons: list[Comparison] = []
        self._significant: dict[tuple[str, str], bool] = {}
        self._equivalent: dict[tuple[str, str], bool] = {}
        self._planned: list[tuple[Measurement, Measurement, Role]] = []  # (candidate, reference, role)

    def against(self, ref: Measurement, others: list[Measurement], role: Role) -> None:
        """Plan the comparison of every one of `others` with `ref`; `resolve` tests them all together."""
        for m in others:
            if m is not ref:
                self._planned.append((m, ref, role))

    def resolve(self) -> None:
        if not self.paired:
            for m, ref, role in self._planned:
                a, b = m.metrics[self.metric], ref.metrics[self.metric]
                sig = (
                    ci_beats(a, b, greater_is_better=self.gib)
                    if role == "baseline"
                    else not cis_overlap(a, b)
                )
                self._significant[(m.candidate, ref.candidate)] = sig
            return
        from harness.measure.paired import holm, paired_difference  # numpy: on first use

        diffs = {
            (m.candidate, ref.candidate): paired_difference(
                m.candidate,
                m.metrics[self.metric],
                ref.candidate,
                ref.metrics[self.metric],
                greater_is_better=self.gib,
            )
            for m, ref, _role in self._planned
        }
        folds = {
            (m.candidate, ref.candidate): _fold_test(m, ref, self.gib) for m, ref, _role in self._planned
        }

        def claim(m: Measurement, ref: Measurement, role: Role) -> tuple[str, str]:
            # baseline role: "the model beats the baseline"; leader role: "the leader beats the candidate"
            return (m.candidate, ref.candidate) if role == "baseline" else (ref.candidate, m.candidate)

        raw: dict[tuple[str, str, str], float] = {}
        for m, ref, role in self._planned:
            d, fold = diffs[(m.candidate, ref.candidate)], folds[(m.candidate, ref.candidate)]
            winner, loser = claim(m, ref, role)
            if d is not None:
                raw[(winner, loser, "test")] = d.p_not_better if role == "baseline" else d.p_not_worse
            if fold is not None:
                raw[(winner, loser, "cv")] = _one_sided(fold, better=role == "baseline")
        adjusted = holm(raw)  # one family: each directional claim once, on both lines of evidence

        for m, ref, role in self._planned:
            d, fold = diffs[(m.candidate, ref.candidate)], folds[(m.candidate, ref.candidate)]
            if d is None:
                continue
            winner, loser = claim(m, ref, role)
            p = (
                raw[(winner, loser, "test")],
                adjusted[(winner, loser, "test")],
                adjusted.get((winner, loser, "cv")),
            )
            self._conclude(m, ref, role, d, fold, p)

    def _conclude(
        self,
        m: Measurement,
        ref: Measurement,
        role: Role,
        d: Any,
        fold: FoldTest | None,
        p: tuple[float, float, float | None],
    ) -> None:
        """One planned comparison decided from its paired difference and fold test, Holm-adjusted: whether it
        is significant (and, against the leader, equivalent), recorded as a `Comparison`."""
        from harness.measure.paired import equivalent

        p_raw, p_test, p_cv = p
        want_better = role == "baseline"
        test_sig = p_test < self.alpha and (d.better > 0 if want_better else d.better < 0)
        cv_sig = (
            p_cv is not None
            and fold is not None
            and p_cv < self.alpha
            and (fold.mean_better > 0 if want_better else fold.mean_better < 0)
        )
        # a claim from one line of evidence holds only if the other does not point the other way
        contrary = (fold is not None and (fold.mean_better < 0 if want_better else fold.mean_better > 0)) or (
            d.better < 0 if want_better else d.better > 0
        )
        sig = test_sig or (cv_sig and not contrary)
        self._significant[(m.candidate, ref.candidate)] = sig
        same = role == "leader" and not sig and equivalent(d, self.margin)
        self._equivalent[(m.candidate, ref.candidate)] = same
        self.comparisons.append(
            Comparison(
                candidate=m.candidate,
                against=ref.candidate,
                role=role,
                diff=d.diff,
                better_low=d.better_low,
                better_high=d.better_high,
                p_value=p_raw,
                p_holm=p_test,
                significant=sig,
                fold_better=None if fold is None else fold.mean_better,
                fold_p=None if fold is None else fold.p_two_sided,
                fold_p_holm=p_cv,
                diff_90=d.diff_90,
                equivalent=same if role == "leader" else None,
            )
        )

    def set_significant(self, m: Measurement, ref: Measurement, significant: bool) -> None:
        """A comparison decided outside the paired tests (a baseline failing the gates: CIs only)."""
        self._significant[(m.candidate, ref.candidate)] = significant

    def differs(self, m: Measurement, ref: Measurement) -> bool:
        return self._significant.get((m.candidate, ref.candidate), False)

    def tied(self, m: Measurement, leader: Measurement) -> bool:
        """In a statistical tie with the leader: not significantly worse and — with paired resamples —
        shown practically equivalent (TOST within the margin). Merely inconclusive is not a tie: the
        best-scoring model is kept unless a simpler one is shown to be as good."""
        if m is leader:
            return True
        if self.differs(m, leader):
            return False
        return self._equivalent.get((m.candidate, leader.candidate), True) if self.paired else True

    def inconclusive(self, m: Measurement, leader: Measurement) -> bool:
        return m is not leader and not self.differs(m, leader) and not self.tied(m, leader)

    def find(self, m: Measurement, ref: Measurement) -> Comparison | None:
        return next(
            (c for c in self.comparisons if c.candidate == m.candidate and c.against == ref.candidate), None
        )


def _one_sided(fold: FoldTest, *, better: bool) -> float:
    """The two-sided corrected t-test as a one-sided p-value: H0 "not better" (better=True) or "not worse"."""
    half = fold.p_two_sided / 2
    toward = fold.mean_better > 0 if better else fold.mean_better < 0
    return half if toward else 1 - half


def _fold_test(m: Measurement, ref: Measurement, gib: bool) -> FoldTest | None:
    from harness.measure.paired import corrected_resampled_ttest

    a, b = m.details.get("tuning"), ref.details.get("tuning")
    if not a or not b or not a.get("best_cv") or len(a["best_cv"]) != len(b.get("best_cv", [])):
        return None
    n_fit, n_scored = a.get("fold_rows", [0, 0])
    return corrected_resampled_ttest(
        a["best_cv"], b["best_cv"], n_fit=n_fit, n_scored=n_scored, greater_is_better=gib
    )


_ERROR_METRICS_RELATIVE = 0.01  # errors (RMSE, MAE, log loss): 1% of the leader's value
_SCORE_MARGIN = 0.005  # scores in [0, 1]: half a point


def equivalence_margin(spec: DecisionSpec, metric: str, leader_value: float) -> float:
    """The largest difference that counts as no difference (the spec's, or the default for the metric)."""
    if spec.candidates.equivalence_margin is not None:
        return spec.candidates.equivalence_margin
    if METRICS[metric].greater_is_better:
        return _SCORE_MARGIN
    return abs(leader_value) * _ERROR_METRICS_RELATIVE
