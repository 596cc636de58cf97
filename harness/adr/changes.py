"""Changing records already written: a record's status, superseding one record by another (both linked, each
in its own format, never a cycle), and migrating the log's MADR records in step with the tools."""

from __future__ import annotations

import os
from pathlib import Path

from harness.adr import formats
from harness.adr.location import is_adr_tools_log
from harness.adr.reading import _ADR_FILE, _parse, _read, _record_paths
from harness.errors import InputError
from harness.fileio import replace_atomically as _replace_atomically


def set_status(path: str | Path, status: str) -> Path:
    """Change a record's status in its own format (front matter and header list together)."""
    p = Path(path)
    value = " ".join(status.split())
    if not value:
        raise InputError(
            "empty ADR status", where=str(p), fix="use proposed, accepted, rejected or deprecated"
        )
    if value.lower().startswith("superseded"):
        raise InputError(
            "a record is superseded by another one",
            where=str(p),
            fix="use `harness adr supersede OLD NEW`, which links both records",
        )
    _replace_atomically(p, formats.with_status(_read(p), value, where=str(p)).encode("utf-8"))
    return p


def _superseded_by_graph(folders: set[Path]) -> dict[str, set[str]]:
    """Record file name → the names of the records that supersede it, from every record's own words: its
    `superseded by` status and the records it says it supersedes."""
    edges: dict[str, set[str]] = {}
    for folder in folders:
        paths = _record_paths(folder)
        by_number = {str(int(p.name[:4])): p.name for p in paths}

        def name_of(ref: str) -> str | None:
            return by_number.get(ref) or Path(ref).name  # noqa: B023 - used within this iteration only

        for path in paths:
            parsed = _parse(path)
            if parsed.superseded_by and (target := name_of(parsed.superseded_by)):
                edges.setdefault(path.name, set()).add(target)
            for ref in parsed.supersedes:
                if old := name_of(ref):
                    edges.setdefault(old, set()).add(path.name)
    return edges


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The chain start → … → goal along `edges`, if there is one."""
    stack, seen = [[start]], {start}
    while stack:
        chain = stack.pop()
        if chain[-1] == goal:
            return chain
        for nxt in sorted(edges.get(chain[-1], ())):
            if nxt not in seen:
                seen.add(nxt)
                stack.append([*chain, nxt])
    return None


def _label(path: Path, title: str | None, *, in_kind: str) -> str:
    """How a link to the record at `path` reads in a record of kind `in_kind`: adr-tools' `N. Title` in a
    Nygard record, else the file's slug (log4brains resolves a `superseded by` link by the slug it shows)."""
    if in_kind == "nygard":
        return f"{int(path.name[:4])}. {title or path.stem[5:]}"
    return path.stem


def supersede(old_path: str | Path, new_path: str | Path) -> Path:
    """Mark `old_path` as superseded by `new_path`, each record in its own format, and link the new record
    back to the old one (unless it already does). Refuses a record that is already superseded, and a cycle
    (the new record already superseded, directly or through others, by the old one)."""
    old, new = Path(old_path), Path(new_path)
    if not _ADR_FILE.match(new.name) or not new.is_file():
        raise InputError(
            "the superseding record does not exist",
            where=str(new),
            fix="write the new ADR first, then supersede",
        )
    if old.resolve() == new.resolve():
        raise InputError("a record cannot supersede itself", where=str(old), fix="pass the older record")
    old_text, new_text = _read(old), _read(new)
    old_parsed = formats.parse(old_text, where=str(old))
    new_parsed = formats.parse(new_text, where=str(new))
    if old_parsed.kind == "plain" or old_parsed.status is None:
        raise InputError(
            "record has no front matter status", where=str(old), fix="add 'status: accepted' to it"
        )
    if old_parsed.status.lower().startswith("superseded"):
        raise InputError(
            f"record is already {old_parsed.status}",
            where=str(old),
            fix="supersede the newest record instead",
        )
    chain = _reaches(_superseded_by_graph({old.resolve().parent, new.resolve().parent}), new.name, old.name)
    if chain:
        raise InputError(
            f"superseding would make a cycle: {new.name} is already superseded by {old.name}"
            + (f" ({' → '.join(chain)})" if len(chain) > 2 else ""),
            where=str(old),
            fix="supersede the newest record of the chain, or write a new record",
        )
    to_new = os.path.relpath(new.resolve(), old.resolve().parent).replace(os.sep, "/")
    to_old = os.path.relpath(old.resolve(), new.resolve().parent).replace(os.sep, "/")
    word = "Superseded by" if old_parsed.kind == "nygard" else "superseded by"
    old_updated = formats.with_status(
        old_text,
        f"{word} [{_label(new, new_parsed.title, in_kind=old_parsed.kind)}]({to_new})",
        where=str(old),
    )
    new_updated = formats.with_supersedes(
        new_text, to_old, _label(old, old_parsed.title, in_kind=new_parsed.kind), where=str(new)
    )
    _replace_atomically(old, old_updated.encode("utf-8"))
    if new_updated != new_text:
        _replace_atomically(new, new_updated.encode("utf-8"))
    return old


def migrate(adr_dir: str | Path) -> list[Path]:
    """Bring the log's MADR 4.0 records in step with the tools: the header list regenerated from the front
    matter, a blank line before its closing `---`, and (in a log adr-tools manages) the title line first.
    Records in other formats are left as they are. Returns the records that changed."""
    folder = Path(adr_dir)
    first = is_adr_tools_log(folder)
    changed = []
    for path in _record_paths(folder):
        text = _read(path)
        if formats.parse(text, where=str(path)).kind != "madr":
            continue
        updated = formats.with_header_in_step(text, where=str(path))
        if first:
            updated = formats.title_first(updated, int(path.name[:4]))
        if updated != text:
            _replace_atomically(path, updated.encode("utf-8"))
            changed.append(path)
    return changed
