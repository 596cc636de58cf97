"""The on-disk ADR log: numbering, claims and writing a record (this module); reading records back
(`harness.adr.reading`), finding the log (`harness.adr.location`), status, supersede and migrate
(`harness.adr.changes`) and the index (`harness.adr.index`).

Files are `NNNN-title-with-dashes.md`. A record is never overwritten: the file is opened with mode "x" under
a claimed number; later changes are limited to a record's status (with its header list, see
`harness.adr.formats`) and the superseding record's link back. The log belongs to the team: its folder is
found the way adr-tools finds it (`.adr-dir`), records written by adr-tools or log4brains are read in their
own format, and a README.md the harness did not write is never touched. Rendering a record's text is
`harness.adr`'s job; these modules store and read records.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from harness.adr import formats
from harness.adr.location import is_adr_tools_log
from harness.adr.reading import _ADR_FILE, _numbers
from harness.errors import InputError
from harness.fileio import replace_atomically as _replace_atomically

ASSETS_DIR = "assets"  # charts beside the records: assets/NNNN-<chart>.svg

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
