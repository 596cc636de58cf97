"""What would change the decision: for each numeric constraint, each team skill and the serving choices, the
value at which the chosen option would change — found by re-running the decision itself (a pure function of
the measurements and the spec) with the changed spec, so every flip reported is one `decide` really makes.

A numeric constraint can only change the outcome where it crosses a candidate's measured value, so only
those breakpoints are tried. The value reported lies in the middle of the range that gives the other choice
(geometric mean of its ends), so a re-run with it flips the decision despite timing noise.
"""

from __future__ import annotations

import math
from typing import Any

from harness.candidates.registry import known_skills
from harness.decide import decide
from harness.evidence.model import Flip
from harness.gates import NUMERIC_GATES, NumericGate
from harness.results import Decision, Measurement
from harness.spec import DecisionSpec
from harness.types import Hardware, Interpretability, SkillLevel

_EPS = 1e-3


def _with(spec: DecisionSpec, section: str, **changes: Any) -> DecisionSpec:
    part = getattr(spec, section)
    if isinstance(part, dict):
        return spec.model_copy(update={section: {**part, **changes}})
    return spec.model_copy(update={section: part.model_copy(update=changes)})


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{digits}f}" if digits else f"{x:,.0f}"


def numeric_flips(ms: list[Measurement], spec: DecisionSpec, metric: str, now: str | None) -> list[Flip]:
    out: list[Flip] = []
    for gate in NUMERIC_GATES:
        if gate.needs is not None and getattr(spec.constraints, gate.needs) is None:
            continue  # e.g. no cost without a hardware price
        out += _gate_flips(gate, ms, spec, metric, now)
    return out


def _gate_flips(
    gate: NumericGate, ms: list[Measurement], spec: DecisionSpec, metric: str, now: str | None
) -> list[Flip]:
    current = getattr(spec.constraints, gate.field)
    points = sorted({v for m in ms if m.ok and (v := gate.reads(m)) is not None and v > 0})
    if not points:
        return []
    # budgets just either side of every breakpoint: the only places the outcome can change
    tries: list[float] = []
    for p in points:
        tries += [p * (1 - _EPS), p * (1 + _EPS)]

    def outcome(limit: float) -> str | None:
        return decide(ms, _with(spec, "constraints", **{gate.field: limit}), metric=metric).recommended

    asc = sorted((limit, outcome(limit)) for limit in set(tries))
    if gate.passes_below:  # stricter = a smaller budget; walk outwards from the current one
        stricter = [r for r in reversed(asc) if current is None or r[0] < current]
        looser = [r for r in asc if current is not None and r[0] > current]
    else:  # stricter = a larger required minimum
        stricter = [r for r in asc if current is None or r[0] > current]
        looser = [r for r in reversed(asc) if current is not None and r[0] < current]
    found = [
        _first_change(stricter, now, gate, toward="stricter"),
        _first_change(looser, now, gate, toward="looser"),
    ]
    return [f for f in found if f is not None]


def _first_change(
    ordered: list[tuple[float, str | None]], now: str | None, gate: NumericGate, *, toward: str
) -> Flip | None:
    """`ordered` runs from the current budget outwards; the first limit whose outcome differs starts the flip
    range, which ends where the outcome changes again (or at the last breakpoint)."""
    for i, (limit, chosen) in enumerate(ordered):
        if chosen == now:
            continue
        end = limit
        for later, again in ordered[i + 1 :]:
            if again != chosen:
                break
            end = later
        shrinks = _shrinks(gate, toward)
        inside = math.sqrt(limit * end) if end != limit else limit * (0.7 if shrinks else 1.5)
        word = "below" if shrinks else "at or above"
        return Flip(
            driver=gate.field,
            condition=f"{word} {_fmt(limit)} {gate.unit}",
            value=float(f"{inside:.3g}"),
            chooses=chosen,
            kind="constraint",
        )
    return None


def _shrinks(gate: NumericGate, toward: str) -> bool:
    return (gate.passes_below and toward == "stricter") or (not gate.passes_below and toward == "looser")


def skill_flips(ms: list[Measurement], spec: DecisionSpec, metric: str, now: str | None) -> list[Flip]:
    used = {s for m in ms if m.ok for s in m.skills}
    out: list[Flip] = []
    for skill in (s for s in known_skills() if s in used):
        have = spec.team_skills.get(skill)
        for level in SkillLevel:
            if level == have:
                continue
            chosen = decide(ms, _with(spec, "team_skills", **{skill: level}), metric=metric).recommended
            if chosen != now:
                out.append(
                    Flip(
                        driver=f"team_skills.{skill}",
                        condition=f"= {level.value}",
                        value=level.value,
                        chooses=chosen,
                        kind="skill",
                    )
                )
                break
    return out


def serving_flips(ms: list[Measurement], spec: DecisionSpec, metric: str, now: str | None) -> list[Flip]:
    c = spec.constraints
    options: list[tuple[str, Any]] = [
        ("interpretability", v) for v in Interpretability if v != c.interpretability
    ] + [("hardware", v) for v in Hardware if v != c.hardware]
    out = []
    for field, value in options:
        chosen = decide(ms, _with(spec, "constraints", **{field: value}), metric=metric).recommended
        if chosen != now:
            out.append(Flip(driver=field, condition=f"= {value.value}", value=value.value, chooses=chosen))
    return out


def find_flips(ms: list[Measurement], spec: DecisionSpec, metric: str, decision: Decision) -> list[Flip]:
    now = decision.recommended
    return (
        numeric_flips(ms, spec, metric, now)
        + skill_flips(ms, spec, metric, now)
        + serving_flips(ms, spec, metric, now)
    )


def data_flips(crossings: list[tuple[str, int]], rows_now: int) -> list[Flip]:
    return [
        Flip(
            driver="training rows",
            condition=f"≈ {rows:,} rows (today {rows_now:,}; extrapolated from the learning curves)",
            value=float(rows),
            chooses=name,
            kind="data",
        )
        for name, rows in crossings[:2]
    ]
