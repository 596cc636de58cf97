"""The Constraints form as data: which spec key each field edits, and the form ↔ spec-dict conversion.

No validation lives here: the form builds a plain dict and `harness.spec_file.draft_status` (pydantic) judges
it; `field_for_error` puts its one-line `InputError` next to the field it names. Keys the form does not show
(split, feature columns, …) are kept from the loaded spec, so load → save changes no meaning, and
`changed_keys` names the keys an edit touched, so saving rewrites those and nothing else.

The Constraints section is generated from the spec's schema (`harness.spec.Constraints`): a constraint added
to the spec appears in the form with no change here.
"""

from __future__ import annotations

import copy
import enum
import re
import types
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from harness.candidates.registry import known_skills
from harness.errors import InputError
from harness.measure.catalog import METRICS
from harness.spec import Constraints, DecisionSpec
from harness.types import SkillLevel, TaskKind

FieldKind = Literal["text", "list", "float", "int", "choice", "bool"]
BOOL_CHOICES = ("true", "false")


@dataclass(frozen=True)
class FormField:
    key: str  # dotted spec path, e.g. "constraints.latency_p99_ms"
    label: str
    kind: FieldKind = "text"
    choices: tuple[str, ...] = ()  # for kind == "choice"; unset is always allowed
    placeholder: str = ""
    section: str = ""
    help: str = ""  # the spec's description of the key, shown as the field's tooltip

    @property
    def widget_id(self) -> str:
        return "f-" + self.key.replace(".", "--")

    @property
    def error_id(self) -> str:
        return "e-" + self.key.replace(".", "--")


def _f(section: str, key: str, label: str, kind: FieldKind = "text", **kw: Any) -> FormField:
    return FormField(key=key, label=label, kind=kind, section=section, **kw)


def _kind_of(annotation: Any) -> tuple[FieldKind, tuple[str, ...]]:
    """The form kind of a pydantic field type: `float | None` → float, an enum → its values to choose from."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)][:1] or (str,)
        return _kind_of(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", tuple(str(member.value) for member in annotation)
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in get_args(annotation))
    if annotation is bool:
        return "bool", BOOL_CHOICES
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if get_origin(annotation) is list:
        return "list", ()
    return "text", ()


def schema_fields(model: type[BaseModel], prefix: str, section: str) -> tuple[FormField, ...]:
    """One form field per field of `model`, from its schema: the type gives the kind (number, whole number,
    a choice of an enum's values), the title the label, the default and an example the placeholder, the
    description the tooltip."""
    out = []
    for name, info in model.model_fields.items():
        kind, choices = _kind_of(info.annotation)
        label = info.title or name.replace("_", " ").capitalize()
        default = info.get_default(call_default_factory=True)
        if default is None or default == []:
            placeholder = "unset" + (f", e.g. {info.examples[0]}" if info.examples else "")
        else:
            placeholder = str(default.value if isinstance(default, enum.Enum) else default).lower()
        out.append(
            FormField(
                key=f"{prefix}.{name}",
                label=label,
                kind=kind,
                choices=choices,
                placeholder=placeholder,
                section=section,
                help=info.description or "",
            )
        )
    return tuple(out)


def constraint_fields() -> tuple[FormField, ...]:
    """The Constraints section: every field of the spec's `Constraints`, in the spec's order."""
    return schema_fields(Constraints, "constraints", "Constraints")


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
    *constraint_fields(),
    *(
        _f(
            "Team skills",
            f"team_skills.{skill}",
            skill,
            "choice",
            choices=tuple(SkillLevel),
            placeholder="unset",
        )
        for skill in known_skills()
    ),
    _f("Candidates", "candidates.include", "Include", "list", placeholder="all (names or families)"),
    _f("Candidates", "candidates.exclude", "Exclude", "list", placeholder="none"),
    _f("Candidates", "candidates.time_budget_s", "Time budget per candidate (s)", "float", placeholder="900"),
    _f("Candidates", "seed", "Seed", "int", placeholder="0"),
    _f(
        "Audit",
        "audit.drop_columns",
        "Drop columns",
        "list",
        placeholder="none (removed before anything else)",
    ),
    _f("Audit", "audit.dedupe", "Drop duplicate rows", "bool", choices=BOOL_CHOICES, placeholder="false"),
    _f(
        "Audit",
        "audit.acknowledge",
        "Acknowledged findings",
        "list",
        placeholder="none, e.g. leakage:chargeback_flag",
    ),
)


def _described(field: FormField) -> FormField:
    """A hand-written field gets the spec's description of its key as its tooltip."""
    if field.help:
        return field
    model: Any = DecisionSpec
    info = None
    for part in field.key.split("."):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return field
        info = fields[part]
        model = info.annotation
    return replace(field, help=info.description or "") if info is not None else field


FIELDS = tuple(_described(f) for f in FIELDS)
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
        if field.kind == "bool":
            values[field.key] = None if value is None else str(bool(value)).lower()
        elif field.kind == "choice":
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
    if field.kind == "bool":
        return text == "true"
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


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    return bool(old == new)


def changed_keys(values: FormValues, base: dict[str, Any]) -> dict[str, Any]:
    """The form fields whose value differs from `base` (the spec as loaded), as {dotted key: new value, or
    None to remove it}: what saving writes into the file, so nothing the author did not touch is written."""
    changes: dict[str, Any] = {}
    for key, text in values.items():
        field = FIELDS_BY_KEY.get(key)
        if field is None:
            continue
        new = _parse(field, text)
        if not _same(get_path(base, key), new):
            changes[key] = new
    return changes


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
