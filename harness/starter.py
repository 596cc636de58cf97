"""`harness init DATA`: a commented starter `decision.toml` to edit rather than write.

The table is read once and the task is built from it exactly as a run builds it (`harness.data.task`), so the
starter says what a run will do: the task detected, the target (given, or guessed and said so), the columns
that identify rows, group them, carry dates or free text, and why each matters. Every constraint is there,
commented out, with its description and unit from the spec's own schema (`Constraints`), so the starter stays
in step with the spec. The written text loads with `load_spec`.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import tomlkit
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from tomlkit import TOMLDocument
from tomlkit.items import Table

from harness.errors import InputError
from harness.types import TaskKind

# Column names that usually hold what is predicted, most telling first ("class" last: titanic's is a feature).
TARGET_NAMES = (
    "target",
    "label",
    "labels",
    "y",
    "outcome",
    "churn",
    "churned",
    "is_churn",
    "fraud",
    "is_fraud",
    "default",
    "survived",
    "diagnosis",
    "response",
    "intent",
    "species",
    "class",
)
# A string column of prose (≥ TEXT_MIN_MEDIAN_WORDS words) that repeats too often for a run to call it text
# (harness.data.task wants half its values distinct) is still likelier text than a category above this share.
PROSE_MIN_DISTINCT_SHARE = 0.2
_TARGET_SUFFIX = re.compile(r"(?i)[_\s.-](?:target|label|outcome|class)$")


@dataclass
class Starter:
    """What `harness init` found, and the spec text it wrote from it."""

    text: str
    kind: TaskKind
    target: str
    target_why: str  # "given with --target" or why it was guessed
    target_given: bool
    id_column: str | None = None
    ids: dict[str, str] = field(default_factory=dict)  # every id-like column → why
    groups: dict[str, str] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    text_columns: list[str] = field(default_factory=list)
    prose: dict[str, tuple[float, float]] = field(default_factory=dict)  # prose-like, not detected as text
    notes: list[str] = field(default_factory=list)


def guess_target(columns: list[str], skip: Collection[str] = ()) -> tuple[str, str]:
    """(the likely target, why): a column named like a target, else the last column that is not `skip`."""
    by_lower = {c.lower(): c for c in columns if c not in skip}
    for name in TARGET_NAMES:
        if name in by_lower:
            return by_lower[name], f"named like a target ({by_lower[name]!r})"
    for column in columns:
        if column not in skip and _TARGET_SUFFIX.search(column):
            return column, f"named like a target ({column!r})"
    usable = [c for c in columns if c not in skip] or columns
    return usable[-1], "the last column (none is named target, label, y, class, outcome, …)"


def build_starter(data_path: Path, out_path: Path, *, target: str | None = None) -> Starter:
    """Read `data_path`, detect what a run would, and render the starter spec that `out_path` will hold."""
    from harness.data.kinds import build_task_with_notes
    from harness.data.load import did_you_mean, list_columns, load_table
    from harness.data.task import TEXT_MIN_MEDIAN_WORDS, id_like_columns, looks_like_id_name
    from harness.spec import spec_from_dict

    df = load_table(data_path)
    columns = df.columns
    dates = [c for c, t in df.schema.items() if t.is_temporal()]
    if target is not None:
        if target not in columns:
            raise InputError(
                f"--target {target!r} is not a column of {data_path.name}{did_you_mean(target, columns)}",
                where=str(data_path),
                fix=f"use one of: {list_columns(columns)}",
            )
        why, given = "given with --target", True
    else:
        skip = set(id_like_columns(df, columns)) | set(dates)
        target, why = guess_target(columns, skip)
        given = False
    others = [c for c in columns if c != target and c not in dates]
    ids = id_like_columns(df, others)
    unique = {c: r for c, r in ids.items() if df.get_column(c).n_unique() >= 0.98 * df.height}
    groups = {}
    for name in ids:
        if name in unique or not looks_like_id_name(name):
            continue
        per_value = df.height / max(df.get_column(name).n_unique(), 1)
        groups[name] = f"{df.get_column(name).n_unique():,} values, ~{per_value:.0f} rows each"
    id_column = next(iter(unique), None)

    rel = _relative(data_path, out_path)
    title = f"Which model should predict {target} ({data_path.name})"
    if len(title) > 120:
        title = title[:117] + "…"
    raw: dict[str, Any] = {"title": title, "data": {"path": rel, "target": target}}
    if id_column is not None:
        raw["data"]["id_column"] = id_column
    spec = spec_from_dict(raw, where=str(out_path))
    try:
        task, notes = build_task_with_notes(df, spec)
    except InputError as exc:
        if given:
            raise
        raise InputError(
            f"the guessed target {target!r} ({why}) cannot be predicted: {exc.problem}",
            where=str(data_path),
            fix="name the column to predict: --target COLUMN",
        ) from None
    prose = {}
    if not task.text_columns:
        for name in task.categorical_columns:
            values = df.get_column(name).drop_nulls()
            if values.dtype != pl.String or values.len() == 0:
                continue
            median = values.str.count_matches(r"\S+").median()
            words = float(median) if isinstance(median, int | float) else 0.0
            share = values.n_unique() / values.len()
            if words >= TEXT_MIN_MEDIAN_WORDS and share >= PROSE_MIN_DISTINCT_SHARE:
                prose[name] = (words, share)
    starter = Starter(
        text="",
        kind=task.kind,
        target=target,
        target_why=why,
        target_given=given,
        id_column=id_column,
        ids=ids,
        groups=groups,
        dates=dates,
        text_columns=list(task.text_columns),
        prose=prose,
        notes=notes,
    )
    starter.text = _render(starter, df, data_path, out_path, rel, title, columns)
    return starter


def _relative(data_path: Path, out_path: Path) -> str:
    """The data path as the spec holds it: relative to the spec's folder (as `load_spec` resolves it)."""
    try:
        rel = Path(os.path.relpath(data_path.resolve(), out_path.resolve().parent))
    except ValueError:  # another drive (Windows)
        return data_path.resolve().as_posix()
    if rel.parts[:2] == ("..", ".."):  # far from the spec: where it is, not how to climb there
        return data_path.resolve().as_posix()
    return rel.as_posix()


# ---- rendering -------------------------------------------------------------------------------------------


def _say(container: Any, text: str, width: int = 100) -> None:
    """`text` as comment lines of at most `width` characters."""
    for line in textwrap.wrap(text, width=width - 2, break_on_hyphens=False):
        container.add(tomlkit.comment(line))


def _render(
    s: Starter, df: pl.DataFrame, data_path: Path, out_path: Path, rel: str, title: str, columns: list[str]
) -> str:
    """The starter spec, a section at a time: the header, the top-level keys, [data], [constraints],
    [candidates] and [team_skills]."""
    doc = tomlkit.document()
    _add_header(doc, data_path, out_path)
    _add_top_level_keys(doc, s, df, title)
    doc.add("data", _data_table(s, rel, columns))
    doc.add(tomlkit.nl())
    _add_constraints_and_candidates(doc)
    doc.add("team_skills", _team_skills_table())
    return tomlkit.dumps(doc)


def _add_header(doc: TOMLDocument, data_path: Path, out_path: Path) -> None:
    """Where the starter came from, and the commands to run next."""
    _say(doc, f"A starter spec written by `harness init {data_path}`: edit it rather than write one.")
    _say(doc, "Commented-out keys keep their defaults; `harness schema` describes every key. Then:")
    doc.add(tomlkit.comment(f"  harness check {out_path}   # every problem at once, the data's columns too"))
    doc.add(
        tomlkit.comment(
            f"  harness run {out_path}     # audit, measure every candidate, decide, write the ADR"
        )
    )
    doc.add(tomlkit.nl())


def _add_top_level_keys(doc: TOMLDocument, s: Starter, df: pl.DataFrame, title: str) -> None:
    """The title, decision makers, and the task and metric detected (commented out, to override)."""
    from harness.measure.catalog import DEFAULT_METRIC, METRICS

    doc.add("title", title)
    doc["title"].comment("what is being decided; it becomes the ADR's title")
    doc.add(tomlkit.comment('decision_makers = ["Your Name"]'))
    distinct = df.get_column(s.target).n_unique()
    kinds = ", ".join(k.value for k in TaskKind if k is not TaskKind.QA)
    doc.add(tomlkit.nl())
    _say(
        doc,
        f"Task detected from {s.target!r} ({distinct:,} distinct values): {s.kind.value}. To override it, "
        f"uncomment and set one of {kinds}:",
    )
    doc.add(tomlkit.comment(f"task = {_toml(s.kind.value)}"))
    metric = DEFAULT_METRIC[s.kind]
    fits = [m for m, info in METRICS.items() if s.kind in info.tasks]
    _say(doc, f"The metric to optimise; default for {s.kind.value}: {metric}. Others: {', '.join(fits)}.")
    doc.add(tomlkit.comment(f"metric = {_toml(metric)}"))
    doc.add(tomlkit.nl())


def _data_table(s: Starter, rel: str, columns: list[str]) -> Table:
    """[data]: the path, the target (given, or guessed and why), the id column, what the other columns were
    found to be, and the split."""
    data = tomlkit.table()
    data.add("path", rel)
    data["path"].comment("a relative path is read from this file's folder")
    if s.target_given:
        _say(data, f"The column to predict ({s.target_why}).")
    else:
        _say(
            data,
            f"The column to predict was not given, so it is guessed: {s.target_why}. To predict "
            f"another column, change this line (columns: {_names(columns)}).",
        )
    data.add("target", s.target)
    if s.id_column is not None:
        data.add(tomlkit.nl())
        _say(
            data,
            f"Identifies a row ({s.ids[s.id_column]}): never a feature; duplicate rows are found with "
            "it left out.",
        )
        data.add("id_column", s.id_column)
    _add_id_group_and_date_columns(data, s)
    _add_text_columns(data, s)
    data.add(tomlkit.nl())
    data.add(
        tomlkit.comment('split = "auto"           # auto: group if group_column, else time, else stratified')
    )
    data.add(
        tomlkit.comment("test_fraction = 0.2       # the held-out test split; test_path = a golden file")
    )
    return data


def _add_id_group_and_date_columns(data: Table, s: Starter) -> None:
    """The other id-like columns (left out of the features), the group columns and the date columns, each
    with what setting it would do."""
    left = {c: why for c, why in s.ids.items() if c != s.id_column and c not in s.groups}
    if left:
        data.add(tomlkit.nl())
        _say(
            data,
            "These also look like identifiers, so a run leaves them out of the features (and says so in "
            "the ADR); list data.feature_columns to use them:",
        )
        for name, why in left.items():
            data.add(tomlkit.comment(f"  {name}: {why}"))
    for name, why in s.groups.items():
        data.add(tomlkit.nl())
        _say(
            data,
            f"{name!r} names an entity seen in many rows ({why}). If the model will meet new ones in "
            "production, keep each one's rows in one split, or the test score flatters. It is no feature "
            "either way (it looks like an id).",
        )
        data.add(tomlkit.comment(f"group_column = {_toml(name)}"))
    for name in s.dates:
        data.add(tomlkit.nl())
        _say(
            data,
            f"{name!r} holds dates/times. Set it to split by time (the latest rows become the test set, "
            "as in production); then it is no feature. Left unset, its calendar parts (year, month, day of "
            "week, …) are features of the tabular families (the ADR says which).",
        )
        data.add(tomlkit.comment(f"time_column = {_toml(name)}"))


def _add_text_columns(data: Table, s: Starter) -> None:
    """The columns read as free text, and the prose-like ones a run would not call text by itself."""
    if s.text_columns:
        data.add(tomlkit.nl())
        _say(
            data,
            f"Read as free text (many words, mostly distinct): {', '.join(map(repr, s.text_columns))}, "
            "so the text candidates apply. List text_columns, or set detect_text = false, to choose:",
        )
        data.add(tomlkit.comment(f"text_columns = {_toml(s.text_columns)}"))
    if s.prose:
        data.add(tomlkit.nl())
        shown = "; ".join(f"{c!r}: median {w:.0f} words, {d:.0%} distinct" for c, (w, d) in s.prose.items())
        _say(
            data,
            f"These read like prose but repeat too often for a run to call them text by itself ({shown}). "
            "Listed here, they are text columns; remove them to use them as categories.",
        )
        data.add("text_columns", list(s.prose))


def _add_constraints_and_candidates(doc: TOMLDocument) -> None:
    """[constraints] and [candidates], every key commented out with its description (the spec's schema)."""
    from harness.spec import CandidateSelection, Constraints

    doc.add(
        "constraints", _commented_table(Constraints, "The decision drivers: uncomment the ones that hold.")
    )
    doc.add(tomlkit.nl())
    doc.add(
        "candidates",
        _commented_table(
            CandidateSelection,
            "Which candidates run and how long they may take (defaults shown).",
            keys=("include", "exclude", "time_budget_s", "tuning_trials"),
        ),
    )
    doc.add(tomlkit.nl())


def _team_skills_table() -> Table:
    """[team_skills]: an example, commented out."""
    skills = tomlkit.table()
    _say(
        skills,
        "The team's level per framework (none, basic, proficient, expert): it weighs the options' "
        "maintenance, e.g.:",
    )
    skills.add(tomlkit.comment('sklearn = "expert"'))
    skills.add(tomlkit.comment('pytorch = "basic"'))
    return skills


def _commented_table(model: type[BaseModel], intro: str, keys: tuple[str, ...] | None = None) -> Table:
    """A table with every field of `model` commented out: its description (with its unit), allowed values,
    and a value: the default, else the schema's example."""
    table = tomlkit.table()
    _say(table, intro)
    for name, info in model.model_fields.items():
        if keys is not None and name not in keys:
            continue
        value = info.get_default(call_default_factory=True)
        if value is PydanticUndefined:
            value = None
        if value is None and info.examples:
            value = info.examples[0]
        if value is None:
            continue
        described = (info.description or "").rstrip(".")
        allowed = _allowed_values(info.annotation)
        if allowed and not all(v in described for v in allowed):
            described += f" (one of: {', '.join(allowed)})"
        table.add(tomlkit.nl())
        _say(table, described + ".")
        table.add(tomlkit.comment(f"{name} = {_toml(value)}"))
    return table


def _allowed_values(annotation: Any) -> list[str]:
    from enum import Enum

    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return []


def _toml(value: Any) -> str:
    from enum import Enum

    if isinstance(value, Enum):
        value = value.value
    return tomlkit.item(value).as_string()


def _names(columns: list[str], limit: int = 12) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f", … ({len(columns) - limit} more)" if len(columns) > limit else "")
