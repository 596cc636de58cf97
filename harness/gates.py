"""The gate table: every satisficing constraint, declared once.

Each gate names its `spec.constraints` field and knows how to read the measurement it is checked against,
which side passes, its unit, and its words: the violation decide records (with the measured number and the
limit), the decision driver and the Good/Bad/Neutral bullet the ADR prints, and the line the Benchmark
Methodology states before anything trains. decide, the ADR, the plan, `harness verify` and the flip analysis
all iterate over `GATES`; adding a constraint is one gate here plus its field in `spec.Constraints` (the TUI
form is generated from the spec's schema).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from harness.fmt import fmt_budget, fmt_int, fmt_mb, fmt_ms, fmt_usd, pct
from harness.results import Measurement
from harness.spec import Constraints
from harness.types import Hardware, Interpretability

BulletKind = Literal["Good", "Bad", "Neutral", "Over"]  # Over: a Bad the violations already state
Bullet = tuple[BulletKind, str]


# ---- numbers for decide's sentences ------------------------------------------------------------------------
def num(x: float, digits: int = 3) -> str:
    """A measured quantity for prose: 41.2, 0.831, 2,000, 850."""
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def usd(x: float, digits: int = 3) -> str:
    return f"${x:,.2f}" if x >= 10 else f"${x:.{digits}g}"


def apart(fmt: Callable[[float, int], str], measured: float, limit: float) -> tuple[str, str]:
    """Format a measured value and its limit with enough digits that they never read as equal."""
    for digits in range(3, 8):
        a, b = fmt(measured, digits), fmt(limit, digits)
        if a != b:
            return a, b
    return a, b


# ---- the gates ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gate:
    """A yes/no constraint (serving hardware, interpretability): no number to compare, a property to check."""

    field: str

    def limit(self, c: Constraints) -> object:
        return getattr(c, self.field)

    def violation(self, m: Measurement, c: Constraints) -> str | None:
        raise NotImplementedError

    def risk(self, m: Measurement, c: Constraints) -> str | None:
        """A budget inside the measurement's noise: not a violation, a risk the team must see."""
        return None

    def driver(self, c: Constraints) -> str | None:
        """The ADR's decision-driver line for this constraint (None: unset, or stated elsewhere)."""
        return None

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        return []

    def plan_line(self, c: Constraints) -> str | None:
        """The Benchmark Methodology's line for this gate (None: unset)."""
        return None

    def plan_note(self, c: Constraints) -> str | None:
        """A note printed after the numeric gates' lines (how the gate reads a noisy measurement)."""
        return None


@dataclass(frozen=True)
class NumericGate(Gate):
    """A numeric limit: `reads` gives the value compared with it (for latency the low end of the p99 CI: a
    gate rejects only when the whole interval is over budget)."""

    unit: str = ""
    reads: Callable[[Measurement], float | None] = lambda _m: None
    passes_below: bool = True  # measured ≤ limit passes (latency, size, cost); False: ≥ (throughput)
    needs: str | None = None  # another constraint without which this gate cannot be measured

    def number(self, c: Constraints) -> float | None:
        value = getattr(c, self.field)
        return None if value is None else float(value)

    def fails(self, m: Measurement, c: Constraints) -> bool | None:
        """True/False against the limit; None when unset or not measured."""
        limit, got = self.number(c), self.reads(m)
        if limit is None or got is None:
            return None
        return got > limit if self.passes_below else got < limit

    def plan_line(self, c: Constraints) -> str | None:
        limit = self.number(c)
        if limit is None:
            return None
        side = "≤" if self.passes_below else "≥"
        return f"* `{self.field}`: measured {side} {fmt_budget(limit)} {self.unit}"


class _Latency(NumericGate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        limit, lat = c.latency_p99_ms, m.latency
        if limit is None:
            return None
        if lat is None:
            return f"p99 latency not measured (budget {num(limit)} ms)"
        if lat.p99_low <= limit:  # the whole CI must exceed the budget
            return None
        got, shown = apart(num, lat.p99_ms, limit)
        ci = "" if lat.p99_ci_ms is None else f" (95% CI {num(lat.p99_low)}–{num(lat.p99_high)} ms)"
        return f"p99 {got} ms{ci} > budget {shown} ms"

    def risk(self, m: Measurement, c: Constraints) -> str | None:
        limit, lat = c.latency_p99_ms, m.latency
        if limit is None or lat is None or not lat.p99_low <= limit < lat.p99_high:
            return None
        return (
            f"at risk: p99 {num(lat.p99_ms)} ms, 95% CI {num(lat.p99_low)}–{num(lat.p99_high)} ms, "
            f"contains the {num(limit)} ms budget"
        )

    def driver(self, c: Constraints) -> str | None:
        limit = c.latency_p99_ms
        return None if limit is None else f"Latency: p99 of one request ≤ {fmt_budget(limit)} ms"

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        if m.latency is None:
            return []
        p99, budget = m.latency.p99_ms, c.latency_p99_ms
        if budget is None:
            return [
                (
                    "Neutral",
                    f"one request takes {fmt_ms(m.latency.p50_ms)} ms at p50 and {fmt_ms(p99)} ms at p99 "
                    "(no latency budget set)",
                )
            ]
        if p99 <= budget:
            return [
                (
                    "Good",
                    f"its p99 latency of {fmt_ms(p99)} ms per request leaves {fmt_ms(budget - p99)} "
                    f"ms ({pct(budget - p99, budget)}) headroom under the {fmt_budget(budget)} ms budget",
                )
            ]
        return [("Over", f"its p99 latency of {fmt_ms(p99)} ms exceeds the {fmt_budget(budget)} ms budget")]

    def plan_note(self, c: Constraints) -> str | None:
        if c.latency_p99_ms is None:
            return None
        return (
            "  (latency: a budget inside the 95% CI of the measured p99 is *at risk*, not a rejection; "
            "the whole interval over budget rejects)"
        )


class _Throughput(NumericGate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        limit, rate = c.throughput_rps, m.throughput_rows_per_s
        if limit is None:
            return None
        if rate is None:
            return f"throughput not measured (required {num(limit)} rows/s)"
        if rate >= limit:
            return None
        got, shown = apart(num, rate, limit)
        return f"throughput {got} rows/s < required {shown} rows/s"

    def driver(self, c: Constraints) -> str | None:
        limit = c.throughput_rps
        return None if limit is None else f"Throughput: ≥ {fmt_int(limit)} rows/s per serving process"

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        rate, need = m.throughput_rows_per_s, c.throughput_rps
        if rate is None:
            return []
        if need is None:
            return [("Neutral", f"it predicts {fmt_int(rate)} rows/s in batches")]
        if rate >= need:
            return [("Good", f"it sustains {fmt_int(rate)} rows/s, above the {fmt_int(need)} rows/s needed")]
        return [("Over", f"it sustains only {fmt_int(rate)} rows/s of the {fmt_int(need)} rows/s needed")]


class _Size(NumericGate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        limit = c.max_model_mb
        if limit is None:
            return None
        if m.size_mb is None:
            return f"model size not measured (limit {num(limit)} MB)"
        if m.size_mb <= limit:
            return None
        got, shown = apart(num, m.size_mb, limit)
        return f"size {got} MB > limit {shown} MB"

    def driver(self, c: Constraints) -> str | None:
        limit = c.max_model_mb
        return None if limit is None else f"Size: serialized model (and index) ≤ {fmt_budget(limit)} MB"

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        if m.size_bytes is None:
            return []
        size, limit = fmt_mb(m.size_bytes), c.max_model_mb
        if limit is None:
            return [("Neutral", f"it serializes to {size} MB")]
        if m.size_mb is not None and m.size_mb <= limit:
            return [("Good", f"it serializes to {size} MB, within the {fmt_budget(limit)} MB limit")]
        return [("Over", f"it serializes to {size} MB, over the {fmt_budget(limit)} MB limit")]


class _Cost(NumericGate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        limit, cost = c.budget_usd_per_1k_predictions, m.cost_usd_per_1k
        if limit is None:
            return None
        if cost is None:
            return f"cost per 1k predictions unknown (budget {usd(limit)})"
        if cost <= limit:
            return None
        got, shown = apart(usd, cost, limit)
        return f"cost {got} per 1k predictions > budget {shown}"

    def driver(self, c: Constraints) -> str | None:
        limit = c.budget_usd_per_1k_predictions
        return None if limit is None else f"Cost: ≤ {fmt_budget(limit)} USD per 1,000 predictions"

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        if m.cost_usd_per_1k is None:
            return []
        cost, limit = fmt_usd(m.cost_usd_per_1k), c.budget_usd_per_1k_predictions
        if limit is None:
            return [("Neutral", f"1,000 predictions cost {cost} USD")]
        if m.cost_usd_per_1k <= limit:
            return [("Good", f"1,000 predictions cost {cost} USD, within the {fmt_budget(limit)} USD budget")]
        return [("Over", f"1,000 predictions cost {cost} USD, over the {fmt_budget(limit)} USD budget")]


class _Hardware(Gate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        if c.hardware is Hardware.CPU and m.requires_gpu:
            return "needs a GPU; serving hardware is cpu"
        return None

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        if m.requires_gpu and c.hardware is Hardware.CPU:
            return [("Over", "it needs a GPU and the serving hardware is CPU")]
        return []

    def plan_line(self, c: Constraints) -> str | None:
        if c.hardware is Hardware.CPU:
            return "* serving hardware: CPU (a candidate that needs a GPU is rejected)"
        return None


class _Interpretability(Gate):
    def violation(self, m: Measurement, c: Constraints) -> str | None:
        if c.interpretability is Interpretability.REQUIRED and not m.interpretable:
            return "not interpretable; interpretability is required"
        return None

    def bullets(self, m: Measurement, c: Constraints) -> list[Bullet]:
        if c.interpretability is Interpretability.NONE:
            return []
        if m.interpretable:
            return [("Good", f"its predictions can be explained (interpretability {c.interpretability})")]
        if c.interpretability is Interpretability.REQUIRED:
            return [("Over", "it is not interpretable and interpretability is required")]
        return [("Bad", "it is not interpretable and interpretability is preferred")]

    def plan_line(self, c: Constraints) -> str | None:
        if c.interpretability is Interpretability.REQUIRED:
            return "* interpretability: required (a model that is not interpretable is rejected)"
        return None


NUMERIC_GATES: tuple[NumericGate, ...] = (
    _Latency("latency_p99_ms", "ms", lambda m: m.latency.p99_low if m.latency else None, True),
    _Throughput("throughput_rps", "rows/s", lambda m: m.throughput_rows_per_s, False),
    _Size("max_model_mb", "MB", lambda m: m.size_mb, True),
    _Cost(
        "budget_usd_per_1k_predictions",
        "USD per 1k",
        lambda m: m.cost_usd_per_1k,
        True,
        needs="hardware_usd_per_hour",
    ),
)
GATES: tuple[Gate, ...] = (*NUMERIC_GATES, _Hardware("hardware"), _Interpretability("interpretability"))


def violations(m: Measurement, c: Constraints) -> list[str]:
    """Every constraint `m` breaks, each with the measured number and the limit, in the table's order."""
    return [v for gate in GATES if (v := gate.violation(m, c)) is not None]


def risks(m: Measurement, c: Constraints) -> list[str]:
    return [r for gate in GATES if (r := gate.risk(m, c)) is not None]


def bullets(m: Measurement, c: Constraints, *, has_violations: bool) -> list[tuple[str, str]]:
    """Each measured number against its budget (Good with headroom, Bad when over, Neutral when unset). When
    decide already listed the violations, over-budget bullets are left to those (no duplicate)."""
    out: list[tuple[str, str]] = []
    for gate in GATES:
        for kind, text in gate.bullets(m, c):
            if kind == "Over":
                if not has_violations:
                    out.append(("Bad", text))
            else:
                out.append((kind, text))
    return out


def drivers(c: Constraints) -> list[str]:
    return [d for gate in GATES if (d := gate.driver(c)) is not None]


def plan_lines(c: Constraints) -> list[str]:
    """The numeric limits, then the notes on how they are read, then the yes/no gates."""
    numeric = [line for gate in NUMERIC_GATES if (line := gate.plan_line(c)) is not None]
    notes = [note for gate in GATES if (note := gate.plan_note(c)) is not None]
    yes_no = [gate for gate in GATES if not isinstance(gate, NumericGate)]
    rest = [line for gate in yes_no if (line := gate.plan_line(c)) is not None]
    return [*numeric, *notes, *rest]
