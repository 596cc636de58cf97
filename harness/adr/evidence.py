"""The ADR sections written from the run's evidence (harness.evidence): risks and failure modes, what would
change this decision, monitoring; the slice / calibration / robustness bullets in Pros and Cons; the full
tables and the charts under More Information. Each function returns Markdown lines; none touches a file."""

from __future__ import annotations

from collections.abc import Sequence

from harness.evidence.model import (
    Calibration,
    CandidateSlices,
    Evidence,
    LeakCheck,
    LearningCurve,
    Perturbation,
    Robustness,
)
from harness.fmt import cell, fmt_metric, metric_label, sentence
from harness.record import RunRecord

Bullet = tuple[str, str]  # (Good | Neutral | Bad, text)

HIDDEN = "hidden regression"


def _signed(x: float) -> str:
    return f"{x:+.3f}"


def risk_lines(record: RunRecord) -> list[str]:
    ev, d = record.evidence, record.decision
    if ev is None or d is None:
        return ["Not measured for this run (the record has no evidence)."]
    lines: list[str] = []
    if ev.chosen:
        lines += [
            f"For **{ev.chosen}**, the three most likely failures, with what was measured and the response:",
            "",
        ]
    for i, f in enumerate(ev.failure_modes, 1):
        state = "" if f.measured else " (not measured here)"
        lines.append(f"{i}. **{f.title}**{state}: {sentence(f.evidence)} Response: {sentence(f.response)}")
    if ev.leak is not None and ev.leak.suspected and ev.leak.acknowledged:
        lines += [
            "",
            f"`{ev.leak.suspected}` carries most of {ev.leak.candidate}'s lift; the team has confirmed it is "
            f"known at prediction time (`[audit] acknowledge` has `suspected_leak:{ev.leak.suspected}`).",
        ]
    elif ev.leak is not None and ev.leak.suspected:
        top = ev.leak.importances[0]
        share = f"{top.share_of_lift:.0%}" if top.share_of_lift is not None else "most"
        lines += [
            "",
            f"**Too good to be true?** `{ev.leak.suspected}` alone carries {share} of "
            f"{ev.leak.candidate}'s lift over a no-information prediction (permutation importance on dev; "
            f"the threshold is {ev.leak.threshold:.0%}). Check that it is known at prediction time and is "
            "not recorded after the outcome; if it is recorded later, drop it (`[audit] drop_columns`) and "
            f"re-run; if it is known in time, add `suspected_leak:{ev.leak.suspected}` to "
            "`[audit] acknowledge`.",
        ]
    hidden = [
        (s.candidate, x)
        for s in ev.slices
        for x in s.slices
        if x.hidden_regression and s.candidate in (d.recommended, d.leader)
    ]
    for name, x in hidden[:5]:
        assert x.vs_baseline is not None
        lines += [
            "",
            f"**Hidden regression**: {name} beats the baseline overall but is worse than "
            f"{d.best_baseline} on {x.label} ({x.rows:,} rows; {metric_label(d.metric)} "
            f"{_signed(x.vs_baseline.value)}, Holm p = {x.p_worse:.3f}). Fall back to the baseline on that "
            "segment or fix it before shipping.",
        ]
    for step, why in ev.skipped.items():
        lines += ["", f"*{step.capitalize()}*: {why}."]
    return lines or ["No failure mode could be measured for this run."]


def flip_lines(record: RunRecord) -> list[str]:
    ev = record.evidence
    if ev is None:
        return ["Not measured for this run (the record has no evidence)."]
    if not ev.flips:
        return [
            "No change of a stated constraint, team skill or serving choice would change the chosen option "
            "(each was tried by re-running the decision on the measured numbers)."
        ]
    lines = [
        "Each line was found by re-running the decision on this run's measurements with the one change; the "
        "example value lies inside the range that changes it.",
        "",
    ]
    for f in ev.flips:
        then = f"**{f.chooses}**" if f.chooses else "no option passes the gates"
        if f.kind == "data":
            lines.append(f"* With {f.condition.replace('≈', 'about')} of training data: {then}")
            continue
        example = ""
        if f.kind == "constraint" and isinstance(f.value, float):
            example = f" (e.g. `{f.driver} = {f.value:g}`)"
        lines.append(f"* With `{f.driver}` {f.condition}{example}: {then}")
    return lines


def monitoring_lines(record: RunRecord) -> list[str]:
    ev = record.evidence
    if ev is None or ev.monitoring is None:
        return ["Not measured for this run (the record has no evidence)."]
    m = ev.monitoring
    lines = [
        f"Reference distributions of {m.candidate}'s predictions and of its most important features on the "
        f"test split are kept in the run record (`evidence.monitoring`), so drift can be checked without "
        "labels. Watch:",
        "",
    ]
    lines += [f"* {sentence(s).rstrip('.')}" for s in m.signals]
    return lines


def option_bullets(ev: Evidence | None, candidate: str, metric: str, baseline: str | None) -> list[Bullet]:
    """Slices, calibration and robustness where they matter for one option's Pros and Cons."""
    if ev is None:
        return []
    out: list[Bullet] = []
    label = metric_label(metric)
    cs = ev.slices_of(candidate)
    if cs is not None:
        for x in [s for s in cs.slices if s.hidden_regression][:2]:
            assert x.vs_baseline is not None
            out.append(
                (
                    "Bad",
                    f"{HIDDEN}: worse than {baseline} on {x.label} "
                    f"({x.rows:,} rows, {_signed(x.vs_baseline.value)})",
                )
            )
        if cs.worst is not None and cs.worst.score is not None and not cs.worst.hidden_regression:
            out.append(
                (
                    "Neutral",
                    f"its worst slice is {cs.worst.label}: {label} {fmt_metric(cs.worst.score.value)} "
                    f"({cs.worst.rows:,} rows)",
                )
            )
    cal = ev.calibration_of(candidate)
    if cal is not None:
        text = f"its expected calibration error (ECE) is {cal.ece:.3f}"
        if cal.improves and cal.calibrated_method and cal.calibrated_log_loss is not None:
            text += (
                f"; {cal.calibrated_method} calibration fit on dev lowers test log loss "
                f"{cal.log_loss:.3f} → {cal.calibrated_log_loss:.3f}"
            )
        out.append(("Bad" if cal.ece > 0.1 else "Neutral", text))
        if cal.threshold is not None:
            out.append(
                (
                    "Neutral",
                    f"label metrics use threshold {cal.threshold:.3g}, chosen on dev to maximise "
                    f"{metric_label(cal.threshold_metric or 'f1')}",
                )
            )
    rob = ev.robustness_of(candidate)
    if rob is not None:
        worst = max(
            (p for p in rob.perturbations if p.drop is not None), key=lambda p: p.drop or 0.0, default=None
        )
        if worst is not None and worst.drop is not None and worst.drop > 0:
            polarity = "Bad" if worst.drop > 0.05 * max(abs(rob.clean), 1e-9) else "Neutral"
            out.append((polarity, f"under {worst.name} it loses {worst.drop:.3f} {label}"))
        failed = [p.name for p in rob.perturbations if "predict failed" in p.detail]
        if failed:
            out.append(("Bad", f"it cannot predict with {', '.join(failed)}"))
        for p in rob.perturbations:
            if p.violations:
                out.append(("Bad", f"directional check {p.name}: violated on {p.violations:.0%} of rows"))
    return out


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], align: Sequence[str]) -> list[str]:
    return [
        f"| {' | '.join(header)} |",
        f"|{'|'.join(align)}|",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


def _iv(score: object) -> str:
    v = getattr(score, "value", None)
    if v is None:
        return "undefined"
    low, high = getattr(score, "low", None), getattr(score, "high", None)
    return f"{v:.3f}" if low is None or high is None else f"{v:.3f} [{low:.3f}, {high:.3f}]"


def more_information(record: RunRecord, charts: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(title, lines) subsections of More Information: charts and the full evidence tables."""
    ev, d = record.evidence, record.decision
    if ev is None or d is None:
        return []
    label = metric_label(d.metric)
    out: list[tuple[str, list[str]]] = []
    if charts:
        out.append(("Charts", [f"![{title}]({path})" for title, path in charts.items()]))
    if ev.chosen and (cs := ev.slices_of(ev.chosen)) is not None and (cs.slices or cs.per_class):
        out.append((f"Slices of {ev.chosen}", _slice_lines(record, cs, label, d.best_baseline)))
    if ev.calibration:
        out.append(("Calibration", _calibration_lines(ev.calibration)))
    if ev.robustness:
        out.append(("Robustness", _robustness_lines(ev.robustness, label)))
    if ev.learning_curves:
        out.append(("Learning curves", _learning_curve_lines(ev.learning_curves)))
    if ev.leak is not None and ev.leak.importances:
        out.append(("Feature importance", _importance_lines(ev.leak, label)))
    if ev.timings:
        out.append(("Evidence timings", ["; ".join(f"{k} {v:.1f} s" for k, v in ev.timings.items())]))
    return out


def _slice_lines(record: RunRecord, cs: CandidateSlices, label: str, best_baseline: str | None) -> list[str]:
    """The chosen option's slices against the best baseline, its worst classes and most confused pairs."""
    rows = [
        [
            x.label,
            f"{x.rows:,}",
            _iv(x.score),
            fmt_metric(x.baseline),
            _iv(x.vs_baseline),
            "—" if x.p_worse is None else f"{x.p_worse:.3f}",
            HIDDEN if x.hidden_regression else "",
        ]
        for x in cs.slices
    ]
    lines = (
        _table(
            [
                "Slice",
                "Rows",
                f"{label} (95% CI)",
                f"{best_baseline}",
                "Advantage (95% CI)",
                "Holm p (worse)",
                "",
            ],
            rows,
            ["---", "---:", "---:", "---:", "---:", "---:", "---"],
        )
        if rows
        else [f"No slice has {record.decision_spec().evidence.min_slice_rows} test rows or more."]
    )
    if cs.per_class:
        lines += [
            "",
            "Worst classes (F1): "
            + ", ".join(f"{c.label} {c.f1:.2f} (n={c.support})" for c in cs.per_class[:5]),
        ]
    if cs.confused:
        lines += [
            "",
            "Most confused: " + ", ".join(f"{p.true} → {p.predicted} ({p.count})" for p in cs.confused),
        ]
    return lines


def _calibration_lines(calibration: Sequence[Calibration]) -> list[str]:
    rows = [
        [
            c.candidate,
            f"{c.ece:.3f}",
            "—" if c.log_loss is None else f"{c.log_loss:.3f}",
            c.calibrated_method or "—",
            "—" if c.calibrated_log_loss is None else f"{c.calibrated_log_loss:.3f}",
            "yes" if c.improves else "no",
            "—" if c.threshold is None else f"{c.threshold:.3g}",
        ]
        for c in calibration
    ]
    return _table(
        [
            "Candidate",
            "ECE",
            "Log loss",
            "Calibrator (fit on dev)",
            "Calibrated log loss",
            "Improves",
            "Threshold",
        ],
        rows,
        ["---", "---:", "---:", "---", "---:", "---", "---:"],
    )


def _perturbation_cell(p: Perturbation | None) -> str:
    if p is None:
        return "—"
    if "predict failed" in p.detail:
        return "fails"
    if p.violations is not None:
        return f"{p.violations:.0%} wrong way"
    drop = "—" if p.drop is None else f"{-p.drop:+.3f}"
    changed = "" if p.changed is None else f", {p.changed:.0%} changed"
    return f"{drop}{changed}"


def _robustness_lines(robustness: Sequence[Robustness], label: str) -> list[str]:
    names = list(dict.fromkeys(p.name for r in robustness for p in r.perturbations))
    table: list[list[object]] = []
    for r in robustness:
        named = {p.name: p for p in r.perturbations}
        table.append([r.candidate, f"{r.clean:.3f}", *(_perturbation_cell(named.get(n)) for n in names)])
    details = {p.name: p.detail.split("; predict failed")[0] for r in robustness for p in r.perturbations}
    lines = _table(["Candidate", f"{label} clean", *names], table, ["---", "---:", *["---:"] * len(names)])
    lines += [
        "",
        f"On {robustness[0].rows:,} test rows: " + "; ".join(f"{n}: {t}" for n, t in details.items()) + ".",
    ]
    return lines


def _learning_curve_lines(curves: Sequence[LearningCurve]) -> list[str]:
    fractions = sorted({p.fraction for c in curves for p in c.points})
    rows_at = {p.fraction: p.rows for c in curves[::-1] for p in c.points}
    curve_rows: list[list[object]] = []
    for c in curves:
        at = {p.fraction: p for p in c.points}
        curve_rows.append([c.candidate, *(fmt_metric(at[f].mean) if f in at else "—" for f in fractions)])
    header = [
        "Candidate",
        *(f"{f:.0%} ({rows_at[f]:,} rows)" for f in fractions),
    ]
    return _table(header, curve_rows, ["---", *["---:"] * len(fractions)])


def _importance_lines(leak: LeakCheck, label: str) -> list[str]:
    rows = [
        [f.feature, f"{f.drop:.4f}", "—" if f.share_of_lift is None else f"{f.share_of_lift:.0%}"]
        for f in leak.importances[:8]
    ]
    return [
        f"Permutation importance of {leak.candidate} on dev (model fitted on train only; lift over a "
        f"no-information prediction {leak.lift:.3f}):",
        "",
        *_table(["Feature", f"{label} lost when permuted", "Share of lift"], rows, ["---", "---:", "---:"]),
    ]
