"""The satisficing gates as decide applies them (the table itself is harness.gates), and the conditions that
make latency figures less trustworthy."""

from __future__ import annotations

from collections.abc import Sequence

from harness import gates
from harness.gates import num as _num
from harness.results import Measurement
from harness.spec import DecisionSpec


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
