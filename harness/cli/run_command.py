"""`harness run SPEC`: audit, train and measure every applicable candidate, decide, write the ADR."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from harness.cli.base import (
    EXIT_BLOCKED_RUN,
    EXIT_INTERRUPTED,
    EXIT_NO_CANDIDATE,
    EXIT_OUTPUT_FAILED,
    SUPERSEDE_HELP,
    adr_dir_or_default,
    check_data_exists,
    err,
    fail,
    out,
    print_json,
    stdout_to_stderr,
)
from harness.cli.payloads import RUN_SCHEMA, run_payload
from harness.errors import BlockedByAudit, InputError, OutputError, RunInterrupted

if TYPE_CHECKING:
    from harness.runner import RunResult
    from harness.spec import DecisionSpec

EXECUTORS = ("local", "inline", "ray")


class RunCommand(typer.core.TyperCommand):
    """`--mlflow [URI]`: typer options always take a value, so a bare `--mlflow` (last, or before another
    option or the spec file) is read as `--mlflow=`, the default local store."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        def bare(i: int) -> bool:
            after = args[i + 1] if i + 1 < len(args) else "-"
            return args[i] == "--mlflow" and (after.startswith("-") or after.endswith(".toml"))

        return super().parse_args(ctx, ["--mlflow=" if bare(i) else a for i, a in enumerate(args)])


# The arguments and options of `harness run`, in the order `--help` lists them.
_SPEC = typer.Argument(..., metavar="SPEC", help="decision.toml", readable=False)
_DATA = typer.Option(None, "--data", help="Data file; overrides [data] path in the spec.", readable=False)
_OUT_DIR = typer.Option(
    Path("runs"), "--out-dir", help="Where run records go (runs/<run-id>/run.json).", readable=False
)
_ADR_DIR = typer.Option(
    None, "--adr-dir", help="Decision log folder; default: .adr-dir's, else adr/.", readable=False
)
_NO_ADR = typer.Option(False, "--no-adr", help="Measure and decide, but write no ADR.")
_SUPERSEDE = typer.Option(True, "--supersede/--no-supersede", help=SUPERSEDE_HELP)
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")
_SEEDS = typer.Option(
    None, "--seeds", min=1, max=50, help="Repeat selection with N seeds; overrides `seeds` in the spec."
)
_EXECUTOR = typer.Option(
    "local",
    "--executor",
    help="local: each trial in a worker process, its budget and memory enforced from outside; "
    "inline: in this process; ray: trials as Ray tasks on a cluster (see --address).",
)
_ADDRESS = typer.Option(
    None, "--address", help="Ray executor: auto, or ray://HOST:PORT; default: a local Ray instance."
)
_MEMORY_MB = typer.Option(
    None, "--memory-mb", min=50, help="Local executor: kill a trial whose worker exceeds this memory."
)
_WORKERS = typer.Option(
    None,
    "--workers",
    min=1,
    max=256,
    help="Local executor: trials at once, each with its share of the cores; default: one per two cores.",
)
_RESUME = typer.Option(
    None, "--resume", metavar="RUN_ID", help="Resume an interrupted run: keep its finished trials."
)
_MLFLOW = typer.Option(
    None,
    "--mlflow",
    metavar="[URI]",
    help="Log the decision to MLflow (a run per decision, a nested run per candidate); default store: "
    "mlruns/ beside --out-dir. Needs the tracking extra.",
)
_JSON = typer.Option(
    False, "--json", help="Print one JSON object (schema archbench.run/1) to stdout, nothing else; quiet."
)


def run(
    spec_path: Path = _SPEC,
    data: Optional[Path] = _DATA,
    out_dir: Path = _OUT_DIR,
    adr_dir: Optional[Path] = _ADR_DIR,
    no_adr: bool = _NO_ADR,
    supersede: bool = _SUPERSEDE,
    quiet: bool = _QUIET,
    seeds: Optional[int] = _SEEDS,
    executor: str = _EXECUTOR,
    address: Optional[str] = _ADDRESS,
    memory_mb: Optional[float] = _MEMORY_MB,
    workers: Optional[int] = _WORKERS,
    resume: Optional[str] = _RESUME,
    mlflow: Optional[str] = _MLFLOW,
    as_json: bool = _JSON,
) -> None:
    """Audit the data, train and measure every applicable candidate, decide, and write the ADR."""
    from harness.console import ProgressRenderer
    from harness.record import command_line
    from harness.runner import RunOptions
    from harness.runner import run as run_decision

    with _failures_as_exit_statuses(spec_path, as_json):
        spec = _load_spec_for_run(spec_path, data=data, seeds=seeds, mlflow=mlflow)
        options = RunOptions(
            data_path=data,
            runs_dir=out_dir,
            adr_dir=adr_dir_or_default(adr_dir),
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
        _check_executor(executor)
        with ProgressRenderer(err, enabled=not (quiet or as_json)) as renderer, stdout_to_stderr(as_json):
            result = run_decision(spec, options=options, on_event=renderer)
    _report(result, as_json)


def _load_spec_for_run(
    spec_path: Path, *, data: Optional[Path], seeds: Optional[int], mlflow: Optional[str]
) -> DecisionSpec:
    """The spec with `--seeds` applied; `--data` exists; MLflow is installed when the run will log to it."""
    from harness.spec import load_spec

    spec = load_spec(spec_path)
    if seeds is not None:
        spec.seeds = seeds
    check_data_exists(data)
    if mlflow is not None or spec.tracking.enabled:
        from harness.tracking import require_mlflow

        require_mlflow("--mlflow" if mlflow is not None else f"{spec_path}: [tracking]")
    return spec


def _check_executor(executor: str) -> None:
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}", where="--executor", fix="use local, inline or ray")


@contextmanager
def _failures_as_exit_statuses(spec_path: Path, as_json: bool) -> Iterator[None]:
    """A failed run as one line and its exit status (harness.cli): 5 blocked by the audit, 2 bad input,
    4 results not written where asked, 130 interrupted (with the command that resumes it)."""
    json_schema = RUN_SCHEMA if as_json else None
    try:
        yield
    except BlockedByAudit as exc:
        fail(exc, EXIT_BLOCKED_RUN, json_schema=json_schema)
    except InputError as exc:
        fail(exc, json_schema=json_schema)
    except OutputError as exc:
        fail(exc, EXIT_OUTPUT_FAILED, json_schema=json_schema)
    except RunInterrupted as exc:
        again = f"harness run {spec_path} --resume {exc.run_id}"
        err.print(f"[yellow]{exc}[/]; resume with: {again}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted before any trial finished[/]")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _report(result: RunResult, as_json: bool) -> None:
    """The leaderboard and summary (or the JSON object); exit 3 when no candidate finished."""
    from harness.console import leaderboard, summary

    if not result.cancelled and not any(m.ok for m in result.measurements):
        if as_json:
            print_json(run_payload(result, EXIT_NO_CANDIDATE))
        fail(nothing_finished(result), EXIT_NO_CANDIDATE)
        return
    if as_json:
        print_json(run_payload(result, 0))
        return
    out.print(leaderboard(result.measurements, result.decision))
    out.print(summary(result))


def nothing_finished(result: RunResult) -> str:
    """One line for a run in which no candidate finished: the first reasons and where the record is."""
    ms = result.measurements
    reasons = "; ".join(f"{m.candidate}: {m.reason}" for m in ms[:2]) or "no candidate ran"
    more = f" (and {len(ms) - 2} more)" if len(ms) > 2 else ""
    return (
        f"no candidate finished, so there is nothing to decide — {reasons}{more}; no ADR written, the run "
        f"record {result.record_path} has every reason — fix: correct the data or the spec as the reasons "
        "say, then run again"
    )
