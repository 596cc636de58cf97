"""Getting started: `harness init DATA` (a starter spec), `harness schema` and `harness tui`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from harness.cli.base import err, exists, fail, out
from harness.errors import InputError

SCHEMA_OF = ("spec", "run", "audit", "check", "adr-list", "failure")


def schema(
    of: str = typer.Option(
        "spec",
        "--of",
        help="spec: decision.toml (for editor validation); run, audit, check, adr-list, failure: what that "
        "command's --json prints",
    ),
) -> None:
    """Print a JSON schema: of decision.toml, or of a command's --json output."""
    import json

    if of not in SCHEMA_OF:
        fail(InputError(f"no schema {of!r}", where="--of", fix=f"use one of: {', '.join(SCHEMA_OF)}"))
    if of == "spec":
        from harness.spec import json_schema

        out.print_json(json.dumps(json_schema()))
        return
    from harness.cli.json_schema import json_schema_of

    out.print_json(json.dumps(json_schema_of(of)))


def init(
    data: Path = typer.Argument(
        ..., metavar="DATA", help="The data file (CSV, Parquet, JSONL)", readable=False
    ),
    target: Optional[str] = typer.Option(
        None, "--target", help="The column to predict; default: one named like a target, else the last."
    ),
    out_path: Path = typer.Option(
        Path("decision.toml"), "--out", "-o", help="The spec to write; never overwritten.", readable=False
    ),
) -> None:
    """Write a commented starter decision.toml for DATA, to edit rather than write.

    The task detected, the id / group / date / text columns found and explained, every constraint present
    but commented out with its unit. Edit it, then `harness check` and `harness run` it."""
    from harness.spec import load_spec
    from harness.starter import build_starter

    try:
        if exists(out_path):
            raise InputError(
                "exists; harness init does not overwrite a spec",
                where=str(out_path),
                fix="pass --out NEW.toml, or move the existing file away first",
            )
        with err.status("reading the data…"):
            starter = build_starter(data, out_path, target=target)
        with out_path.open("x", encoding="utf-8") as fh:
            fh.write(starter.text)
        load_spec(out_path)  # what was written loads (a bug here is ours, and says so)
    except InputError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(InputError(f"cannot write the spec ({exc.strerror or exc})", where=str(out_path)))
        return
    picked = "given with --target" if starter.target_given else f"guessed: {starter.target_why}"
    lines = [
        f"{out_path} written: a {starter.kind.value} task, target {starter.target!r} — {picked}",
        *(f"  {c!r}: identifies rows, never a feature" for c in [starter.id_column] if c),
        *(f"  {c!r}: repeats over rows — see group_column in the spec" for c in starter.groups),
        *(f"  {c!r}: dates — see time_column in the spec" for c in starter.dates),
        *(f"  {c!r}: free text" for c in [*starter.text_columns, *starter.prose]),
        f"next: edit {out_path} (title, constraints), then: harness check {out_path}; harness run {out_path}",
    ]
    out.print("\n".join(lines), highlight=False, markup=False)


def tui(spec_path: Optional[Path] = typer.Argument(None, metavar="[SPEC]", readable=False)) -> None:
    """Open the terminal UI for a decision sprint."""
    try:
        from tui.app import main as tui_main
    except ImportError as exc:  # pragma: no cover - textual is a core dependency
        fail(InputError(f"the TUI cannot start ({exc})", fix="run scripts/setup.sh to install textual"))
        return
    tui_main(spec_path)
