"""A spec as its author writes it: what a draft still lacks, and edits that keep the file the author's.

`update_spec_text` / `update_spec_file` change single keys of a `decision.toml` through tomlkit, so the
comments, the key order, the blank lines and the table layout stay as they were; only the keys named change,
and nothing else is written (no defaults the author did not set). `draft_status` judges a spec being built
from nothing: which essential keys are still missing (each a next step, not an error) and the first real
error among the keys that are there.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Table

from harness.errors import InputError
from harness.spec import DecisionSpec, spec_from_dict

# ---- editing -----------------------------------------------------------------------------------------------


def update_spec_text(text: str, changes: Mapping[str, Any], *, where: str = "spec") -> str:
    """`text` with each dotted key of `changes` set to its value (`None` removes the key).

    Keys not named keep their text, comments and place; a new key goes at the end of its table (a new table
    at the end of the file, a new top-level key before the first table). A number written as an integer stays
    an integer when its new value is whole. Raises `InputError` when `text` is not TOML or a key's parent is
    not a table.
    """
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise InputError(
            f"malformed TOML ({exc})", where=where, fix="correct the TOML syntax at that line"
        ) from None
    for key, value in changes.items():
        parts = key.split(".")
        if value is None:
            _remove(doc, parts)
        else:
            _set(doc, parts, value, where=where)
    return tomlkit.dumps(doc)


def update_spec_file(
    path: str | Path, changes: Mapping[str, Any], *, source: str | Path | None = None
) -> str:
    """Apply `changes` (see `update_spec_text`) to the spec file at `path` (created when missing), or write
    `source`'s text with the changes applied to `path` (save as: the source's comments come along). Returns
    the text written."""
    p = Path(path)
    start = Path(source) if source is not None else p
    try:
        text = start.read_text(encoding="utf-8") if start.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the spec ({exc})", where=str(start)) from None
    new = update_spec_text(text, changes, where=str(start))
    try:
        p.write_text(new, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the spec ({exc.strerror})", where=str(p)) from None
    return new


_Tableish = Container | Table | InlineTable


def _child(node: _Tableish, part: str) -> Any:
    return node.get(part)


def _set(doc: tomlkit.TOMLDocument, parts: list[str], value: Any, *, where: str) -> None:
    node: _Tableish = doc
    for i, part in enumerate(parts[:-1]):
        child = _child(node, part)
        if child is None:
            child = tomlkit.table()
            node[part] = child
            child = node[part]
        if not isinstance(child, Table | InlineTable) or isinstance(child, AoT):
            dotted = ".".join(parts[: i + 1])
            raise InputError(
                f"cannot set {'.'.join(parts)}: {dotted} is not a table",
                where=where,
                fix=f"make {dotted} a table",
            )
        node = child
    name = parts[-1]
    old = _child(node, name)
    if isinstance(old, int) and not isinstance(old, bool) and isinstance(value, float) and value.is_integer():
        value = int(value)  # the author wrote 10, not 10.0: keep it that way
    if old is not None and _same(old, value):
        return  # unchanged: leave its text exactly as written
    node[name] = value


def _remove(doc: tomlkit.TOMLDocument, parts: list[str]) -> None:
    node: Any = doc
    trail: list[tuple[Any, str]] = []
    for part in parts[:-1]:
        if not isinstance(node, Container | Table | InlineTable) or part not in node:
            return
        trail.append((node, part))
        node = node[part]
    if not isinstance(node, Container | Table | InlineTable) or parts[-1] not in node:
        return
    del node[parts[-1]]
    # a table this left with nothing in it (no keys, no comments) goes too; one the author commented stays
    for parent, part in reversed(trail):
        table = parent[part]
        if len(table) or _has_comments(table):
            break
        del parent[part]


def _has_comments(table: Any) -> bool:
    if not isinstance(table, Table):
        return False
    return any(isinstance(item, Comment) for _, item in table.value.body)


def _same(old: Any, new: Any) -> bool:
    """Equal as values (10 and 10.0 are; true and 1 are not)."""
    plain = old.unwrap() if hasattr(old, "unwrap") else old
    if isinstance(plain, bool) or isinstance(new, bool):
        return type(plain) is type(new) and plain == new
    return bool(plain == new)


# ---- drafts ------------------------------------------------------------------------------------------------

# The keys a spec cannot run without, in the order a newcomer supplies them: the data file, its target (not
# for a QA task, which names its question and answer columns instead), then a title for the decision.
ESSENTIAL_KEYS: tuple[str, ...] = ("data.path", "data.target", "title")
_STAND_INS: dict[str, str] = {
    "data.path": "stand-in.csv",
    "data.target": "\x00stand-in target",
    "title": "stand-in title",
}


def _get(raw: Mapping[str, Any], key: str) -> Any:
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def missing_essentials(raw: Mapping[str, Any]) -> list[str]:
    """The essential keys (`ESSENTIAL_KEYS`) a draft spec lacks, or has blank, in the order to supply them."""
    missing = []
    for key in ESSENTIAL_KEYS:
        if key == "data.target" and str(raw.get("task") or "") == "qa":
            continue
        value = _get(raw, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(key)
    return missing


def draft_status(
    raw: Mapping[str, Any], *, where: str = "spec"
) -> tuple[DecisionSpec | None, list[str], InputError | None]:
    """Judge a spec being written: (the spec when complete and valid, the essential keys still missing, the
    first error among the keys that are there). A missing essential is a next step, not an error: the other
    keys are judged with a stand-in for it, so a wrong value elsewhere is reported while the draft grows."""
    missing = missing_essentials(raw)
    draft = copy.deepcopy(dict(raw))
    for key in missing:
        node = draft
        *parents, name = key.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[name] = _STAND_INS[key]
    try:
        spec = spec_from_dict(draft, where=where)
    except InputError as exc:
        return None, missing, exc
    return (None if missing else spec), missing, None
