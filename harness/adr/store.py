"""The on-disk ADR log: finding it, numbering, claims, writing, reading back, status, supersede, the index.

Files are `NNNN-title-with-dashes.md`. A record is never overwritten: the file is opened with mode "x" under
a claimed number; later changes are limited to a record's status (with its header list, see
`harness.adr.formats`) and the superseding record's link back. The log belongs to the team: its folder is
found the way adr-tools finds it (`.adr-dir`), records written by adr-tools or log4brains are read in their
own format, and a README.md the harness did not write is never touched. Rendering a record's text is
`harness.adr`'s job; this module stores and reads records.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import fmt
from harness.adr import formats
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


# ---- finding the log and its records -----------------------------------------------------------------------


def _repo_root(path: Path) -> Path | None:
    return next((d for d in (path, *path.parents) if (d / ".git").exists()), None)


def _adr_dir_file(folder: Path) -> Path | None:
    """The folder named by a `.adr-dir` file in `folder` (adr-tools: a path relative to that folder)."""
    pointer = folder / ".adr-dir"
    if not pointer.is_file():
        return None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        named = pointer.read_text(encoding="utf-8").strip()
        if named:
            return folder / named
    return None


def _holds_records(folder: Path) -> bool:
    return folder.is_dir() and (
        bool(_numbers(folder, claims=False)) or _index_is_ours(folder / INDEX_FILE) is True
    )


def find_adr_dir(start: str | Path | None = None) -> Path:
    """The team's decision log, seen from `start` (default: the working directory). Walking up to the
    repository root (the folder holding `.git`), the first of: the folder a `.adr-dir` file names (adr-tools'
    pointer), an `adr/` folder holding records, an existing `doc/adr/` (adr-tools' default). Else `adr/` at
    the repository root, or in `start` outside a repository. Relative to the working directory when `start`
    is not given."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    root = _repo_root(here)
    levels = [here, *here.parents]
    if root is not None:
        levels = levels[: levels.index(root) + 1]
    found: Path | None = None
    for level in levels:
        named = _adr_dir_file(level)
        if named is not None:
            found = named
        elif _holds_records(level / "adr"):
            found = level / "adr"
        elif (level / "doc" / "adr").is_dir():
            found = level / "doc" / "adr"
        if found is not None:
            break
    found = found or (root or here) / "adr"
    if start is None:
        with contextlib.suppress(ValueError):
            return Path(os.path.relpath(found))
    return found


def is_adr_tools_log(adr_dir: str | Path) -> bool:
    """Whether adr-tools manages this log: a `.adr-dir` above it names it, or it holds adr-tools' records."""
    folder = Path(adr_dir).resolve()
    root = _repo_root(folder)
    for level in folder.parents:
        named = _adr_dir_file(level)
        if named is not None and named.resolve() == folder:
            return True
        if level == root:
            break
    return any(_parse(path).kind == "nygard" for path in _record_paths(folder))


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
    if the record cannot be written. In a log that adr-tools manages, the record's title line goes first.
    """
    folder = Path(adr_dir)
    base = text if callable(text) else (lambda _n: text)
    first = is_adr_tools_log(folder)  # adr-tools reads the title from line 1: see harness.adr.formats

    def render(number: int) -> str:
        return formats.title_first(base(number), number) if first else base(number)

    render(1).encode("utf-8")  # fail here, before the disk is touched
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
            path = folder / f"{number:04d}-{name}{'' if '.' in name else '.svg'}"  # charts: a bare name
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


# ---- reading records back ----------------------------------------------------------------------------------


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


# ---- changing records: status, supersede, migrate ----------------------------------------------------------


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


# ---- the index ---------------------------------------------------------------------------------------------

INDEX_MARKER = "<!-- archbench:index -->"
_FALLBACK_INDEX = "index.md"  # README.md and index.md are the two names log4brains does not take for a record
_LEGACY_INDEX = "This index is regenerated from each record's front matter whenever archbench"


def _index_is_ours(path: Path) -> bool | None:
    """True when archbench wrote this index, False when someone else did, None when there is no such file."""
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return INDEX_MARKER in text or (
        text.startswith("# Architecture Decision Records") and _LEGACY_INDEX in text
    )


def index_path(adr_dir: str | Path) -> Path | None:
    """Where archbench's index of this log goes: README.md, unless a README.md it did not write is there
    (then index.md, unless that one is not archbench's either: then no index is written)."""
    folder = Path(adr_dir)
    for name in (INDEX_FILE, _FALLBACK_INDEX):
        if _index_is_ours(folder / name) is not False:
            return folder / name
    return None


def update_index(adr_dir: str | Path) -> Path | None:
    """Regenerate the log's index (see `index_path`): one row per record (number, title, status, date).
    Returns the index's path, or None when both README.md and index.md belong to someone else."""
    folder = Path(adr_dir)
    path = index_path(folder)
    if path is None:
        return None
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
            INDEX_MARKER,
            "",
            "This project records its architecture decisions one file per decision, numbered in order; "
            f"archbench writes [MADR 4.0]({MADR_URL}) records. A record is never rewritten; when a decision "
            "changes, a new record supersedes it and only the old record's status changes. Records written "
            "by archbench carry their evidence and the spec that produced them.",
            "",
            "This index is regenerated from each record's status and date whenever archbench writes or "
            "supersedes a record; do not edit it by hand.",
            "",
            "| Number | Title | Status | Date |",
            "|---|---|---|---|",
            *(rows or ["| — | no records yet | | |"]),
            "",
        ]
    )
    _replace_atomically(path, text.encode("utf-8"))
    return path
