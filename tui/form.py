"""The Constraints form as data: which spec key each field edits, and the form ↔ spec-dict conversion.

No validation lives here: the form builds a plain dict and `harness.spec.spec_from_dict` (pydantic) judges
it; `field_for_error` puts its one-line `InputError` next to the field it names. Keys the form does not show
(split, feature columns, audit options, …) are kept from the loaded spec, so load → save changes no meaning.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Literal

from harness.errors import InputError
from harness.measure.catalog import METRICS
from harness.types import KNOWN_SKILLS, Hardware, Interpretability, Privacy, SkillLevel, TaskKind

FieldKind = Literal["text", "list", "float", "int", "choice"]


@dataclass(frozen=True)
class FormField:
    key: str  # dotted spec path, e.g. "constraints.latency_p99_ms"
    label: str
    kind: FieldKind = "text"
    choices: tuple[str, ...] = ()  # for kind == "choice"; unset is always allowed
    placeholder: str = ""
    section: str = ""

    @property
    def widget_id(self) -> str:
        return "f-" + self.key.replace(".", "--")

    @property
    def error_id(self) -> str:
        return "e-" + self.key.replace(".", "--")


def _f(section: str, key: str, label: str, kind: FieldKind = "text", **kw: Any) -> FormField:
    return FormField(key=key, label=label, kind=kind, section=section, **kw)


FIELDS: tuple[FormField, ...] = (
    _f("Decision", "title", "Title", placeholder="What is being decided (becomes the ADR title)"),
    _f("Decision", "decision_makers", "Decision makers", "list", placeholder="comma-separated names"),
    _f("Decision", "task", "Task", "choice", choices=tuple(TaskKind), placeholder="auto (from the target)"),
    _f("Decision", "metric", "Metric", "choice", choices=tuple(METRICS), placeholder="default for the task"),
    _f("Data", "data.path", "Data path", placeholder="CSV, Parquet or JSONL; relative to the spec file"),
    _f("Data", "data.target", "Target column", placeholder="column to predict"),
    _f("Data", "data.id_column", "Id column", placeholder="optional"),
    _f("Data", "data.group_column", "Group column", placeholder="optional: rows of a group stay together"),
    _f("Data", "data.time_column", "Time column", placeholder="optional: latest rows become the test split"),
    _f("Constraints", "constraints.latency_p99_ms", "Latency p99 (ms)", "float", placeholder="no limit"),
    _f("Constraints", "constraints.throughput_rps", "Throughput (rows/s)", "float", placeholder="no limit"),
    _f("Constraints", "constraints.max_model_mb", "Max model size (MB)", "float", placeholder="no limit"),
    _f("Constraints", "constraints.labelled_examples", "Labelled examples", "int", placeholder="all rows"),
    _f(
        "Constraints",
        "constraints.budget_usd_per_1k_predictions",
        "Budget (USD / 1k pred.)",
        "float",
        placeholder="no limit (needs a hardware price)",
    ),
    _f(
        "Constraints",
        "constraints.hardware_usd_per_hour",
        "Hardware (USD / hour)",
        "float",
        placeholder="unset",
    ),
    _f(
        "Constraints",
        "constraints.hardware",
        "Hardware",
        "choice",
        choices=tuple(Hardware),
        placeholder="cpu",
    ),
    _f(
        "Constraints",
        "constraints.privacy",
        "Privacy",
        "choice",
        choices=tuple(Privacy),
        placeholder="no_external_api",
    ),
    _f(
        "Constraints",
        "constraints.interpretability",
        "Interpretability",
        "choice",
        choices=tuple(Interpretability),
        placeholder="none",
    ),
    _f(
        "Constraints",
        "constraints.knowledge_freshness_days",
        "Knowledge freshness (days)",
        "int",
        placeholder="no limit",
    ),
    *(
        _f(
            "Team skills",
            f"team_skills.{skill}",
            skill,
            "choice",
            choices=tuple(SkillLevel),
            placeholder="unset",
        )
        for skill in KNOWN_SKILLS
    ),
    _f("Candidates", "candidates.include", "Include", "list", placeholder="all (names or families)"),
    _f("Candidates", "candidates.exclude", "Exclude", "list", placeholder="none"),
    _f("Candidates", "candidates.time_budget_s", "Time budget per candidate (s)", "float", placeholder="900"),
    _f("Candidates", "seed", "Seed", "int", placeholder="0"),
)
FIELDS_BY_KEY: dict[str, FormField] = {f.key: f for f in FIELDS}

FormValues = dict[str, str | None]  # field key → text (inputs) or chosen value / None (selects)

NEW_SPEC: dict[str, Any] = {"title": "", "data": {"path": ""}}


# ---- dict paths ----------------------------------------------------------------------------------------


def get_path(raw: dict[str, Any], key: str) -> Any:
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_path(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key; `None` removes it (and parents it leaves empty)."""
    parts = key.split(".")
    node = raw
    trail: list[tuple[dict[str, Any], str]] = []
    for part in parts[:-1]:
        if value is None and not isinstance(node.get(part), dict):
            return
        trail.append((node, part))
        node = node.setdefault(part, {})
    if value is None:
        node.pop(parts[-1], None)
        for parent, part in reversed(trail):
            if parent[part]:
                break
            del parent[part]
    else:
        node[parts[-1]] = value


# ---- conversion ----------------------------------------------------------------------------------------


def _show_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def values_from_dict(raw: dict[str, Any]) -> FormValues:
    """What each form field shows for a spec dict (loaded TOML or `DecisionSpec.to_dict()`)."""
    values: FormValues = {}
    for field in FIELDS:
        value = get_path(raw, field.key)
        if field.kind == "choice":
            values[field.key] = None if value is None else str(value)
        elif value is None:
            values[field.key] = ""
        elif field.kind == "list" and isinstance(value, list):
            values[field.key] = ", ".join(str(v) for v in value)
        elif field.kind in ("float", "int"):
            values[field.key] = _show_number(value)
        else:
            values[field.key] = str(value)
    return values


def _parse(field: FormField, text: str | None) -> Any:
    """Form text → spec value; text that is not a number is passed on for pydantic to reject by name."""
    if text is None:
        return None
    if field.kind == "choice":
        return text
    text = text.strip()
    if not text:
        return None
    if field.kind == "list":
        items = [item.strip() for item in text.split(",")]
        return [item for item in items if item] or None
    if field.kind in ("float", "int"):
        try:
            return int(text) if field.kind == "int" else float(text)
        except ValueError:
            return text
    return text


def dict_from_values(values: FormValues, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The spec dict the form describes, on top of `base` (the loaded spec: keeps keys the form lacks)."""
    raw = copy.deepcopy(base) if base else {}
    for key, text in values.items():
        field = FIELDS_BY_KEY.get(key)
        if field is not None:
            set_path(raw, key, _parse(field, text))
    if "data" not in raw:
        raw["data"] = {}  # so a missing path is reported as data.path, next to its field
    return raw


_QUOTED = re.compile(r"'([A-Za-z0-9_.]+)'")


def field_for_error(error: InputError) -> str | None:
    """The form field an `InputError` from `spec_from_dict` is about, or None (shown above the form)."""
    text = error.problem
    for name in _QUOTED.findall(text):
        if name in FIELDS_BY_KEY:
            return name
        if name == "data":
            return "data.path"
    # model-level errors ("'constraints': budget_… needs hardware_usd_per_hour", "data.target is required",
    # "metric 'x' does not apply"): the first field named in the text
    best: tuple[int, int, str] | None = None
    for field in FIELDS:
        for name in {field.key, field.key.rsplit(".", 1)[-1]}:
            match = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text)
            if match:
                rank = (match.start(), -len(name), field.key)
                best = min(best, rank) if best else rank
    return best[2] if best else None
