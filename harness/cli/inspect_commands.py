"""The commands that look before (or after) a run: `harness audit`, `check`, `plan` and `verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from harness.cli.base import (
    EXIT_BAD_INPUT,
    EXIT_BLOCKED,
    EXIT_OUTPUT_FAILED,
    adr_dir_or_default,
    check_data_exists,
    err,
    fail,
    out,
    print_json,
    stdout_to_stderr,
)
from harness.cli.payloads import AUDIT_SCHEMA, audit_payload, check_payload
from harness.errors import InputError, OutputError


def plan(
    spec_path: Path = typer.Argument(..., metavar="SPEC", help="decision.toml", readable=False),
    adr_dir: Optional[Path] = typer.Option(
        None, "--adr-dir", help="Decision log folder; the plan goes into its plans/ folder.", readable=False
    ),
    data: Optional[Path] = typer.Option(
        None, "--data", help="Data file; overrides [data] path in the spec.", readable=False
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace an existing plan for this spec."),
) -> None:
    """Write the Benchmark Methodology (adr/plans/) before anything trains.

    The metric and why, the gates, the test-set design, the baselines, the protocol and the acceptance
    criteria. `harness run` follows it and lists every deviation in the ADR."""
    from harness.plan import plan_for_spec, plan_path, read_plan, render_plan, write_plan
    from harness.spec import load_spec

    try:
        spec = load_spec(spec_path)
        check_data_exists(data)
        path = plan_path(adr_dir_or_default(adr_dir), spec)
        if path.exists() and not replace:
            existing = read_plan(path)
            same = existing.spec_fingerprint == spec.fingerprint()
            raise InputError(
                f"a plan for this decision exists (written {existing.created_at:%Y-%m-%d}"
                f"{', for this very spec' if same else ', for another version of the spec'})",
                where=str(path),
                fix="keep it (a run lists its deviations from it), or pass --replace to plan anew",
            )
        with err.status("planning…"):
            facts, protocol = plan_for_spec(spec, data)
        write_plan(path, render_plan(facts, spec, protocol))
    except InputError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(InputError(f"cannot write the plan ({exc.strerror or exc})", where=str(adr_dir or "adr")))
        return
    out.print(f"{path} written: {len(facts.candidates)} candidates, metric {facts.metric}", highlight=False)


def verify(
    ref: str = typer.Argument(..., metavar="ADR", help="A record's number (2) or path"),
    adr_dir: Optional[Path] = typer.Option(
        None, "--adr-dir", help="Decision log folder; default: .adr-dir's, else adr/.", readable=False
    ),
    spec_path: Optional[Path] = typer.Option(
        None, "--spec", help="Re-run this spec instead of the one embedded in the ADR.", readable=False
    ),
    out_dir: Path = typer.Option(
        Path("runs"), "--out-dir", help="Where the re-run's record goes.", readable=False
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Re-run a recorded decision on its recorded data and check every claim it made.

    The same option chosen, its gates still pass, each metric inside its recorded CI. Exit 0 all hold, 1 one
    does not, 2 bad input (the data changed, no claims file)."""
    from rich.table import Table

    from harness import adr
    from harness.console import ProgressRenderer
    from harness.verify import verify as verify_decision

    try:
        path = adr.resolve_record(ref, adr_dir_or_default(adr_dir))
        with ProgressRenderer(err, enabled=not quiet) as renderer:
            checks = verify_decision(path, spec_path=spec_path, runs_dir=out_dir, on_event=renderer)
    except InputError as exc:
        fail(exc)
        return
    except OutputError as exc:
        fail(exc, EXIT_OUTPUT_FAILED)
        return
    table = Table("claim", "recorded", "now", "holds", title=f"verify {path.name}")
    for c in checks:
        table.add_row(c.claim, c.recorded, c.now, "[green]yes[/]" if c.holds else "[bold red]NO[/]")
    out.print(table)
    failing = [c for c in checks if not c.holds]
    if failing:
        err.print(f"[bold red]does not hold:[/] {', '.join(c.claim for c in failing)}", highlight=False)
        raise typer.Exit(1)
    out.print(f"all {len(checks)} claims hold", highlight=False)


def audit(
    spec_path: Path = typer.Argument(..., metavar="SPEC", help="decision.toml", readable=False),
    data: Optional[Path] = typer.Option(
        None, "--data", help="Data file; overrides [data] path in the spec.", readable=False
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (schema archbench.audit/1) to stdout, nothing else."
    ),
) -> None:
    """Audit the data alone: duplicates, contamination, leakage, conflicts, coverage. Exit 1 if blocked."""
    from rich.text import Text

    from harness import audit as audit_mod
    from harness import data as data_mod
    from harness.runner import audit_and_split
    from harness.spec import load_spec

    try:
        spec = load_spec(spec_path)
        with err.status("auditing…"), stdout_to_stderr(as_json):
            prepared = data_mod.prepare(spec, data)
            findings, _splits = audit_and_split(prepared, spec)
        columns = (prepared.delivered if prepared.delivered is not None else prepared.df).columns
        notes = audit_mod.check_acknowledged(findings, spec, columns=columns)
    except InputError as exc:
        fail(exc, json_schema=AUDIT_SCHEMA if as_json else None)
        return
    for note in notes:
        err.print(Text.assemble(("warning:", "yellow"), " ", note), highlight=False, soft_wrap=True)
    blocking = audit_mod.unacknowledged_blocking(findings, spec)
    exit_code = EXIT_BLOCKED if blocking else 0
    if as_json:
        print_json(audit_payload(prepared, findings, notes, blocked=bool(blocking), exit_code=exit_code))
    else:
        out.print(audit_mod.render_report(findings))
    if blocking:
        err.print(f"[bold red]blocked:[/] {len(blocking)} blocking finding(s) would stop `harness run`")
        raise typer.Exit(EXIT_BLOCKED)


def check(
    spec_path: Path = typer.Argument(..., metavar="SPEC", readable=False),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (schema archbench.check/1) to stdout, nothing else."
    ),
) -> None:
    """Validate a spec and print it back normalised; every problem at once (one line each, exit 2).

    The data file and its target column are checked too (only the header is read)."""
    from rich.text import Text

    from harness.spec import check_spec

    spec, errors = check_spec(spec_path)
    if as_json:
        print_json(check_payload(spec, errors, EXIT_BAD_INPUT if errors else 0))
    for e in errors:
        err.print(Text.assemble(("error:", "bold red"), " ", str(e)), highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    if not as_json and spec is not None:
        out.print(spec.to_toml(), highlight=False, markup=False)
