"""Reading the ADR log back: its records' file names and numbers, each record's title, status and date in
whichever format it is written, the spec embedded in an archbench record, and the record in force for the
same decision. Nothing here writes."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.adr import formats
from harness.errors import InputError
from harness.spec import DecisionSpec, spec_from_toml

SPEC_MARKER = "<!-- archbench:spec -->"

_ADR_FILE = re.compile(r"^(\d{4})-.+\.md$")
_CLAIM_FILE = re.compile(r"^\.(\d{4})\.claim$")


def _record_paths(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _ADR_FILE.match(p.name) and p.is_file())


def resolve_record(ref: str | Path, adr_dir: str | Path) -> Path:
    """A record given by its number (`2`, `0002`) in `adr_dir`, or by its path."""
    text = str(ref).strip()
    if text.isdigit():
        number = int(text)
        matches = [p for p in _record_paths(Path(adr_dir)) if int(p.name[:4]) == number]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InputError(
                f"no record number {number}",
                where=str(adr_dir),
                fix="`harness adr list` shows the numbers; --adr-dir names another log",
            )
        raise InputError(
            f"record number {number} is ambiguous ({', '.join(p.name for p in matches)})",
            where=str(adr_dir),
            fix="pass the record's path",
        )
    path = Path(text)
    if not path.is_file():
        raise InputError("ADR not found", where=text, fix="pass a record's number or the path of a record")
    return path


def _numbers(adr_dir: Path, *, claims: bool = True) -> list[int]:
    if not adr_dir.is_dir():
        return []
    found = []
    for entry in adr_dir.iterdir():
        match = _ADR_FILE.match(entry.name) or (_CLAIM_FILE.match(entry.name) if claims else None)
        if match:
            found.append(int(match.group(1)))
    return found


@dataclass(frozen=True)
class AdrInfo:
    number: int
    title: str
    status: str
    date: str
    path: Path
    kind: str = "madr"  # the record's format: madr, madr2 (log4brains), nygard (adr-tools), plain


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "ADR not found", where=str(path), fix="pass the path of an existing record"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ADR ({exc})", where=str(path), fix="check the file") from None


def _parse(path: Path) -> formats.Parsed:
    """A record's title, status, date and links; an unreadable record reads as such instead of failing."""
    try:
        return formats.parse(_read(path), where=str(path))
    except InputError:
        return formats.Parsed(kind="plain", title=None, status="unreadable front matter", date=None)


def list_adrs(adr_dir: str | Path) -> list[AdrInfo]:
    """Every `NNNN-*.md` record, by number, with title, status and date, in whichever format it is written:
    MADR 4.0 front matter, log4brains' header list, or adr-tools' Nygard `## Status` section."""
    infos = []
    for path in _record_paths(Path(adr_dir)):
        parsed = _parse(path)
        infos.append(
            AdrInfo(
                number=int(path.name[:4]),
                title=parsed.title or path.stem[5:].replace("-", " "),
                status=parsed.status or "unknown",
                date=parsed.date or "",
                path=path,
                kind=parsed.kind,
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


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def same_decision(
    adr_dir: str | Path, *, title: str, spec_fingerprint: str | None
) -> tuple[Path, str] | None:
    """The newest record of the log still in force (not superseded) that decides the same thing as a run of
    this spec: one written for the very same spec (its `archbench-spec-fingerprint`), else one with the same
    title (another version of the spec: constraints or data changed). Returns (record, why: "the same spec"
    or "the same title"), or None. Running the same spec again should supersede that record, not sit beside
    it unnoticed."""
    by_title: Path | None = None
    for path in reversed(_record_paths(Path(adr_dir))):
        parsed = _parse(path)
        if (parsed.status or "").lower().startswith("superseded"):
            continue
        if spec_fingerprint and parsed.meta.get("archbench-spec-fingerprint") == spec_fingerprint:
            return path, "the same spec"
        if by_title is None and parsed.title and _same_words(parsed.title, title):
            by_title = path
    return (by_title, "the same title") if by_title is not None else None
