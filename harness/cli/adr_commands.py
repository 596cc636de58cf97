"""`harness adr …`: list, index, spec, write, supersede, status and migrate the decision log."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from harness.cli.base import (
    EXIT_OUTPUT_FAILED,
    SUPERSEDE_HELP,
    adr_dir_option,
    adr_dir_or_default,
    err,
    fail,
    out,
    print_json,
)
from harness.cli.payloads import adr_list_payload
from harness.errors import InputError


def adr_list(
    adr_dir: Optional[Path] = adr_dir_option(),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (schema archbench.adr_list/1) to stdout, nothing else."
    ),
) -> None:
    """List the decision records (archbench's, adr-tools' and log4brains' formats alike)."""
    from rich.table import Table

    from harness import adr

    folder = adr_dir_or_default(adr_dir)
    entries = adr.list_adrs(folder)
    if as_json:
        print_json(adr_list_payload(folder, entries))
        return
    table = Table("#", "title", "status", "date")
    for entry in entries:
        table.add_row(f"{entry.number:04d}", entry.title, entry.status, str(entry.date or ""))
    out.print(table)


def _index_written(folder: Path, path: Optional[Path]) -> str:
    from harness import adr

    readme = folder / adr.INDEX_FILE
    if path is None:
        return f"no index written: {readme} and {folder / 'index.md'} are not archbench's (left untouched)"
    note = f"; {readme} is not archbench's and was left untouched" if path.name != adr.INDEX_FILE else ""
    return f"{path} regenerated ({len(adr.list_adrs(folder))} records){note}"


def adr_index(adr_dir: Optional[Path] = adr_dir_option()) -> None:
    """Regenerate the log's index (README.md, or index.md beside a README.md that archbench did not write)."""
    from harness import adr

    folder = adr_dir_or_default(adr_dir)
    out.print(_index_written(folder, adr.update_index(folder)), highlight=False)


def adr_spec(
    ref: str = typer.Argument(..., metavar="ADR", help="A record's number (2) or path"),
    adr_dir: Optional[Path] = adr_dir_option(),
) -> None:
    """Print the decision.toml embedded in an ADR (to re-run or amend the decision)."""
    from harness import adr

    try:
        spec = adr.spec_from_adr(adr.resolve_record(ref, adr_dir_or_default(adr_dir)))
    except InputError as exc:
        fail(exc)
        return
    out.print(spec.to_toml(), highlight=False, markup=False)


def adr_write(
    record_path: Path = typer.Argument(
        ..., metavar="RECORD", help="A run record (runs/<run-id>/run.json)", readable=False
    ),
    adr_dir: Optional[Path] = adr_dir_option(),
    supersede: bool = typer.Option(True, "--supersede/--no-supersede", help=SUPERSEDE_HELP),
) -> None:
    """Write the ADR of a finished run from its record (when the run could not write it)."""
    from rich.text import Text

    from harness.outputs import check_output_folder
    from harness.publish import write_adr_for
    from harness.record import load_record

    folder = adr_dir_or_default(adr_dir)
    try:
        record = load_record(record_path)
        if record.decision is None or not any(m.ok for m in record.measurements):
            raise InputError(
                "the run record holds no decision (no candidate finished)",
                where=str(record_path),
                fix="run the decision again",
            )
        check_output_folder(folder, what="decision records (ADR)", option="--adr-dir")
        path = write_adr_for(
            record,
            folder,
            supersede_same=supersede,
            on_note=lambda message: err.print(Text(message, style="dim")),
            on_warning=lambda message: err.print(Text(message, style="yellow")),
        )
    except InputError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(f"{folder}: cannot write the ADR ({exc.strerror or exc})", EXIT_OUTPUT_FAILED)
        return
    out.print(f"ADR written: {path}")


def adr_supersede(
    old: str = typer.Argument(..., help="The record being replaced: its number (5) or path"),
    new: str = typer.Argument(..., help="The record that replaces it: its number (6) or path"),
    adr_dir: Optional[Path] = adr_dir_option(),
) -> None:
    """Mark OLD as superseded by NEW, linking both records; refuses a cycle."""
    from harness import adr

    try:
        folder = adr_dir_or_default(adr_dir)
        old_path, new_path = adr.resolve_record(old, folder), adr.resolve_record(new, folder)
        adr.supersede(old_path, new_path)
        adr.update_index(old_path.parent)
    except InputError as exc:
        fail(exc)
        return
    out.print(f"{old_path.name} is now superseded by {new_path.name}")


def adr_status(
    ref: str = typer.Argument(..., metavar="ADR", help="A record's number (2) or path"),
    status: str = typer.Argument(..., help="proposed, accepted, rejected, deprecated, ..."),
    adr_dir: Optional[Path] = adr_dir_option(),
) -> None:
    """Change a record's status (its front matter and header list together)."""
    from harness import adr

    try:
        path = adr.resolve_record(ref, adr_dir_or_default(adr_dir))
        adr.set_status(path, status)
        adr.update_index(path.parent)
    except InputError as exc:
        fail(exc)
        return
    out.print(f"{path.name} is now {' '.join(status.split())}")


def adr_migrate(adr_dir: Optional[Path] = adr_dir_option()) -> None:
    """Bring MADR records in step with log4brains and adr-tools, then regenerate the index.

    Adds the header list under the title (in a log that adr-tools manages, moves the title line first);
    records in adr-tools' or log4brains' own formats are kept as they are."""
    from harness import adr

    folder = adr_dir_or_default(adr_dir)
    try:
        changed = adr.migrate(folder)
        index = adr.update_index(folder)
    except InputError as exc:
        fail(exc)
        return
    for path in changed:
        out.print(f"updated {path}", highlight=False)
    out.print(f"{len(changed)} record(s) updated; " + _index_written(folder, index), highlight=False)
