"""Helpers for the data-layer tests."""

from __future__ import annotations

from typing import Any

from harness.spec import DecisionSpec, spec_from_dict


def make_spec(
    target: str | None = "label", *, task: str | None = None, seed: int = 0, **sections: Any
) -> DecisionSpec:
    """A spec for tests: `data` keys as keyword arguments, other sections as dicts (`constraints={...}`)."""
    data: dict[str, Any] = {"path": "unused.csv", "target": target}
    raw: dict[str, Any] = {"title": "test decision", "seed": seed, "data": data}
    if task is not None:
        raw["task"] = task
    for key, value in sections.items():
        if key in ("constraints", "audit", "candidates"):
            raw[key] = value
        else:
            data[key] = value
    return spec_from_dict(raw)


def assert_message(error: BaseException, *needles: str) -> str:
    """The error is one line, carries a fix, and mentions every needle."""
    message = str(error)
    assert "\n" not in message, message
    assert "— fix: " in message, f"no fix in: {message}"
    for needle in needles:
        assert needle in message, f"{needle!r} not in: {message}"
    return message
