"""A decision record's text in the formats that teams' ADR tools write and read. Pure: no file is touched.

* MADR 4.0, archbench's own: YAML front matter, `# Title`, then the header list that log4brains reads
  (`- Status: …`, `- Date: …`, `- Deciders: …`). `header_list` derives that list from the front matter's
  values, and every change of a record goes through it, so the two never disagree.
* MADR 2, log4brains' template: `# Title`, then the header list; no front matter.
* Nygard, adr-tools' template: `# N. Title`, `Date: …`, and a `## Status` section whose paragraph is the
  status (`Accepted`, `Superseded by [5. Title](0005-title.md)`), then `Supersedes …` link lines.

Where the title goes. adr-tools 3.0 reads a record's title from the file's first line only: `_adr_title` is
`head -1 FILE | cut -c 3-`, used by `adr generate toc`, `adr generate graph` and `adr link`. MADR front
matter must start at the file's first byte (Jekyll, GitHub, gray-matter). No first line serves both, so the
log decides: in a log that adr-tools manages (named by a `.adr-dir` file, or already holding adr-tools'
records) archbench writes `# N. Title` first and the same metadata block right under it (`title_first`);
elsewhere the front matter comes first. archbench reads both layouts.

The closing `---` of the metadata block follows a blank line. Without it Markdown (markdown-it, which
log4brains uses) reads the YAML as a setext heading, and log4brains looks for the header list only before
the first heading.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from harness.errors import InputError

# MADR 4.0 front matter key → the header-list label log4brains reads (MADR 2's names).
HEADER_LABELS: dict[str, str] = {"status": "Status", "date": "Date", "decision-makers": "Deciders"}
SUPERSEDES_KEY = "archbench-supersedes"

_LABEL_KEYS = {
    "status": "status",
    "date": "date",
    "deciders": "decision-makers",
    "decision-makers": "decision-makers",
}
_ITEM = re.compile(r"^([-*])([ \t]+)([A-Za-z][\w -]*?)([ \t]*:[ \t]*)(.*?)[ \t]*$")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?\s*\)")
_ADR_NUMBER = re.compile(r"\bADR-?0*(\d+)\b", re.IGNORECASE)
_NUMBERED_TITLE = re.compile(r"^(\d+)\.\s+(.+?)\s*$")
_COMMENT = re.compile(r"\s*<!--.*?-->\s*")
_STATUS_HEADING = re.compile(r"^##[ \t]+Status[ \t]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    """What a record says about itself, whichever tool wrote it."""

    kind: str  # "madr" (YAML front matter), "madr2" (header list), "nygard" (## Status section), "plain"
    title: str | None
    status: str | None
    date: str | None
    meta: dict[str, Any] = field(default_factory=dict)  # the front matter (kind "madr")
    supersedes: tuple[str, ...] = ()  # the records it says it supersedes: link targets or ADR numbers

    @property
    def superseded_by(self) -> str | None:
        """The record this one is superseded by (a link target or an ADR number), if its status says so."""
        if not self.status or not self.status.lower().startswith("superseded"):
            return None
        return link_target(self.status)


def link_target(text: str) -> str | None:
    """The first Markdown link's target in `text`, else an `ADR-0005` number ("5"), else None."""
    match = _LINK_TARGET.search(text)
    if match:
        return match.group(1)
    number = _ADR_NUMBER.search(text)
    return str(int(number.group(1))) if number else None


# ---- writing the head: front matter, title, header list ----------------------------------------------------


def _one_line(value: Any) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    return " ".join(text.split())


def header_list(meta: dict[str, Any]) -> list[str]:
    """The header list under the H1 (log4brains, MADR 2), from the front matter's values."""
    return [
        f"- {label}: {_one_line(meta[key])}"
        for key, label in HEADER_LABELS.items()
        if meta.get(key) not in (None, "", [])
    ]


def front_matter_text(meta: dict[str, Any]) -> str:
    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)
    return f"---\n{body}\n---"  # the blank line before the closing `---`: see the module's docstring


def record_head(meta: dict[str, Any], title: str) -> str:
    """Front matter, the H1 and the header list: the top of a record, all from the same values."""
    return "\n".join([front_matter_text(meta), "", f"# {title}", "", *header_list(meta)])


def title_first(text: str, number: int | None = None) -> str:
    """The record with its H1 (as adr-tools writes it, `# N. Title`) on line 1 and the front matter under it.
    Text without front matter, or already title first, is returned unchanged."""
    lines = text.splitlines(keepends=True)
    block = _front_matter_block(lines, where="ADR")
    if block is None or block[0] != 0:
        return text
    h1 = _h1_index(lines, block[1] + 1)
    if h1 is None:
        return text
    newline = _newline(lines)
    title = lines[h1].rstrip("\r\n")[2:].strip()
    if number is not None and not _NUMBERED_TITLE.match(title):
        title = f"{number}. {title}"
    rest = "".join(lines[block[1] + 1 : h1] + lines[h1 + 1 :]).lstrip("\r\n")
    return "".join([f"# {title}{newline}", newline, *lines[: block[1] + 1], newline, rest])


# ---- reading -----------------------------------------------------------------------------------------------


def _newline(lines: list[str]) -> str:
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def _h1_index(lines: list[str], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i].startswith("# ")), None)


def _load_yaml(lines: list[str], where: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load("".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise InputError(
            f"front matter is not valid YAML ({' '.join(str(exc).split())})",
            where=where,
            fix="correct the YAML between the two '---' lines",
        ) from None
    if not isinstance(meta, dict):
        raise InputError("front matter is not a YAML mapping", where=where, fix="use 'key: value' lines")
    return meta


def _front_matter_block(lines: list[str], *, where: str) -> tuple[int, int] | None:
    """(index of the opening `---`, index of the closing one): at line 1, or right under a first-line H1
    (title first). A block at line 1 that does not close is an error; one under the H1 must be YAML holding a
    status, or it is a horizontal rule in a record without front matter."""
    if not lines:
        return None
    if lines[0].strip() == "---":
        close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if close is None:
            raise InputError(
                "front matter has no closing '---'", where=where, fix="add a '---' line after it"
            )
        return 0, close
    if not lines[0].startswith("# "):
        return None
    start = next((i for i in range(1, len(lines)) if lines[i].strip()), None)
    if start is None or lines[start].strip() != "---":
        return None
    close = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        return None
    try:
        meta = _load_yaml(lines[start + 1 : close], where)
    except InputError:
        return None
    return (start, close) if "status" in meta else None


def split_front_matter(text: str, *, where: str = "ADR") -> tuple[dict[str, Any], str]:
    """(front matter as a dict, the rest). A record without front matter gives ({}, text). With the title
    first, the rest starts with the title line."""
    lines = text.splitlines(keepends=True)
    block = _front_matter_block(lines, where=where)
    if block is None:
        return {}, text
    start, close = block
    meta = _load_yaml(lines[start + 1 : close], where)
    return meta, "".join(lines[:start] + lines[close + 1 :])


def _header_items(lines: list[str], h1: int) -> tuple[int, int]:
    """[start, end) of the header list right under the H1 at `h1` (empty when there is none)."""
    start = next((i for i in range(h1 + 1, len(lines)) if lines[i].strip()), len(lines))
    if start < len(lines) and lines[start].strip() == "---":  # title first: skip the front matter
        close = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), len(lines) - 1)
        start = next((i for i in range(close + 1, len(lines)) if lines[i].strip()), len(lines))
    end = start
    while end < len(lines) and _ITEM.match(lines[end].rstrip("\r\n")):
        end += 1
    return start, end


def _items(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = _ITEM.match(line.rstrip("\r\n"))
        if match:
            key = _LABEL_KEYS.get(match.group(3).strip().lower(), match.group(3).strip().lower())
            found.setdefault(key, _COMMENT.sub(" ", match.group(5)).strip())
    return found


def _section(lines: list[str], heading: re.Pattern[str]) -> tuple[int, int] | None:
    """[first line after the heading, the next heading) of the first section whose heading matches."""
    start = next((i for i, line in enumerate(lines) if heading.match(line.rstrip("\r\n"))), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return start + 1, end


def _nygard_status_line(lines: list[str], section: tuple[int, int]) -> int | None:
    """Index of the line holding the status: a `Superseded by` line, else the first line without a link
    (`Accepted`), else the first line; `Supersedes [..](..)`-style lines are links, not the status."""
    filled = [i for i in range(*section) if lines[i].strip()]
    superseded = [i for i in filled if lines[i].strip().lower().startswith("superseded by")]
    plain = [i for i in filled if not _LINK_TARGET.search(lines[i])]
    first = superseded or plain or filled
    return first[0] if first else None


def _title(line: str) -> str:
    title = line.rstrip("\r\n")[2:].strip()
    numbered = _NUMBERED_TITLE.match(title)
    return numbered.group(2) if numbered else title


def _supersedes_lines(lines: list[str]) -> tuple[str, ...]:
    found = []
    for line in lines:
        text = line.strip().lstrip("-*").strip()
        if text.lower().startswith("supersedes") and (target := link_target(text)):
            found.append(target)
    return tuple(found)


def parse(text: str, *, where: str = "ADR") -> Parsed:
    """Title, status, date and links of a record, whichever of the formats above it is in."""
    lines = text.splitlines(keepends=True)
    block = _front_matter_block(lines, where=where)
    if block is not None:
        meta = _load_yaml(lines[block[0] + 1 : block[1]], where)
        h1 = 0 if block[0] > 0 else _h1_index(lines, block[1] + 1)
        supersedes = meta.get(SUPERSEDES_KEY) or []
        return Parsed(
            kind="madr",
            title=_title(lines[h1]) if h1 is not None else None,
            status=None if meta.get("status") is None else str(meta["status"]),
            date=None if meta.get("date") is None else str(meta["date"]),
            meta=meta,
            supersedes=tuple(str(s) for s in (supersedes if isinstance(supersedes, list) else [supersedes])),
        )
    h1 = _h1_index(lines)
    title = _title(lines[h1]) if h1 is not None else None
    if h1 is not None:
        start, end = _header_items(lines, h1)
        items = _items(lines[start:end])
        if "status" in items or "date" in items:
            links = _section(lines, re.compile(r"^##[ \t]+Links", re.IGNORECASE))
            return Parsed(
                kind="madr2",
                title=title,
                status=items.get("status"),
                date=items.get("date"),
                meta=items,
                supersedes=_supersedes_lines(lines[slice(*links)]) if links else (),
            )
    section = _section(lines, _STATUS_HEADING)
    if section is not None:
        head = lines[: section[0]]
        date = next((m.group(1) for m in (re.match(r"^Date:\s*(.+?)\s*$", x) for x in head) if m), None)
        status_line = _nygard_status_line(lines, section)
        return Parsed(
            kind="nygard",
            title=title,
            status=None if status_line is None else lines[status_line].strip(),
            date=date,
            supersedes=_supersedes_lines(lines[slice(*section)]),
        )
    return Parsed(kind="plain", title=title, status=None, date=None)


# ---- changing a record -------------------------------------------------------------------------------------


def with_header_in_step(text: str, *, where: str = "ADR") -> str:
    """A front-matter record with its header list regenerated from the front matter (inserted under the H1
    when missing; other items of the list are kept) and a blank line before the closing `---`."""
    lines = text.splitlines(keepends=True)
    block = _front_matter_block(lines, where=where)
    if block is None:
        return text
    newline = _newline(lines)
    meta = _load_yaml(lines[block[0] + 1 : block[1]], where)
    if lines[block[1] - 1].strip():
        lines.insert(block[1], newline)
        block = block[0], block[1] + 1
    h1 = 0 if block[0] > 0 else _h1_index(lines, block[1] + 1)
    if h1 is None:
        return "".join(lines)
    start, end = _header_items(lines, h1)
    ours = set(HEADER_LABELS) | {"deciders"}
    kept = [
        line
        for line in lines[start:end]
        if (m := _ITEM.match(line.rstrip("\r\n"))) and m.group(3).strip().lower() not in ours
    ]
    items = [f"{item}{newline}" for item in header_list(meta)] + kept
    if end > start:
        lines[start:end] = items
        return "".join(lines)
    after = h1 + 1 if block[0] == 0 else block[1] + 1  # title first: the list goes under the front matter
    rest = lines[after:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "".join([*lines[:after], newline, *items, newline, *rest])


def _yaml_scalar(value: str) -> str:
    """`accepted` as it is; anything YAML could read otherwise (a link, `yes`, `null`) in double quotes."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z -]*", value) is not None and yaml.safe_load(value) == value
    return value if plain else json.dumps(value, ensure_ascii=False)


def with_status(text: str, status: str, *, where: str = "ADR") -> str:
    """The record with its status changed, in the record's own format; a front-matter record keeps its header
    list in step. Only the status lines change."""
    lines = text.splitlines(keepends=True)
    newline = _newline(lines)
    parsed = parse(text, where=where)
    if parsed.kind == "madr":
        block = _front_matter_block(lines, where=where)
        assert block is not None
        index = next((i for i in range(block[0] + 1, block[1]) if lines[i].startswith("status:")), None)
        if index is None:  # e.g. status in a flow mapping; refuse rather than rewrite more than one line
            raise InputError(
                "no 'status:' line in the front matter", where=where, fix="put status on its own line"
            )
        ending = "\r\n" if lines[index].endswith("\r\n") else "\n"
        lines[index] = f"status: {_yaml_scalar(status)}{ending}"
        return with_header_in_step("".join(lines), where=where)
    if parsed.kind == "madr2":
        h1 = _h1_index(lines)
        assert h1 is not None
        start, end = _header_items(lines, h1)
        for i in range(start, end):
            match = _ITEM.match(lines[i].rstrip("\r\n"))
            if match and match.group(3).strip().lower() == "status":
                lines[i] = (
                    f"{match.group(1)}{match.group(2)}{match.group(3)}{match.group(4)}{status}{newline}"
                )
                return "".join(lines)
        bullet = _ITEM.match(lines[start].rstrip("\r\n")).group(1)  # type: ignore[union-attr]
        lines.insert(start, f"{bullet} Status: {status}{newline}")
        return "".join(lines)
    if parsed.kind == "nygard":
        section = _section(lines, _STATUS_HEADING)
        assert section is not None
        index = _nygard_status_line(lines, section)
        current = lines[index].strip() if index is not None else ""
        if index is not None and (
            current.lower().startswith("superseded by") or not _LINK_TARGET.search(current)
        ):
            lines[index] = f"{status}{newline}"
        else:  # only link lines (`Amends [..](..)`): the status goes first
            lines[section[0] : section[0]] = [newline, f"{status}{newline}"]
        return "".join(lines)
    raise InputError("record has no front matter status", where=where, fix="add 'status: accepted' to it")


def with_supersedes(text: str, old_name: str, old_label: str, *, where: str = "ADR") -> str:
    """The superseding record with its link back to the record it supersedes (unless it has one): the
    `archbench-supersedes` front matter key, adr-tools' `Supersedes [..](..)` line in `## Status`, or
    log4brains' `- Supersedes [..](..)` item under `## Links`."""
    parsed = parse(text, where=where)
    if old_name in parsed.supersedes:
        return text
    lines = text.splitlines(keepends=True)
    newline = _newline(lines)
    if parsed.kind == "madr":
        block = _front_matter_block(lines, where=where)
        assert block is not None
        index = next(
            (i for i in range(block[0] + 1, block[1]) if lines[i].startswith(f"{SUPERSEDES_KEY}:")), None
        )
        values = [*parsed.supersedes, old_name]
        value = json.dumps(values[0] if len(values) == 1 else values, ensure_ascii=False)
        line = f"{SUPERSEDES_KEY}: {value}{newline}"
        if index is not None:
            lines[index] = line
        else:
            at = block[1] - 1 if not lines[block[1] - 1].strip() else block[1]
            lines.insert(at, line)
        return "".join(lines)
    if parsed.kind == "nygard":
        section = _section(lines, _STATUS_HEADING)
        assert section is not None
        filled = [i for i in range(*section) if lines[i].strip()]
        at = (filled[-1] + 1) if filled else section[0]
        lines[at:at] = [newline, f"Supersedes [{old_label}]({old_name}){newline}"]
        return "".join(lines)
    if parsed.kind == "madr2":
        item = f"- Supersedes [{old_label}]({old_name}){newline}"
        links = _section(lines, re.compile(r"^##[ \t]+Links", re.IGNORECASE))
        if links is None:
            body = "".join(lines).rstrip("\r\n")
            return f"{body}{newline}{newline}## Links{newline}{newline}{item}"
        filled = [i for i in range(*links) if lines[i].strip()]
        at = (filled[-1] + 1) if filled else links[0]
        lines[at:at] = [item] if filled else [newline, item]
        return "".join(lines)
    return text
