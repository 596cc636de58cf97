"""The `harness` Typer app, its consoles and exit statuses, and the helpers every command shares.

Progress goes to stderr (`err`, rich), results to stdout (`out`). A command's failure is one line on stderr
(`fail`), and with `--json` the failure is the command's JSON object too.
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

from harness.errors import InputError, OutputError

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
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit status: 0 done; 2 bad input (spec, data, output folders), checked before anything trains; 3 no "
    "candidate finished (record written, no ADR); 4 the finished results could not be written where asked "
    "(the error line says where they were kept); 5 blocked by the data audit (a blocking finding not "
    "acknowledged; nothing trained); 130 interrupted."
)

SUPERSEDE_HELP = (
    "When the log holds a record in force for the same spec (or title), the new ADR supersedes it (both "
    "linked); --no-supersede keeps both and says a duplicate was written."
)
ADR_DIR_HELP = "Decision log folder; default: the one .adr-dir names, else adr/ (found from subfolders too)."


def fail(
    exc: InputError | OutputError | str, code: int = EXIT_BAD_INPUT, json_schema: str | None = None
) -> None:
    """One `error:` line on stderr (and with `json_schema`, the failure as the command's JSON object on
    stdout), then exit with `code`."""
    from rich.text import Text

    if json_schema is not None:  # --json: the failure as the command's object too, for scripts
        print_json({"schema": json_schema, "ok": False, "exit_code": code, "error": str(exc)})
    # Text, not markup: messages contain TOML table names like "[audit]" that rich would eat as tags.
    err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout, plain (no rich markup or wrapping): what `--json` promises."""
    import json

    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@contextmanager
def stdout_to_stderr(active: bool) -> Iterator[None]:
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


def exists(path: Path) -> bool:
    """`path.exists()`, but a path that cannot be looked at (permissions) is left to the loader to explain."""
    try:
        return path.exists()
    except OSError:
        return True


def check_data_exists(data: Optional[Path]) -> None:
    """`--data`, when given, names an existing file."""
    if data is not None and not exists(data):
        raise InputError("data file not found", where=str(data), fix="pass an existing file to --data")


def adr_dir_or_default(given: Optional[Path]) -> Path:
    """`--adr-dir`, else the folder `.adr-dir` names, else adr/."""
    from harness import adr

    return given if given is not None else adr.find_adr_dir()


def adr_dir_option() -> Any:
    return typer.Option(None, "--adr-dir", help=ADR_DIR_HELP, readable=False)


# ---- the app's own options ---------------------------------------------------------------------------------

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
