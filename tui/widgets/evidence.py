"""The run's evidence as text for the Results tabs: slices, calibration and robustness of one candidate; the
chosen option's failure modes, leak check and monitoring signals; what would change the decision.

Rendering only: every number comes from `RunRecord.evidence` (`harness.evidence.model`), measured by the
harness. Here they are formatted and ordered for reading (slices worst first), never computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from harness.evidence.model import (
        Calibration,
        CandidateSlices,
        Evidence,
        Interval,
        Perturbation,
        Robustness,
        SliceScore,
    )

NO_EVIDENCE = (
    "No evidence in this run's record (slices, calibration, robustness, failure modes, flips): it was "
    "recorded before the harness measured them, or the run was cancelled or chose nothing."
)
HIDDEN_REGRESSION = "⚠ hidden regression"


def _interval(i: Interval | None, fmt: str = ".3f") -> str:
    if i is None:
        return "—"
    ci = f" [{i.low:{fmt}}, {i.high:{fmt}}]" if i.low is not None and i.high is not None else ""
    return f"{i.value:{fmt}}{ci}"


def _share(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _not_measured(text: Text, what: str, evidence: Evidence, step: str) -> Text:
    why = evidence.skipped.get(step)
    text.append(f"No {what}" + (f": {why}" if why else " recorded for it."), style="yellow")
    return text


def ordered_slices(slices: list[SliceScore], greater_is_better: bool) -> list[SliceScore]:
    """Worst score first in the metric's direction; slices the metric is undefined on go last."""
    scored = [s for s in slices if s.score is not None]
    unscored = [s for s in slices if s.score is None]
    scored.sort(key=lambda s: s.score.value if s.score else 0.0, reverse=not greater_is_better)
    return scored + unscored


def slices_text(
    evidence: Evidence, candidate: str, metric_label: str, *, greater_is_better: bool = True
) -> Text:
    text = Text()
    text.append(f"Slices of {candidate}", style="bold")
    text.append(f" on test: {metric_label} [95% CI], worst first; Δ = vs the baseline\n", style="dim")
    cs: CandidateSlices | None = evidence.slices_of(candidate)
    if cs is None or not (cs.slices or cs.per_class):
        return _not_measured(text, "slices", evidence, "slices")
    if cs.worst is not None:
        text.append("worst: ", style="bold")
        text.append(f"{cs.worst.label}  {_interval(cs.worst.score)} on {cs.worst.rows:,} rows\n")
    hidden = [s for s in cs.slices if s.hidden_regression]
    if hidden:
        text.append(
            f"{HIDDEN_REGRESSION} in {len(hidden)} slice{'s' if len(hidden) > 1 else ''}: better than the "
            "baseline overall, significantly worse there\n",
            style="bold red",
        )
    for s in ordered_slices(cs.slices, greater_is_better):
        style = "red" if s.hidden_regression else ""
        text.append("\n")
        text.append(s.label, style=f"bold {style}".strip())
        text.append(f"  ({s.rows:,} rows)  ", style="dim")
        text.append("undefined on this slice" if s.score is None else _interval(s.score), style=style)
        if s.hidden_regression:
            text.append(f"  {HIDDEN_REGRESSION}", style="bold red")
        parts = []
        if s.baseline is not None:
            parts.append(f"baseline {s.baseline:.3f}")
        if s.vs_baseline is not None:
            parts.append(f"Δ {_interval(s.vs_baseline, '+.3f')}")
        if s.p_worse is not None:
            parts.append(f"Holm p(not worse) {s.p_worse:.3f}")
        if parts:
            text.append("\n   " + "; ".join(parts), style=style or "dim")
    if cs.per_class:
        text.append("\n\nPer class, worst F1 first\n", style="bold")
        for c in cs.per_class:
            text.append(f"  {c.label}: F1 {c.f1:.3f} ({c.support:,} rows)\n")
    if cs.confused:
        text.append("\nMost confused (true → predicted)\n", style="bold")
        for p in cs.confused:
            text.append(f"  {p.true} → {p.predicted}: {p.count:,} ({_share(p.share_of_true)} of {p.true})\n")
    text.rstrip()
    return text


def calibration_text(evidence: Evidence, candidate: str) -> Text:
    text = Text()
    text.append(f"Calibration of {candidate}", style="bold")
    text.append(" on test (calibrator and threshold fit on dev)\n", style="dim")
    cal: Calibration | None = evidence.calibration_of(candidate)
    if cal is None:
        return _not_measured(text, "calibration", evidence, "calibration")
    text.append("ECE ", style="bold")
    text.append(f"{cal.ece:.3f}")
    text.append(" (10 equal-width bins)", style="dim")
    if cal.log_loss is not None:
        text.append(f"   log loss {cal.log_loss:.3f}")
    text.append("\n")
    text.append("threshold ", style="bold")
    if cal.threshold is None:
        text.append("none: the most probable class is predicted\n")
    else:
        metric = f" to maximise {cal.threshold_metric}" if cal.threshold_metric else ""
        text.append(f"{cal.threshold:.3g}", style="bold")
        text.append(f" (chosen on dev{metric})\n")
    text.append("calibrated variant ", style="bold")
    if cal.calibrated_method is None:
        text.append("none\n", style="dim")
    else:
        scores = []
        if cal.calibrated_log_loss is not None:
            scores.append(f"log loss {cal.calibrated_log_loss:.3f}")
        if cal.calibrated_ece is not None:
            scores.append(f"ECE {cal.calibrated_ece:.3f}")
        text.append(cal.calibrated_method + (f": {', '.join(scores)}" if scores else ""))
        if cal.improves:
            text.append("\n  improves the test log loss: serve the calibrated scores\n", style="green")
        else:
            text.append("\n  does not improve the test log loss: keep the raw scores\n", style="yellow")
    if cal.curve:
        text.append("\nReliability: mean predicted → observed (rows)\n", style="bold")
        for b in cal.curve:
            text.append(f"  {b.predicted:.2f} → {b.observed:.2f}  ({b.rows:,})\n")
    text.rstrip()
    return text


def _perturbation_line(p: Perturbation, metric_label: str) -> str:
    parts = []
    if p.score is not None:
        parts.append(f"{metric_label} {p.score:.3f}")
    if p.drop is not None:
        parts.append(f"drop {p.drop:+.3f}")
    if p.changed is not None:
        parts.append(f"{_share(p.changed)} of predictions changed")
    if p.violations is not None:
        parts.append(f"{_share(p.violations)} of rows move the wrong way")
    return "; ".join(parts) or "not measured"


def robustness_text(evidence: Evidence, candidate: str, metric_label: str) -> Text:
    text = Text()
    text.append(f"Robustness of {candidate}", style="bold")
    rob: Robustness | None = evidence.robustness_of(candidate)
    if rob is None:
        text.append("\n")
        return _not_measured(text, "robustness", evidence, "robustness")
    text.append(f" on {rob.rows:,} perturbed test rows; clean {metric_label} {rob.clean:.3f}\n", style="dim")
    if not rob.perturbations:
        text.append("no perturbation applied", style="yellow")
    for p in rob.perturbations:
        worse = (p.drop is not None and p.drop > 0) or bool(p.violations)
        text.append("\n")
        text.append(p.name, style="bold")
        text.append("\n  " + _perturbation_line(p, metric_label), style="yellow" if worse else "")
        if p.detail:
            text.append(f"\n  {p.detail}", style="dim")
    text.rstrip()
    return text


def failures_text(evidence: Evidence) -> Text:
    text = Text()
    chosen = evidence.chosen
    text.append(f"Failure modes of {chosen}" if chosen else "Failure modes", style="bold")
    text.append(" (the chosen option)\n" if chosen else "\n", style="dim")
    if not evidence.failure_modes:
        _not_measured(text, "failure modes", evidence, "failure modes")
        text.append("\n")
    for f in evidence.failure_modes:
        text.append("\n● " if f.measured else "\n○ ", style="bold")
        text.append(f.title, style="bold")
        if not f.measured:
            text.append(" (not measurable on this data)", style="dim")
        text.append("\n  evidence: ", style="dim")
        text.append(f.evidence)
        text.append("\n  response: ", style="dim")
        text.append(f.response, style="green")
        text.append("\n")
    text.append("\nLeak check", style="bold")
    leak = evidence.leak
    if leak is None:
        text.append("\n")
        _not_measured(text, "leak check", evidence, "leak")
    else:
        text.append(f" of {leak.candidate}\n", style="dim")
        if leak.suspected:
            share = next((i.share_of_lift for i in leak.importances if i.feature == leak.suspected), None)
            carries = f" carries {_share(share)} of the dev lift" if share is not None else ""
            text.append(f"⚠ leak suspected: {leak.suspected}{carries}", style="bold red")
            text.append(
                f" (at least {leak.threshold:.0%}): check it is known at prediction time\n", style="red"
            )
        else:
            text.append(
                f"no single feature carries {leak.threshold:.0%} of the dev lift "
                f"({leak.lift:.3f} over a no-information prediction)\n"
            )
        if leak.importances:
            top = ", ".join(f"{i.feature} {_share(i.share_of_lift)}" for i in leak.importances[:5])
            text.append(f"  largest shares of the lift: {top}\n", style="dim")
    monitoring = evidence.monitoring
    if monitoring is not None and monitoring.signals:
        text.append("\nWatch in production\n", style="bold")
        for signal in monitoring.signals:
            text.append(f"  • {signal}\n")
    text.rstrip()
    return text


def flips_text(evidence: Evidence) -> Text:
    text = Text()
    text.append("What would change this decision\n", style="bold")
    if not evidence.flips:
        why = evidence.skipped.get("flips")
        text.append(
            f"not measured: {why}"
            if why
            else "no change to the constraints, skills or data that was tried changes the chosen option",
            style="yellow" if why else "",
        )
        return text
    for f in evidence.flips:
        text.append("\n• ")
        text.append(f.driver, style="bold")
        text.append(f" {f.condition}")
        text.append(" → ")
        if f.chooses is None:
            text.append("no option survives", style="bold red")
        else:
            text.append(f.chooses, style="bold")
        text.append(f"  ({f.kind})", style="dim")
    return text
