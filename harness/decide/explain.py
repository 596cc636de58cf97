"""The explanation: a `Selection` in words — the `because` sentence and every candidate's verdict with its
reasons and numbers — assembled into the `Decision` the record and the ADR carry."""

from __future__ import annotations

from harness.decide.select import Selection
from harness.decide.words import _interval, _p, _short_label, _signed, _undirect, _with_ci
from harness.gates import num as _num
from harness.results import CandidateVerdict, Decision, Measurement, Verdict
from harness.types import Family

_MAX_LISTED = 4  # candidates named in one `because` sentence before "and N more"


class _Words:
    """The phrases every sentence of one decision shares."""

    def __init__(self, sel: Selection) -> None:
        self.sel = sel
        self.label = _short_label(sel.info)
        self.above = "above" if sel.gib else "below"
        self.how = "significantly" if sel.cmp is not None and sel.cmp.paired else "with its whole CI"
        b = sel.best_baseline
        self.base_text = f"{b.candidate}'s {self.val(b)}" if b is not None else ""

    def val(self, m: Measurement) -> str:
        return _with_ci(m.metrics[self.sel.metric])

    def diff_text(self, m: Measurement, ref: Measurement | None) -> str:
        cmp = self.sel.cmp
        c = cmp.find(m, ref) if cmp is not None and ref is not None else None
        if c is None or c.better_low is None or c.better_high is None:
            return ""
        gib = self.sel.gib
        ci = _interval(_undirect(c.better_low, gib), _undirect(c.better_high, gib))
        return f"paired difference {_signed(c.diff)} {ci}, Holm p = {_p(c.p_holm)}"

    def gate_summary(self) -> str:
        sel = self.sel
        return "; ".join(
            f"{m.candidate}: {sel.violations[m.candidate][0]}" for m in sel.rejected[:_MAX_LISTED]
        )

    def tie_break(self) -> str | None:
        sel = self.sel
        rule, chosen = sel.rule, sel.chosen
        if rule is None or chosen is None:
            return None
        losers = [m for m in sel.tied_models if sel.lost_on.get(m.candidate) is rule]
        return (
            f"{rule.label} ({chosen.candidate}: {rule.show(chosen)} vs "
            + ", ".join(f"{m.candidate}: {rule.show(m)}" for m in losers)
            + ")"
        )


def explain(sel: Selection) -> Decision:
    w = _Words(sel)
    unfinished = [_unfinished_verdict(m, sel.metric, w.label) for m in sel.unfinished]
    rejected = [
        _verdict(
            m,
            "rejected",
            [f"rejected: {'; '.join(sel.violations[m.candidate])} ({w.label} {w.val(m)})"],
            violations=sel.violations[m.candidate],
        )
        for m in sel.rejected
    ]
    best_baseline = sel.best_baseline.candidate if sel.best_baseline else None
    if sel.chosen is None or sel.cmp is None or sel.leader is None:
        if sel.finished:
            because = f"no candidate passes the gates ({w.gate_summary()})"
        else:
            because = "no candidate finished, so there is nothing to choose from"
        return Decision(
            metric=sel.metric,
            recommended=None,
            justified=False,
            best_baseline=best_baseline,
            because=because,
            verdicts=[*rejected, *unfinished],
            alpha=sel.alpha,
        )
    return Decision(
        metric=sel.metric,
        recommended=sel.chosen.candidate,
        justified=sel.justified,
        best_baseline=best_baseline,
        because=_because(sel, w),
        tie_break=w.tie_break(),
        verdicts=[*[_survivor_verdict(sel, w, m) for m in sel.survivors], *rejected, *unfinished],
        method="paired bootstrap" if sel.cmp.paired else "CI overlap",
        leader=sel.leader.candidate,
        comparisons=sel.cmp.comparisons,
        alpha=sel.alpha,
        equivalence_margin=sel.margin if sel.cmp.paired else None,
    )


def _unfinished_verdict(m: Measurement, metric: str, label: str) -> CandidateVerdict:
    if m.status == "skipped":  # not run at all (e.g. needs a GPU that this host lacks): not a failure
        return _verdict(m, "skipped", [f"not run: {m.reason or 'no reason given'}"])
    if not m.ok:
        return _verdict(m, "failed", [f"{m.status.replace('_', ' ')}: {m.reason or 'no reason given'}"])
    return _verdict(m, "failed", [f"no {label} was measured"])


def _because(sel: Selection, w: _Words) -> str:
    chosen, best_baseline, strongest_model = sel.chosen, sel.best_baseline, sel.strongest_model
    assert chosen is not None
    label, above, val, base_text, how = w.label, w.above, w.val, w.base_text, w.how
    n_pass = len(sel.survivors)
    passing = (
        f"the {n_pass} candidates that pass the gates"
        if n_pass > 1
        else "the only candidate passing the gates"
    )
    if sel.kept_baseline and strongest_model is not None:
        d = w.diff_text(strongest_model, best_baseline)
        return (
            f"no model is yet justified over the baseline: the strongest model, {strongest_model.candidate}, "
            f"scores {label} {val(strongest_model)}, which is not {how} {above} {base_text}"
            + (f" ({d})" if d else "")
            + "; keep the baseline until a model clears it"
        )
    if chosen.family is Family.BASELINE:
        because = f"only baselines pass the gates and {chosen.candidate} has the best {label}, {val(chosen)}"
        return because + (f" ({w.gate_summary()})" if sel.rejected else " (no model finished)")
    tie_break_text = w.tie_break()
    if not sel.justified and best_baseline is not None:
        # the best baseline fails the gates, so it cannot be kept; it was compared on CIs only
        strongest = strongest_model or chosen
        because = (
            f"no model is yet justified over the baseline: the strongest model, {strongest.candidate}, "
            f"scores {label} {val(strongest)}, which is not with its whole CI {above} {base_text} "
            f"({best_baseline.candidate} fails the gates, so it cannot be kept)"
        )
        if chosen is not strongest and tie_break_text:
            return because + (
                f"; {chosen.candidate} is recommended among the models passing the gates on {tie_break_text}"
            )
        return because + f"; {chosen.candidate} is the best model passing the gates"
    if not sel.justified:
        return (
            f"its {label} {val(chosen)} is the best of {passing}, but no baseline was measured, "
            f"so its gain over a trivial model is unknown"
        )
    d = w.diff_text(chosen, best_baseline)
    if sel.rule is not None:
        others = [m for m in sel.tied_models if m is not chosen]
        listed = [f"{m.candidate}'s {val(m)}" for m in others[:_MAX_LISTED]]
        tied_text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        return (
            f"its {label} {val(chosen)} is statistically tied with {tied_text}, "
            f"so {tie_break_text} decided it; it beats the best baseline ({base_text}"
            + (f"; {d}" if d else "")
            + ")"
        )
    lead = "is the best" if chosen is sel.leader else "ranks best among the models"
    return (
        f"its {label} {val(chosen)} {lead} of {passing} and lies {how} {above} the best baseline "
        f"({base_text}" + (f"; {d}" if d else "") + ")"
    )


def _survivor_verdict(sel: Selection, w: _Words, m: Measurement) -> CandidateVerdict:
    """The verdict of a candidate that passes the gates: recommended, baseline, runner-up or not justified."""
    chosen, best_baseline = sel.chosen, sel.best_baseline
    assert chosen is not None
    reasons = _chosen_reasons(sel, w) if m is chosen else _other_reasons(sel, w, m)
    verdict: Verdict
    if m is chosen:
        verdict = "recommended"
    elif m.family is Family.BASELINE:
        verdict = "baseline"
    elif best_baseline is not None and not sel.beats_baseline(m):
        verdict = "not_justified"
        reasons.append(f"does not beat baseline {best_baseline.candidate} ({w.val(best_baseline)})")
    else:
        verdict = "runner_up"
    return _verdict(
        m,
        verdict,
        reasons,
        rank=sel.rank[m.candidate],
        risks=sel.risks[m.candidate],
        probability_best=sel.p_best.get(m.candidate),
    )


def _chosen_reasons(sel: Selection, w: _Words) -> list[str]:
    chosen, best_baseline, strongest = sel.chosen, sel.best_baseline, sel.strongest_model
    assert chosen is not None
    label, val = w.label, w.val
    if sel.rule is not None:
        reasons = [f"{label} {val(chosen)}; won a statistical tie on {w.tie_break()}"]
    else:
        reasons = [
            f"{label} {val(chosen)}, rank {sel.rank[chosen.candidate]} of {len(sel.survivors)} "
            "passing the gates"
        ]
    if sel.kept_baseline and strongest is not None:
        reasons.append(f"no model beats it: the strongest, {strongest.candidate}, scores {val(strongest)}")
    elif best_baseline is not None and not sel.justified and chosen.family is not Family.BASELINE:
        reasons.append(
            f"not yet justified: no model is justified over baseline {best_baseline.candidate} "
            f"({val(best_baseline)})"
        )
    elif sel.justified and best_baseline is not None:
        d = w.diff_text(chosen, best_baseline)
        reasons.append(f"lies {w.how} {w.above} the best baseline ({w.base_text}" + (f"; {d})" if d else ")"))
    return reasons


def _other_reasons(sel: Selection, w: _Words, m: Measurement) -> list[str]:
    chosen, leader, cmp = sel.chosen, sel.leader, sel.cmp
    assert chosen is not None and leader is not None and cmp is not None
    label, val = w.label, w.val
    chosen_text = f"{chosen.candidate}'s {_with_ci(chosen.metrics[sel.metric])}"
    if m.family is Family.BASELINE:
        role = "the best baseline" if m is sel.best_baseline else "a baseline"
        reasons = [f"{role}: {label} {val(m)}; the reference a model must beat"]
        if chosen.family is not Family.BASELINE and m is sel.best_baseline:
            reasons.append(
                f"{'beaten' if sel.justified else 'not beaten'} by {chosen.candidate} ({val(chosen)})"
            )
        return reasons
    within = f"is equivalent (within ±{_num(sel.margin)}) to" if cmp.paired else "is within the CI of"
    if m.candidate in sel.lost_on:
        lost = sel.lost_on[m.candidate]
        return [
            f"{label} {val(m)} {within} {chosen_text}; lost the tie-break on {lost.label} "
            f"({m.candidate}: {lost.show(m)} vs {chosen.candidate}: {lost.show(chosen)})"
        ]
    if m in sel.tied:
        if m not in sel.tied_models:
            return [
                f"{label} {val(m)} {within} {chosen_text}, "
                f"but does not clear the baseline as {chosen.candidate} does"
            ]
        if sel.kept_baseline:
            return [f"{label} {val(m)}; tied with the strongest model"]
        return [f"{label} {val(m)} {within} {chosen_text}; identical on every tie-break, ranked lower"]
    if cmp.inconclusive(m, leader):
        c = cmp.find(m, leader)
        lo, hi = c.diff_90 if c is not None and c.diff_90 else (float("nan"), float("nan"))
        return [
            f"{label} {val(m)} vs {leader.candidate}'s {val(leader)}: not significantly different, "
            f"but not shown equivalent either (90% CI of the difference {_interval(lo, hi)} is not "
            f"within ±{_num(sel.margin)}), so the best-scoring model is kept"
        ]
    ref = leader if leader is not m else chosen
    if cmp.paired:
        return [f"{label} {val(m)} vs {ref.candidate}'s {val(ref)}; {w.diff_text(m, ref)}"]
    return [f"{label} {val(m)} vs {ref.candidate}'s {val(ref)}; the CIs do not overlap"]


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
