"""The log's index: README.md (or index.md beside a README.md the team wrote), one row per record, regenerated
whenever archbench writes or supersedes a record; an index archbench did not write is never touched."""

from __future__ import annotations

from pathlib import Path

from harness import fmt
from harness.adr.reading import list_adrs
from harness.fileio import replace_atomically as _replace_atomically

INDEX_FILE = "README.md"
MADR_URL = "https://adr.github.io/madr/"
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
