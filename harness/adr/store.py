"""The on-disk ADR log: numbering, claims, writing, reading back, supersede and the index.

Files are `NNNN-title-with-dashes.md`. A record is never overwritten: the file is opened with mode "x" under
a claimed number, and the only later change allowed is the old record's status when a newer record supersedes
it.
Rendering a record's text is `harness.adr`'s job; this module only stores and reads records.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.adr import fmt
from harness.errors import InputError
from harness.fileio import replace_atomically as _replace_atomically
from harness.spec import DecisionSpec, spec_from_toml

INDEX_FILE = "README.md"
ASSETS_DIR = "assets"  # charts beside the records: assets/NNNN-<chart>.svg
SPEC_MARKER = "<!-- archbench:spec -->"
MADR_URL = "https://adr.github.io/madr/"

_ADR_FILE = re.compile(r"^(\d{4})-.+\.md$")
_CLAIM_FILE = re.compile(r"^\.(\d{4})\.claim$")
_MAX_SLUG_CHARS = 60
_MAX_WRITE_TRIES = 1000
# Latin letters that NFKD does not split into ASCII + accent (so slugify would drop them).
_NO_DECOMPOSITION = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


def slugify(title: str) -> str:
    """File-name part of a title: ASCII, lowercase, words joined by dashes, at most 60 characters."""
    latin = title.lower().translate(_NO_DECOMPOSITION)
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > _MAX_SLUG_CHARS:
        cut = slug[: _MAX_SLUG_CHARS + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:_MAX_SLUG_CHARS]
    return slug.strip("-") or "decision"


def _numbers(adr_dir: Path, *, claims: bool = True) -> list[int]:
    if not adr_dir.is_dir():
        return []
    found = []
    for entry in adr_dir.iterdir():
        match = _ADR_FILE.match(entry.name) or (_CLAIM_FILE.match(entry.name) if claims else None)
        if match:
            found.append(int(match.group(1)))
    return found


def next_number(adr_dir: str | Path) -> int:
    """The next free record number (1 for an empty or missing folder)."""
    return max(_numbers(Path(adr_dir)), default=0) + 1


def write_adr(
    text: str | Callable[[int], str],
    adr_dir: str | Path,
    title: str,
    *,
    assets: dict[str, bytes] | None = None,
) -> Path:
    """Write `text` as `adr_dir/NNNN-<slug>.md` under the next free number; never overwrites a record.

    A number is claimed with an exclusive `.NNNN.claim` file (removed afterwards) so two writers racing for
    the same number both succeed, one taking the next number; the record itself is opened with mode "x".
    `text` may be a function of the claimed number (the record links its charts by number); `assets`
    (name → bytes, e.g. SVG charts) are written first as `adr_dir/assets/NNNN-<name>.svg` and removed again
    if the record cannot be written.
    """
    render = text if callable(text) else (lambda _n: text)
    render(1).encode("utf-8")  # fail here, before the disk is touched
    folder = Path(adr_dir)
    slug = slugify(title)
    folder.mkdir(parents=True, exist_ok=True)
    number = next_number(folder)
    for _ in range(_MAX_WRITE_TRIES):
        claim = folder / f".{number:04d}.claim"
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            number += 1
            continue
        try:
            if any(_ADR_FILE.match(p.name) for p in folder.glob(f"{number:04d}-*.md")):
                number += 1
                continue
            path = folder / f"{number:04d}-{slug}.md"
            data = render(number).encode("utf-8")
            written = _write_assets(folder / ASSETS_DIR, number, assets or {})
            try:
                open(path, "xb").close()  # claims the name (never overwrites); the text goes in by rename
            except FileExistsError:
                _remove(written)
                number += 1
                continue
            try:
                _replace_atomically(path, data)  # a temp file in the folder, then os.replace: all or nothing
            except BaseException:
                with contextlib.suppress(OSError):
                    path.unlink()  # ours: created above with mode "x"
                _remove(written)
                raise
            return path
        finally:
            with contextlib.suppress(OSError):
                claim.unlink()
    raise InputError(
        f"no free record number after {_MAX_WRITE_TRIES} tries",
        where=str(folder),
        fix="remove stale .NNNN.claim files from the folder",
    )


def _write_assets(folder: Path, number: int, assets: dict[str, bytes]) -> list[Path]:
    written: list[Path] = []
    if not assets:
        return written
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for name, data in assets.items():
            path = folder / f"{number:04d}-{name}.svg"
            _replace_atomically(path, data)  # a stale file of an unwritten record may sit under this number
            written.append(path)
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


# ---- reading records back ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdrInfo:
    number: int
    title: str
    status: str
    date: str
    path: Path


def split_front_matter(text: str, *, where: str = "ADR") -> tuple[dict[str, Any], str]:
    """(front matter as a dict, the rest). A record without front matter gives ({}, text)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            try:
                meta = yaml.safe_load("".join(lines[1:i])) or {}
            except yaml.YAMLError as exc:
                raise InputError(
                    f"front matter is not valid YAML ({' '.join(str(exc).split())})",
                    where=where,
                    fix="correct the YAML between the two '---' lines",
                ) from None
            if not isinstance(meta, dict):
                raise InputError(
                    "front matter is not a YAML mapping", where=where, fix="use 'key: value' lines"
                )
            return meta, "".join(lines[i + 1 :])
    raise InputError("front matter has no closing '---'", where=where, fix="add a '---' line after it")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "ADR not found", where=str(path), fix="pass the path of an existing record"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ADR ({exc})", where=str(path), fix="check the file") from None


def _title_of(body: str, fallback: str) -> str:
    match = re.search(r"^# (.+?)\s*$", body, flags=re.MULTILINE)
    return match.group(1) if match else fallback


def list_adrs(adr_dir: str | Path) -> list[AdrInfo]:
    """Every `NNNN-*.md` record, by number, with title, status and date from its front matter."""
    folder = Path(adr_dir)
    if not folder.is_dir():
        return []
    infos = []
    for path in sorted(folder.iterdir()):
        match = _ADR_FILE.match(path.name)
        if not match or not path.is_file():
            continue
        try:
            meta, body = split_front_matter(_read(path), where=str(path))
        except InputError:
            meta, body = {"status": "unreadable front matter"}, ""
        infos.append(
            AdrInfo(
                number=int(match.group(1)),
                title=_title_of(body, path.stem[5:].replace("-", " ")),
                status=str(meta.get("status", "unknown")),
                date=str(meta.get("date", "")),
                path=path,
            )
        )
    return sorted(infos, key=lambda a: (a.number, a.path.name))


def spec_from_adr(path: str | Path) -> DecisionSpec:
    """The spec embedded in an archbench ADR (the fenced TOML block after the spec marker)."""
    p = Path(path)
    text = _read(p)
    pattern = re.escape(SPEC_MARKER) + r"\s*\n(`{3,})toml[ \t]*\n(.*?)\n\1[ \t]*$"
    match = re.search(pattern, text, flags=re.DOTALL | re.MULTILINE)
    if not match:
        raise InputError(
            "no archbench spec block in this ADR",
            where=str(p),
            fix="pass an ADR written by archbench (it ends with the spec as a ```toml block)",
        )
    try:
        tomllib.loads(match.group(2))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"the spec block is not valid TOML ({exc})", where=str(p), fix="restore the block"
        ) from None
    return spec_from_toml(match.group(2), where=f"{p} (spec block)")


def supersede(old_path: str | Path, new_path: str | Path) -> Path:
    """Mark `old_path` as superseded by `new_path`. Only the old record's status line changes."""
    old, new = Path(old_path), Path(new_path)
    new_match = _ADR_FILE.match(new.name)
    if not new_match or not new.is_file():
        raise InputError(
            "the superseding record does not exist",
            where=str(new),
            fix="write the new ADR first, then supersede",
        )
    if old.resolve() == new.resolve():
        raise InputError("a record cannot supersede itself", where=str(old), fix="pass the older record")
    text = _read(old)
    meta, _ = split_front_matter(text, where=str(old))
    lines = text.splitlines(keepends=True)
    if not meta or "status" not in meta:
        raise InputError(
            "record has no front matter status", where=str(old), fix="add 'status: accepted' to it"
        )
    current = str(meta["status"])
    if current.lower().startswith("superseded"):
        raise InputError(
            f"record is already {current}", where=str(old), fix="supersede the newest record instead"
        )
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    index = next((i for i in range(1, end) if lines[i].startswith("status:")), None)
    if index is None:  # e.g. status given in a flow mapping; refuse rather than rewrite more than one line
        raise InputError(
            "no 'status:' line in the front matter", where=str(old), fix="put status on its own line"
        )
    link = os.path.relpath(new.resolve(), old.resolve().parent).replace(os.sep, "/")
    value = f"superseded by [ADR-{int(new_match.group(1)):04d}]({link})"
    newline = "\r\n" if lines[index].endswith("\r\n") else "\n"
    lines[index] = f"status: {json.dumps(value, ensure_ascii=False)}{newline}"
    _replace_atomically(old, "".join(lines).encode("utf-8"))
    return old


def update_index(adr_dir: str | Path) -> Path:
    """Regenerate `adr_dir/README.md`: one row per record (number, title, status, date) from front matter."""
    folder = Path(adr_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        f"| [{a.number:04d}]({a.path.name}) | {fmt.cell(a.title)} | {fmt.cell(a.status)} | "
        f"{fmt.cell(a.date)} |"
        for a in list_adrs(folder)
    ]
    text = "\n".join(
        [
            "# Architecture Decision Records",
            "",
            f"This project records its architecture decisions as [MADR 4.0]({MADR_URL}) files, one per "
            "decision, numbered in order. A record is never rewritten; when a decision changes, a new record "
            "supersedes it and only the old record's status line changes. Records written by archbench carry "
            "their evidence and the spec that produced them.",
            "",
            "This index is regenerated from each record's front matter whenever archbench writes or "
            "supersedes a record; do not edit it by hand.",
            "",
            "| Number | Title | Status | Date |",
            "|---|---|---|---|",
            *(rows or ["| — | no records yet | | |"]),
            "",
        ]
    )
    path = folder / INDEX_FILE
    _replace_atomically(path, text.encode("utf-8"))
    return path
