"""pydantic's `ValidationError` as `InputError`s: one line each, naming the bad key and the fix."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from harness.errors import InputError
from harness.spec.model import DecisionSpec


def as_input_error(exc: ValidationError, where: str) -> InputError:
    """Turn pydantic's report into one line naming the first bad key and the fix."""
    return as_input_errors(exc, where)[0]


def as_input_errors(exc: ValidationError, where: str) -> list[InputError]:
    """Every error in pydantic's report, each as one line naming the bad key and the fix."""
    return [_one_input_error(err, where) for err in exc.errors()]


def _one_input_error(err: Any, where: str) -> InputError:
    key = ".".join(str(part) for part in err["loc"])
    kind = err["type"]
    if kind == "value_error":  # our own validators: "<problem>; <fix>"
        problem, _, fix = err["msg"].removeprefix("Value error, ").partition("; ")
        if key:  # a rule across keys (a model validator) names its keys itself
            problem = f"invalid value for '{key}': {problem}"
        return InputError(problem, where=where, fix=fix or (_fix_for(kind, key) if key else None))
    if kind == "extra_forbidden":
        import difflib

        parent = err["loc"][:-1]
        allowed = _allowed_keys(parent)
        close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1, cutoff=0.6)
        if close:
            right = ".".join([*(str(part) for part in parent), close[0]])
            return InputError(
                f"unknown key '{key}' (did you mean '{right}'?)",
                where=where,
                fix=f"rename it to '{close[0]}', or remove it",
            )
        return InputError(
            f"unknown key '{key}'",
            where=where,
            fix=f"remove it or use one of: {', '.join(allowed)}" if allowed else "remove it",
        )
    if kind == "missing":
        return InputError(f"missing required key '{key}'", where=where, fix=f"add '{key}' to the spec")
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if kind == "finite_number" and isinstance(got, float):
        what = "nan is not a number" if got != got else f"{got} is not a finite number"
        return InputError(
            f"invalid value for '{key}': {what}",
            where=where,
            fix=f"give '{key}' a number, or remove the key to leave it unset",
        )
    shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
    return InputError(f"invalid value for '{key}'{shown}: {msg}", where=where, fix=_fix_for(kind, key))


def _fix_for(kind: str, key: str) -> str:
    if kind.startswith(("greater_than", "less_than")):
        return f"set '{key}' to a value in the allowed range"
    if kind in ("enum", "literal_error"):
        return f"use one of the allowed values for '{key}'"
    if kind.endswith("_parsing") or kind.endswith("_type"):
        return f"give '{key}' a value of the right type"
    return f"correct '{key}'"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = DecisionSpec
    for part in loc:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return []
    return list(model.model_fields)
