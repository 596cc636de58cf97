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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from harness import gates
from harness.errors import InputError
from harness.gates import num as _num
from harness.gates import usd as _usd
from harness.measure.catalog import METRICS, MetricInfo
from harness.results import CandidateVerdict, Comparison, Decision, Measurement, MetricValue, Verdict
from harness.spec import DecisionSpec
from harness.types import Family, Interpretability, SkillLevel

if TYPE_CHECKING:
    from harness.measure.paired import FoldTest

_MAX_LISTED = 4  # candidates named in one `because` sentence before "and N more"
Role = Literal["leader", "baseline"]  # what a comparison's reference is to the candidate


# ---- formatting --------------------------------------------------------------------------------------------
def _metric_num(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:,.2f}"


def _short_label(info: MetricInfo) -> str:
    return info.label.split(" (")[0]  # "PR-AUC (average precision)" -> "PR-AUC"


def _with_ci(v: MetricValue) -> str:
    if v.ci_low is None or v.ci_high is None:
        return _metric_num(v.value)
    return f"{_metric_num(v.value)} [{_metric_num(v.ci_low)}, {_metric_num(v.ci_high)}]"


# ---- gates -------------------------------------------------------------------------------------------------
def gate_violations(m: Measurement, spec: DecisionSpec) -> list[str]:
    """Every constraint `m` breaks, each with the measured number and the limit (harness.gates)."""
    return gates.violations(m, spec.constraints)


def gate_risks(m: Measurement, spec: DecisionSpec) -> list[str]:
    """Budgets that lie inside a measurement's CI: not a violation (noise could put it on either side), but a
    risk the team must see before committing."""
    return gates.risks(m, spec.constraints)


def host_warnings(measurements: Sequence[Measurement]) -> list[str]:
    """Conditions that make the latency figures less trustworthy: a busy host, an extreme tail."""
    out: list[str] = []
    hosts = [h for m in measurements if m.ok and (h := m.details.get("timed_on"))]
    if hosts:
        h = hosts[0]
        cores = h.get("cores", 1)
        others = h.get("other_processes_cores")
        if others is not None and others >= max(1.0, cores / 2):
            out.append(
                f"the host was busy while latency was measured (other processes used {others:g} of "
                f"{cores} cores); re-measure on a quiet machine before relying on the latency figures"
            )
    for m in measurements:
        if (
            m.ok
            and m.latency is not None
            and m.latency.p50_ms > 0
            and m.latency.p99_ms / m.latency.p50_ms > 20
        ):
            out.append(
                f"{m.candidate}'s p99 is {m.latency.p99_ms / m.latency.p50_ms:.0f}× its p50 "
                f"({_num(m.latency.p99_ms)} vs {_num(m.latency.p50_ms)} ms): an extreme tail"
            )
    return out


# ---- comparisons -------------------------------------------------------------------------------------------
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


def _skill_fit(m: Measurement, spec: DecisionSpec) -> SkillLevel:
    """The team's level in the weakest framework the candidate needs (unknown skill = none; a candidate
    needing no framework fits any team)."""
    if not m.skills:
        return SkillLevel.EXPERT
    return min((spec.team_skills.get(s, SkillLevel.NONE) for s in m.skills), key=lambda level: level.score)


MATERIAL_RATIO = 1.25  # a latency or cost difference below this ratio never breaks a tie


@dataclass(frozen=True)
class _TieBreak:
    """One tie-break rule: a key (lower wins), how to show a candidate's value, and — for measured, noisy
    quantities — when a candidate is *clearly* worse than the best (otherwise it stays in the tie)."""

    label: str  # "team skill"
    key: Callable[[Measurement], float]
    show: Callable[[Measurement], str]
    clearly_worse: Callable[[Measurement, Measurement], bool] | None = None  # (candidate, best) -> bool

    def worse(self, m: Measurement, best: Measurement) -> bool:
        if self.clearly_worse is not None:
            return self.clearly_worse(m, best)
        return self.key(m) != self.key(best)


def _latency_clearly_worse(m: Measurement, best: Measurement) -> bool:
    """Material (≥ MATERIAL_RATIO × the best's p99) and outside the noise (the CIs do not overlap)."""
    a, b = m.latency, best.latency
    if a is None or b is None:
        return a is None and b is not None
    return a.p99_ms >= MATERIAL_RATIO * b.p99_ms and a.p99_low > b.p99_high


def _cost_clearly_worse(m: Measurement, best: Measurement) -> bool:
    a, b = m.cost_usd_per_1k, best.cost_usd_per_1k
    if a is None or b is None:
        return a is None and b is not None
    return a >= MATERIAL_RATIO * b and a - b > 0


def _tie_breaks(spec: DecisionSpec, metric: str, info: MetricInfo) -> list[_TieBreak]:
    rules = []
    if spec.team_skills:  # a team that stated no skills gives this rule nothing to go on
        rules.append(
            _TieBreak(
                "team skill",
                lambda m: -_skill_fit(m, spec).score,
                lambda m: _skill_fit(m, spec).value,
            )
        )
    if spec.constraints.interpretability is Interpretability.PREFERRED:
        rules.append(
            _TieBreak(
                "interpretability (preferred)",
                lambda m: 0 if m.interpretable else 1,
                lambda m: "interpretable" if m.interpretable else "not interpretable",
            )
        )
    sign = -1 if info.greater_is_better else 1
    rules += [
        _TieBreak("simplicity", lambda m: m.complexity, lambda m: f"complexity {m.complexity}"),
        _TieBreak(
            "cost",
            lambda m: float("inf") if m.cost_usd_per_1k is None else m.cost_usd_per_1k,
            lambda m: "cost unknown" if m.cost_usd_per_1k is None else f"{_usd(m.cost_usd_per_1k)} per 1k",
            _cost_clearly_worse,
        ),
        _TieBreak(
            "p99 latency",
            lambda m: float("inf") if m.latency is None else m.latency.p99_ms,
            _show_p99,
            _latency_clearly_worse,
        ),
        _TieBreak(
            f"{_short_label(info)} point estimate",
            lambda m: sign * m.metrics[metric].value,
            lambda m: _metric_num(m.metrics[metric].value),
        ),
    ]
    return rules


def _show_p99(m: Measurement) -> str:
    if m.latency is None:
        return "p99 unknown"
    if m.latency.p99_ci_ms is None:
        return f"p99 {_num(m.latency.p99_ms)} ms"
    return f"p99 {_num(m.latency.p99_ms)} ms [{_num(m.latency.p99_low)}, {_num(m.latency.p99_high)}]"


def _break_tie(
    tied: list[Measurement], rules: list[_TieBreak]
) -> tuple[Measurement, _TieBreak | None, dict[str, _TieBreak]]:
    """Lexicographic tie-break. Returns the winner, the rule that left it alone (None if nothing was tied),
    and for each loser the rule that eliminated it. A rule eliminates only candidates clearly worse than the
    best on it; the rest go on to the next rule."""
    remaining = list(tied)
    lost_on: dict[str, _TieBreak] = {}
    decided_by: _TieBreak | None = None
    for rule in rules:
        if len(remaining) == 1:
            break
        best = min(remaining, key=rule.key)
        kept = [m for m in remaining if not rule.worse(m, best)]
        for m in remaining:
            if m not in kept:
                lost_on[m.candidate] = rule
        remaining = kept
        if len(remaining) == 1:
            decided_by = rule
    # still tied on everything: keep the best-ranked (input order), an explicit and stable choice
    return remaining[0], decided_by, lost_on


# ---- paired comparisons ------------------------------------------------------------------------------------
class _Comparer:
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
        from harness.measure.paired import equivalent, holm, paired_difference  # numpy: on first use

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
            p_test = adjusted[(winner, loser, "test")]
            p_cv = adjusted.get((winner, loser, "cv"))
            want_better = role == "baseline"
            test_sig = p_test < self.alpha and (d.better > 0 if want_better else d.better < 0)
            cv_sig = (
                p_cv is not None
                and fold is not None
                and p_cv < self.alpha
                and (fold.mean_better > 0 if want_better else fold.mean_better < 0)
            )
            # a claim from one line of evidence holds only if the other does not point the other way
            contrary = (
                fold is not None and (fold.mean_better < 0 if want_better else fold.mean_better > 0)
            ) or (d.better < 0 if want_better else d.better > 0)
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
                    p_value=raw[(winner, loser, "test")],
                    p_holm=p_test,
                    significant=sig,
                    fold_better=None if fold is None else fold.mean_better,
                    fold_p=None if fold is None else fold.p_two_sided,
                    fold_p_holm=p_cv,
                    diff_90=d.diff_90,
                    equivalent=same if role == "leader" else None,
                )
            )

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


# ---- the decision ------------------------------------------------------------------------------------------
def decide(
    measurements: Sequence[Measurement], spec: DecisionSpec, *, metric: str, alpha: float = 0.05
) -> Decision:
    """Gate, rank, compare pairwise, break ties, check against the best baseline; every candidate gets reasons
    with numbers."""
    if metric not in METRICS:
        raise InputError(
            f"unknown metric {metric!r}", where="decide", fix=f"use one of: {', '.join(METRICS)}"
        )
    info = METRICS[metric]
    label = _short_label(info)
    gib = info.greater_is_better
    above = "above" if gib else "below"

    def better_first(ms: list[Measurement]) -> list[Measurement]:
        # the name breaks exact ties so the result never depends on the order measurements arrive in
        return sorted(
            ms, key=lambda m: (-m.metrics[metric].value if gib else m.metrics[metric].value, m.candidate)
        )

    def val(m: Measurement) -> str:
        return _with_ci(m.metrics[metric])

    failed: list[CandidateVerdict] = []
    finished: list[Measurement] = []
    for m in measurements:
        if m.status == "skipped":  # not run at all (e.g. needs a GPU that this host lacks): not a failure
            failed.append(_verdict(m, "skipped", [f"not run: {m.reason or 'no reason given'}"]))
        elif not m.ok:
            failed.append(
                _verdict(m, "failed", [f"{m.status.replace('_', ' ')}: {m.reason or 'no reason given'}"])
            )
        elif metric not in m.metrics:
            failed.append(_verdict(m, "failed", [f"no {label} was measured"]))
        else:
            finished.append(m)

    violations = {m.candidate: gate_violations(m, spec) for m in finished}
    risks = {m.candidate: gate_risks(m, spec) for m in finished}
    survivors = better_first([m for m in finished if not violations[m.candidate]])
    rejected_ms = better_first([m for m in finished if violations[m.candidate]])
    rank = {m.candidate: i + 1 for i, m in enumerate(survivors)}
    baselines_all = better_first([m for m in finished if m.family is Family.BASELINE])
    # the reference is the best baseline that passes the gates (else the best of all baselines)
    passing_baselines = [m for m in baselines_all if not violations[m.candidate]]
    baseline_pool = passing_baselines or baselines_all
    best_baseline = baseline_pool[0] if baseline_pool else None

    rejected = [
        _verdict(
            m,
            "rejected",
            [f"rejected: {'; '.join(violations[m.candidate])} ({label} {val(m)})"],
            violations=violations[m.candidate],
        )
        for m in rejected_ms
    ]

    def gate_summary() -> str:
        return "; ".join(f"{m.candidate}: {violations[m.candidate][0]}" for m in rejected_ms[:_MAX_LISTED])

    models = [m for m in survivors if m.family is not Family.BASELINE]
    if not survivors:
        if finished:
            because = f"no candidate passes the gates ({gate_summary()})"
        else:
            because = "no candidate finished, so there is nothing to choose from"
        return Decision(
            metric=metric,
            recommended=None,
            justified=False,
            best_baseline=best_baseline.candidate if best_baseline else None,
            because=because,
            verdicts=[*rejected, *failed],
            alpha=alpha,
        )

    leader = survivors[0]
    margin = equivalence_margin(spec, metric, leader.metrics[metric].value)
    cmp = _Comparer(survivors, metric, gib, alpha, margin)
    cmp.against(leader, survivors, "leader")
    if best_baseline is not None and best_baseline in survivors:
        cmp.against(best_baseline, models, "baseline")
    cmp.resolve()
    if best_baseline is not None and best_baseline not in survivors:  # it fails the gates: CIs only
        for mm in models:
            cmp._significant[(mm.candidate, best_baseline.candidate)] = ci_beats(
                mm.metrics[metric], best_baseline.metrics[metric], greater_is_better=gib
            )
    from harness.measure.paired import probability_best

    p_best = probability_best({m.candidate: m.metrics[metric] for m in survivors}, greater_is_better=gib)

    def beats_baseline(m: Measurement) -> bool:
        return best_baseline is not None and cmp.differs(m, best_baseline)

    def diff_text(m: Measurement, ref: Measurement) -> str:
        c = cmp.find(m, ref)
        if c is None or c.better_low is None or c.better_high is None:
            return ""
        ci = _interval(_undirect(c.better_low, gib), _undirect(c.better_high, gib))
        return f"paired difference {_signed(c.diff)} {ci}, Holm p = {_p(c.p_holm)}"

    tied = [m for m in survivors if cmp.tied(m, leader)]
    tied_models = [m for m in tied if m.family is not Family.BASELINE]
    if best_baseline is not None:
        # a tie-break must not hand the choice to a model failing the baseline check while another passes it
        beating = [m for m in tied_models if beats_baseline(m)]
        tied_models = beating or tied_models
    tie_break_text: str | None = None
    lost_on: dict[str, _TieBreak] = {}
    rule: _TieBreak | None = None

    if not models:  # only baselines pass the gates
        chosen = survivors[0]
    elif tied_models:
        chosen, rule, lost_on = _break_tie(tied_models, _tie_breaks(spec, metric, info))
        if rule is not None:
            losers = [m for m in tied_models if lost_on.get(m.candidate) is rule]
            tie_break_text = (
                f"{rule.label} ({chosen.candidate}: {rule.show(chosen)} vs "
                + ", ".join(f"{m.candidate}: {rule.show(m)}" for m in losers)
                + ")"
            )
    else:  # a baseline leads and no model is tied with it
        chosen = models[0]

    chosen_value = chosen.metrics[metric]
    justified = chosen.family is not Family.BASELINE and beats_baseline(chosen)
    strongest_model: Measurement | None = models[0] if models else None  # the best-scoring model
    kept_baseline = False
    if not justified and chosen.family is not Family.BASELINE and best_baseline in survivors:
        # No model earns its complexity: keep the best baseline (it passes the gates) and name the model
        # that came closest, so the team knows what would have to improve.
        chosen, kept_baseline = best_baseline, True
        chosen_value = chosen.metrics[metric]
        rule, tie_break_text, lost_on = None, None, {}

    # ---- the sentence --------------------------------------------------------------------------------------
    n_pass = len(survivors)
    passing = (
        f"the {n_pass} candidates that pass the gates"
        if n_pass > 1
        else "the only candidate passing the gates"
    )
    base_text = f"{best_baseline.candidate}'s {val(best_baseline)}" if best_baseline else ""
    how = "significantly" if cmp.paired else "with its whole CI"
    if kept_baseline and strongest_model is not None:
        d = diff_text(strongest_model, best_baseline) if best_baseline else ""
        because = (
            f"no model is yet justified over the baseline: the strongest model, {strongest_model.candidate}, "
            f"scores {label} {val(strongest_model)}, which is not {how} {above} {base_text}"
            + (f" ({d})" if d else "")
            + "; keep the baseline until a model clears it"
        )
    elif chosen.family is Family.BASELINE:
        because = f"only baselines pass the gates and {chosen.candidate} has the best {label}, {val(chosen)}"
        because += f" ({gate_summary()})" if rejected_ms else " (no model finished)"
    elif not justified and best_baseline is not None:
        # the best baseline fails the gates, so it cannot be kept; it was compared on CIs only
        strongest = strongest_model or chosen
        because = (
            f"no model is yet justified over the baseline: the strongest model, {strongest.candidate}, "
            f"scores {label} {val(strongest)}, which is not with its whole CI {above} {base_text} "
            f"({best_baseline.candidate} fails the gates, so it cannot be kept)"
        )
        if chosen is not strongest and tie_break_text:
            because += (
                f"; {chosen.candidate} is recommended among the models passing the gates on {tie_break_text}"
            )
        else:
            because += f"; {chosen.candidate} is the best model passing the gates"
    elif not justified:
        because = (
            f"its {label} {val(chosen)} is the best of {passing}, but no baseline was measured, "
            f"so its gain over a trivial model is unknown"
        )
    elif rule is not None:
        others = [m for m in tied_models if m is not chosen]
        listed = [f"{m.candidate}'s {val(m)}" for m in others[:_MAX_LISTED]]
        tied_text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        d = diff_text(chosen, best_baseline) if best_baseline else ""
        because = (
            f"its {label} {val(chosen)} is statistically tied with {tied_text}, "
            f"so {tie_break_text} decided it; it beats the best baseline ({base_text}"
            + (f"; {d}" if d else "")
            + ")"
        )
    else:
        lead = "is the best" if chosen is leader else "ranks best among the models"
        d = diff_text(chosen, best_baseline) if best_baseline else ""
        because = (
            f"its {label} {val(chosen)} {lead} of {passing} and lies {how} {above} the best baseline "
            f"({base_text}" + (f"; {d}" if d else "") + ")"
        )

    # ---- verdicts ------------------------------------------------------------------------------------------
    verdicts: list[CandidateVerdict] = []
    not_justified_note = (
        f"no model is justified over baseline {best_baseline.candidate} ({val(best_baseline)})"
        if best_baseline is not None and not justified and chosen.family is not Family.BASELINE
        else None
    )
    within = f"is equivalent (within ±{_num(margin)}) to" if cmp.paired else "is within the CI of"
    verdict: Verdict
    for m in survivors:
        reasons: list[str] = []
        if m is chosen:
            verdict = "recommended"
            if rule is not None:
                reasons.append(f"{label} {val(m)}; won a statistical tie on {tie_break_text}")
            else:
                reasons.append(f"{label} {val(m)}, rank {rank[m.candidate]} of {n_pass} passing the gates")
            if kept_baseline and strongest_model is not None:
                reasons.append(
                    f"no model beats it: the strongest, {strongest_model.candidate}, "
                    f"scores {val(strongest_model)}"
                )
            elif not_justified_note:
                reasons.append(f"not yet justified: {not_justified_note}")
            elif justified and best_baseline is not None:
                d = diff_text(m, best_baseline)
                reasons.append(
                    f"lies {how} {above} the best baseline ({base_text}" + (f"; {d})" if d else ")")
                )
        elif m.family is Family.BASELINE:
            verdict = "baseline"
            role = "the best baseline" if m is best_baseline else "a baseline"
            reasons.append(f"{role}: {label} {val(m)}; the reference a model must beat")
            if chosen.family is not Family.BASELINE and m is best_baseline:
                beaten = "beaten" if justified else "not beaten"
                reasons.append(f"{beaten} by {chosen.candidate} ({val(chosen)})")
        else:
            if m.candidate in lost_on:
                lost = lost_on[m.candidate]
                reasons.append(
                    f"{label} {val(m)} {within} {chosen.candidate}'s {_with_ci(chosen_value)}; "
                    f"lost the tie-break on {lost.label} ({m.candidate}: {lost.show(m)} vs "
                    f"{chosen.candidate}: {lost.show(chosen)})"
                )
            elif m in tied:
                reasons.append(f"{label} {val(m)} {within} {chosen.candidate}'s {_with_ci(chosen_value)}")
                if m not in tied_models:
                    reasons[-1] += f", but does not clear the baseline as {chosen.candidate} does"
                elif kept_baseline:
                    reasons[-1] = f"{label} {val(m)}; tied with the strongest model"
                else:
                    reasons[-1] += "; identical on every tie-break, ranked lower"
            elif cmp.inconclusive(m, leader):
                c = cmp.find(m, leader)
                lo, hi = c.diff_90 if c is not None and c.diff_90 else (float("nan"), float("nan"))
                reasons.append(
                    f"{label} {val(m)} vs {leader.candidate}'s {val(leader)}: not significantly different, "
                    f"but not shown equivalent either (90% CI of the difference {_interval(lo, hi)} is not "
                    f"within ±{_num(margin)}), so the best-scoring model is kept"
                )
            else:
                ref = leader if leader is not m else chosen
                if cmp.paired:
                    d = diff_text(m, ref)
                    reasons.append(f"{label} {val(m)} vs {ref.candidate}'s {val(ref)}; {d}")
                else:
                    reasons.append(
                        f"{label} {val(m)} vs {ref.candidate}'s {val(ref)}; the CIs do not overlap"
                    )
            if best_baseline is not None and not beats_baseline(m):
                verdict = "not_justified"
                reasons.append(f"does not beat baseline {best_baseline.candidate} ({val(best_baseline)})")
            else:
                verdict = "runner_up"
        verdicts.append(
            _verdict(
                m,
                verdict,
                reasons,
                rank=rank[m.candidate],
                risks=risks[m.candidate],
                probability_best=p_best.get(m.candidate),
            )
        )

    return Decision(
        metric=metric,
        recommended=chosen.candidate,
        justified=justified,
        best_baseline=best_baseline.candidate if best_baseline else None,
        because=because,
        tie_break=tie_break_text,
        verdicts=[*verdicts, *rejected, *failed],
        method="paired bootstrap" if cmp.paired else "CI overlap",
        leader=leader.candidate,
        comparisons=cmp.comparisons,
        alpha=alpha,
        equivalence_margin=margin if cmp.paired else None,
    )


def _signed(x: float) -> str:
    return f"{x:+.3f}" if abs(x) < 10 else f"{x:+,.2f}"


def _interval(low: float, high: float) -> str:
    lo, hi = sorted((low, high))
    return f"[{_signed(lo)}, {_signed(hi)}]"


def _undirect(better: float, gib: bool) -> float:
    """An advantage back in the metric's own units (a − b)."""
    return better if gib else -better


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _verdict(
    m: Measurement,
    verdict: Verdict,
    reasons: list[str],
    *,
    rank: int | None = None,
    violations: list[str] | None = None,
    risks: list[str] | None = None,
    probability_best: float | None = None,
) -> CandidateVerdict:
    return CandidateVerdict(
        candidate=m.candidate,
        family=m.family,
        verdict=verdict,
        rank=rank,
        reasons=[*reasons, *(risks or [])],
        violations=violations or [],
        risks=risks or [],
        probability_best=probability_best,
    )
