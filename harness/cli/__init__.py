"""`harness` command line: thin — parses, calls the runner, prints.

Progress goes to stderr (rich), results to stdout. Bad input: one line on stderr, exit status 2, no traceback.
With `--json` (run, audit, check, adr list) stdout holds one JSON object and nothing else; its `"schema"` key
names its shape (`archbench.run/1`, …; README, Commands).

Exit status: 0 done; 1 `harness audit` found a blocking problem; 2 bad input (spec, data, an output folder
that cannot be written), checked before anything trains; 3 no candidate finished (the run record says why; no
ADR); 4 the finished results could not be written where asked (the line says where they were kept); 5
`harness run` blocked by the data audit (a blocking finding not acknowledged; nothing trained); 130
interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from harness.errors import BlockedByAudit, InputError, OutputError, RunInterrupted

app = typer.Typer(
    name="harness",
    help="Measure every model family on your data, gate on your constraints, record the decision as an "
    "ADR.\n\nShell completion: `harness --install-completion` (bash, zsh, fish, PowerShell; detected), or "
    "`harness --show-completion SHELL` to print the script and install it yourself.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
adr_app = typer.Typer(
    help="Work with the decision log (adr/, or the folder .adr-dir names).", no_args_is_help=True
)
app.add_typer(adr_app, name="adr")

# Piped output (CI logs, `| tee`) would otherwise wrap the leaderboard at 80 columns.
out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

EXIT_BLOCKED = 1  # `harness audit`: a blocking finding would stop a run
EXIT_BAD_INPUT = 2
EXIT_NO_CANDIDATE = 3
EXIT_OUTPUT_FAILED = 4
EXIT_BLOCKED_RUN = 5  # `harness run` stopped by a blocking audit finding (not bad input: the data says so)

EXIT_CODES_HELP = (
    "Exit status: 0 done; 2 bad input (spec, data, output folders), checked before anything trains; 3 no "
    "candidate finished (record written, no ADR); 4 the finished results could not be written where asked "
    "(the error line says where they were kept); 5 blocked by the data audit (a blocking finding not "
    "acknowledged; nothing trained); 130 interrupted."
)


def _fail(
    exc: InputError | OutputError | str, code: int = EXIT_BAD_INPUT, json_schema: str | None = None
) -> None:
    from rich.text import Text

    if json_schema is not None:  # --json: the failure as the command's object too, for scripts
        _print_json({"schema": json_schema, "ok": False, "exit_code": code, "error": str(exc)})
    # Text, not markup: messages contain TOML table names like "[audit]" that rich would eat as tags.
    err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout, plain (no rich markup or wrapping): what `--json` promises."""
    import json

    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# Third-party progress bars and chatter would interleave with archbench's own progress (rich, stderr): a
# 37-minute fine-tune drew transformers' "Loading weights" bar and nothing after it. A user's own values win.
QUIET_THIRD_PARTY_ENV: dict[str, str] = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # huggingface_hub, and transformers' tqdm (read at its import)
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TQDM_DISABLE": "1",  # any other tqdm bar (sentence-transformers, optuna), read when tqdm is imported
}


def _quiet_third_party() -> None:
    """Once per command, before any library is imported; the env reaches worker processes too. Optuna's
    per-trial logging is turned down where the study is made (harness.tuning)."""
    for key, value in QUIET_THIRD_PARTY_ENV.items():
        os.environ.setdefault(key, value)


def _version_text() -> str:
    from harness.provenance import git_state, package_version

    commit, dirty = git_state()
    text = f"archbench {package_version() or 'unknown'}"
    if commit:
        text += f" (commit {commit[:12]}{'+dirty' if dirty else ''})"
    return text


def _show_version(value: bool) -> None:
    if value:
        typer.echo(_version_text())
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print archbench's version (and the git commit of this checkout) and exit.",
    ),
) -> None:
    _quiet_third_party()


class _RunCommand(typer.core.TyperCommand):
    """`--mlflow [URI]`: typer options always take a value, so a bare `--mlflow` (last, or before another
    option or the spec file) is read as `--mlflow=`, the default local store."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        def bare(i: int) -> bool:
            after = args[i + 1] if i + 1 < len(args) else "-"
            return args[i] == "--mlflow" and (after.startswith("-") or after.endswith(".toml"))

        return super().parse_args(ctx, ["--mlflow=" if bare(i) else a for i, a in enumerate(args)])


_SUPERSEDE_HELP = (
    "When the log holds a record in force for the same spec (or title), the new ADR supersedes it (both "
    "linked); --no-supersede keeps both and says a duplicate was written."
)


@app.command(epilog=EXIT_CODES_HELP, cls=_RunCommand)
def run(
    spec_path: Path = typer.Argument(..., metavar="SPEC", help="decision.toml", readable=False),
    data: Optional[Path] = typer.Option(
        None, "--data", help="Data file; overrides [data] path in the spec.", readable=False
    ),
    out_dir: Path = typer.Option(
        Path("runs"), "--out-dir", help="Where run records go (runs/<run-id>/run.json).", readable=False
    ),
    adr_dir: Optional[Path] = typer.Option(
        None, "--adr-dir", help="Decision log folder; default: .adr-dir's, else adr/.", readable=False
    ),
    no_adr: bool = typer.Option(False, "--no-adr", help="Measure and decide, but write no ADR."),
    supersede: bool = typer.Option(True, "--supersede/--no-supersede", help=_SUPERSEDE_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    seeds: Optional[int] = typer.Option(
        None, "--seeds", min=1, max=50, help="Repeat selection with N seeds; overrides `seeds` in the spec."
    ),
    executor: str = typer.Option(
        "local",
        "--executor",
        help="local: each trial in a worker process, its budget and memory enforced from outside; "
        "inline: in this process; ray: trials as Ray tasks on a cluster (see --address).",
    ),
    address: Optional[str] = typer.Option(
        None, "--address", help="Ray executor: auto, or ray://HOST:PORT; default: a local Ray instance."
    ),
    memory_mb: Optional[float] = typer.Option(
        None, "--memory-mb", min=50, help="Local executor: kill a trial whose worker exceeds this memory."
    ),
    workers: Optional[int] = typer.Option(
        None,
        "--workers",
        min=1,
        max=256,
        help="Local executor: trials at once, each with its share of the cores; default: one per two cores.",
    ),
    resume: Optional[str] = typer.Option(
        None, "--resume", metavar="RUN_ID", help="Resume an interrupted run: keep its finished trials."
    ),
    mlflow: Optional[str] = typer.Option(
        None,
        "--mlflow",
        metavar="[URI]",
        help="Log the decision to MLflow (a run per decision, a nested run per candidate); default store: "
        "mlruns/ beside --out-dir. Needs the tracking extra.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (schema archbench.run/1) to stdout, nothing else; quiet."
    ),
) -> None:
    """Audit the data, train and measure every applicable candidate, decide, and write the ADR."""
    from harness.console import ProgressRenderer, leaderboard, summary
    from harness.record import command_line
    from harness.runner import RunOptions
    from harness.runner import run as run_decision
    from harness.spec import load_spec

    try:
        spec = load_spec(spec_path)
        if seeds is not None:
            spec.seeds = seeds
        if data is not None and not _exists(data):
            raise InputError("data file not found", where=str(data), fix="pass an existing file to --data")
        if mlflow is not None or spec.tracking.enabled:
            from harness.tracking import require_mlflow

            require_mlflow("--mlflow" if mlflow is not None else f"{spec_path}: [tracking]")
        options = RunOptions(
            data_path=data,
            runs_dir=out_dir,
            adr_dir=_adr_dir(adr_dir),
            write_adr=not no_adr,
            command=command_line(["harness", *sys.argv[1:]]),
            executor=executor,
            memory_mb=memory_mb,
            resume=resume,
            address=address,
            workers=workers,
            mlflow=mlflow,
            supersede_same=supersede,
        )
        if executor not in ("local", "inline", "ray"):
            raise InputError(
                f"unknown executor {executor!r}", where="--executor", fix="use local, inline or ray"
            )
        with ProgressRenderer(err, enabled=not (quiet or as_json)) as renderer, _stdout_to_stderr(as_json):
            result = run_decision(spec, options=options, on_event=renderer)
    except BlockedByAudit as exc:
        _fail(exc, EXIT_BLOCKED_RUN, json_schema=RUN_SCHEMA if as_json else None)
        return
    except InputError as exc:
        _fail(exc, json_schema=RUN_SCHEMA if as_json else None)
        return
    except OutputError as exc:
        _fail(exc, EXIT_OUTPUT_FAILED, json_schema=RUN_SCHEMA if as_json else None)
        return
    except RunInterrupted as exc:
        again = f"harness run {spec_path} --resume {exc.run_id}"
        err.print(f"[yellow]{exc}[/]; resume with: {again}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted before any trial finished[/]")
        raise typer.Exit(130) from None
    if not result.cancelled and not any(m.ok for m in result.measurements):
        if as_json:
            _print_json(_run_payload(result, EXIT_NO_CANDIDATE))
        _fail(_nothing_finished(result), EXIT_NO_CANDIDATE)
        return
    if as_json:
        _print_json(_run_payload(result, 0))
        return
    out.print(leaderboard(result.measurements, result.decision))
    out.print(summary(result))


def _exists(path: Path) -> bool:
    """`path.exists()`, but a path that cannot be looked at (permissions) is left to the loader to explain."""
    try:
        return path.exists()
    except OSError:
        return True


RUN_SCHEMA = "archbench.run/1"
AUDIT_SCHEMA = "archbench.audit/1"
CHECK_SCHEMA = "archbench.check/1"
ADR_LIST_SCHEMA = "archbench.adr_list/1"


@contextmanager
def _stdout_to_stderr(active: bool) -> Iterator[None]:
    """While `active`, whatever a library prints to stdout (Python's or the file descriptor's, as native
    code and worker processes do) goes to stderr, so that `--json` leaves stdout to the JSON object."""
    if not active:
        yield
        return
    import contextlib

    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no real file descriptors (an embedding host): Python's stdout only
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _metric_json(m: Any) -> dict[str, Any]:
    return {
        "value": m.value,
        "ci_low": m.ci_low,
        "ci_high": m.ci_high,
        "greater_is_better": m.greater_is_better,
    }


def _run_payload(result: Any, exit_code: int) -> dict[str, Any]:
    """`harness run --json`: the decision, every candidate's numbers and the files written
    (schema archbench.run/1, README: Commands)."""
    decision = result.decision
    verdicts = {v.candidate: v for v in decision.verdicts} if decision is not None else {}
    task = result.record.task
    return {
        "schema": RUN_SCHEMA,
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "run_id": result.run_id,
        "record": str(result.record_path),
        "adr": str(result.adr_path) if result.adr_path else None,
        "cancelled": result.cancelled,
        "task": {"kind": str(task.kind), "target": task.target},
        "metric": decision.metric if decision is not None else None,
        "decision": None
        if decision is None
        else {
            "recommended": decision.recommended,
            "justified": decision.justified,
            "best_baseline": decision.best_baseline,
            "because": decision.because,
        },
        "candidates": [
            {
                "name": m.candidate,
                "family": str(m.family),
                "status": m.status,
                "reason": m.reason,
                "verdict": verdicts[m.candidate].verdict if m.candidate in verdicts else None,
                "metrics": {name: _metric_json(v) for name, v in m.metrics.items()},
                "latency_p99_ms": m.latency.p99_ms if m.latency else None,
                "throughput_rows_per_s": m.throughput_rows_per_s,
                "size_mb": m.size_mb,
                "train_time_s": m.train_time_s,
                "cost_usd_per_1k": m.cost_usd_per_1k,
            }
            for m in result.measurements
        ],
        "findings": [_finding_json(f) for f in result.findings],
    }


def _finding_json(f: Any) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "title": f.title,
        "fix": f.fix,
        "blocks": f.blocks,
        "resolved": f.resolved,
        "columns": list(f.columns),
    }


def _nothing_finished(result: Any) -> str:
    """One line for a run in which no candidate finished: the first reasons and where the record is."""
    ms = result.measurements
    reasons = "; ".join(f"{m.candidate}: {m.reason}" for m in ms[:2]) or "no candidate ran"
    more = f" (and {len(ms) - 2} more)" if len(ms) > 2 else ""
    return (
        f"no candidate finished, so there is nothing to decide — {reasons}{more}; no ADR written, the run "
        f"record {result.record_path} has every reason — fix: correct the data or the spec as the reasons "
        "say, then run again"
    )


@app.command()
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
        if data is not None and not _exists(data):
            raise InputError("data file not found", where=str(data), fix="pass an existing file to --data")
        path = plan_path(_adr_dir(adr_dir), spec)
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
        _fail(exc)
        return
    except OSError as exc:
        _fail(InputError(f"cannot write the plan ({exc.strerror or exc})", where=str(adr_dir or "adr")))
        return
    out.print(f"{path} written: {len(facts.candidates)} candidates, metric {facts.metric}", highlight=False)


@app.command()
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
        path = adr.resolve_record(ref, _adr_dir(adr_dir))
        with ProgressRenderer(err, enabled=not quiet) as renderer:
            checks = verify_decision(path, spec_path=spec_path, runs_dir=out_dir, on_event=renderer)
    except InputError as exc:
        _fail(exc)
        return
    except OutputError as exc:
        _fail(exc, EXIT_OUTPUT_FAILED)
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


@app.command()
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
        with err.status("auditing…"), _stdout_to_stderr(as_json):
            prepared = data_mod.prepare(spec, data)
            findings, _splits = audit_and_split(prepared, spec)
        columns = (prepared.delivered if prepared.delivered is not None else prepared.df).columns
        notes = audit_mod.check_acknowledged(findings, spec, columns=columns)
    except InputError as exc:
        _fail(exc, json_schema=AUDIT_SCHEMA if as_json else None)
        return
    for note in notes:
        err.print(Text.assemble(("warning:", "yellow"), " ", note), highlight=False, soft_wrap=True)
    blocking = audit_mod.unacknowledged_blocking(findings, spec)
    if as_json:
        _print_json(
            {
                "schema": AUDIT_SCHEMA,
                "ok": not blocking,
                "exit_code": EXIT_BLOCKED if blocking else 0,
                "data": str(prepared.path),
                "rows": prepared.n_rows,
                "task": {"kind": str(prepared.task.kind), "target": prepared.task.target},
                "blocked": bool(blocking),
                "findings": [_finding_json(f) | {"evidence": f.to_dict()["evidence"]} for f in findings],
                "notes": [*prepared.notes, *notes],
            }
        )
    else:
        out.print(audit_mod.render_report(findings))
    if blocking:
        err.print(f"[bold red]blocked:[/] {len(blocking)} blocking finding(s) would stop `harness run`")
        raise typer.Exit(EXIT_BLOCKED)


@app.command()
def schema() -> None:
    """Print the JSON schema of decision.toml (for editor validation)."""
    import json

    from harness.spec import json_schema

    out.print_json(json.dumps(json_schema()))


@app.command()
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
        if _exists(out_path):
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
        _fail(exc)
        return
    except OSError as exc:
        _fail(InputError(f"cannot write the spec ({exc.strerror or exc})", where=str(out_path)))
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


@app.command()
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
        _print_json(
            {
                "schema": CHECK_SCHEMA,
                "ok": not errors,
                "exit_code": EXIT_BAD_INPUT if errors else 0,
                "errors": [
                    {"where": e.where, "problem": e.problem, "fix": e.fix, "message": str(e)} for e in errors
                ],
                "spec": spec.to_dict() if spec is not None else None,
            }
        )
    for e in errors:
        err.print(Text.assemble(("error:", "bold red"), " ", str(e)), highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    if not as_json and spec is not None:
        out.print(spec.to_toml(), highlight=False, markup=False)


@app.command()
def tui(spec_path: Optional[Path] = typer.Argument(None, metavar="[SPEC]", readable=False)) -> None:
    """Open the terminal UI for a decision sprint."""
    try:
        from tui.app import main as tui_main
    except ImportError as exc:  # pragma: no cover - textual is a core dependency
        _fail(InputError(f"the TUI cannot start ({exc})", fix="run scripts/setup.sh to install textual"))
        return
    tui_main(spec_path)


_ADR_DIR_HELP = "Decision log folder; default: the one .adr-dir names, else adr/ (found from subfolders too)."


def _adr_dir(given: Optional[Path]) -> Path:
    from harness import adr

    return given if given is not None else adr.find_adr_dir()


def _adr_dir_option() -> Any:
    return typer.Option(None, "--adr-dir", help=_ADR_DIR_HELP, readable=False)


@adr_app.command("list")
def adr_list(
    adr_dir: Optional[Path] = _adr_dir_option(),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON object (schema archbench.adr_list/1) to stdout, nothing else."
    ),
) -> None:
    """List the decision records (archbench's, adr-tools' and log4brains' formats alike)."""
    from rich.table import Table

    from harness import adr

    folder = _adr_dir(adr_dir)
    entries = adr.list_adrs(folder)
    if as_json:
        records = [
            {
                "number": e.number,
                "title": e.title,
                "status": e.status,
                "date": str(e.date or "") or None,
                "path": str(e.path),
                "format": str(e.kind),
            }
            for e in entries
        ]
        _print_json({"schema": ADR_LIST_SCHEMA, "adr_dir": str(folder), "records": records})
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


@adr_app.command("index")
def adr_index(adr_dir: Optional[Path] = _adr_dir_option()) -> None:
    """Regenerate the log's index (README.md, or index.md beside a README.md that archbench did not write)."""
    from harness import adr

    folder = _adr_dir(adr_dir)
    out.print(_index_written(folder, adr.update_index(folder)), highlight=False)


@adr_app.command("spec")
def adr_spec(
    ref: str = typer.Argument(..., metavar="ADR", help="A record's number (2) or path"),
    adr_dir: Optional[Path] = _adr_dir_option(),
) -> None:
    """Print the decision.toml embedded in an ADR (to re-run or amend the decision)."""
    from harness import adr

    try:
        spec = adr.spec_from_adr(adr.resolve_record(ref, _adr_dir(adr_dir)))
    except InputError as exc:
        _fail(exc)
        return
    out.print(spec.to_toml(), highlight=False, markup=False)


@adr_app.command("write")
def adr_write(
    record_path: Path = typer.Argument(
        ..., metavar="RECORD", help="A run record (runs/<run-id>/run.json)", readable=False
    ),
    adr_dir: Optional[Path] = _adr_dir_option(),
    supersede: bool = typer.Option(True, "--supersede/--no-supersede", help=_SUPERSEDE_HELP),
) -> None:
    """Write the ADR of a finished run from its record (when the run could not write it)."""
    from rich.text import Text

    from harness.outputs import check_output_folder
    from harness.publish import write_adr_for
    from harness.record import load_record

    folder = _adr_dir(adr_dir)
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
        _fail(exc)
        return
    except OSError as exc:
        _fail(f"{folder}: cannot write the ADR ({exc.strerror or exc})", EXIT_OUTPUT_FAILED)
        return
    out.print(f"ADR written: {path}")


@adr_app.command("supersede")
def adr_supersede(
    old: str = typer.Argument(..., help="The record being replaced: its number (5) or path"),
    new: str = typer.Argument(..., help="The record that replaces it: its number (6) or path"),
    adr_dir: Optional[Path] = _adr_dir_option(),
) -> None:
    """Mark OLD as superseded by NEW, linking both records; refuses a cycle."""
    from harness import adr

    try:
        folder = _adr_dir(adr_dir)
        old_path, new_path = adr.resolve_record(old, folder), adr.resolve_record(new, folder)
        adr.supersede(old_path, new_path)
        adr.update_index(old_path.parent)
    except InputError as exc:
        _fail(exc)
        return
    out.print(f"{old_path.name} is now superseded by {new_path.name}")


@adr_app.command("status")
def adr_status(
    ref: str = typer.Argument(..., metavar="ADR", help="A record's number (2) or path"),
    status: str = typer.Argument(..., help="proposed, accepted, rejected, deprecated, ..."),
    adr_dir: Optional[Path] = _adr_dir_option(),
) -> None:
    """Change a record's status (its front matter and header list together)."""
    from harness import adr

    try:
        path = adr.resolve_record(ref, _adr_dir(adr_dir))
        adr.set_status(path, status)
        adr.update_index(path.parent)
    except InputError as exc:
        _fail(exc)
        return
    out.print(f"{path.name} is now {' '.join(status.split())}")


@adr_app.command("migrate")
def adr_migrate(adr_dir: Optional[Path] = _adr_dir_option()) -> None:
    """Bring MADR records in step with log4brains and adr-tools, then regenerate the index.

    Adds the header list under the title (in a log that adr-tools manages, moves the title line first);
    records in adr-tools' or log4brains' own formats are kept as they are."""
    from harness import adr

    folder = _adr_dir(adr_dir)
    try:
        changed = adr.migrate(folder)
        index = adr.update_index(folder)
    except InputError as exc:
        _fail(exc)
        return
    for path in changed:
        out.print(f"updated {path}", highlight=False)
    out.print(f"{len(changed)} record(s) updated; " + _index_written(folder, index), highlight=False)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    app()


if __name__ == "__main__":
    main()
