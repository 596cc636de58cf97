"""Finding the team's ADR log the way adr-tools finds it (`.adr-dir`), and telling whether adr-tools manages
it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harness.adr.index import INDEX_FILE, _index_is_ours
from harness.adr.reading import _numbers, _parse, _record_paths


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
