"""`harness` command line: thin — parses, calls the runner, prints.

Progress goes to stderr (rich), results to stdout. Bad input: one line on stderr, exit status 2, no traceback.
With `--json` (run, audit, check, adr list) stdout holds one JSON object and nothing else; its `"schema"` key
names its shape (`archbench.run/1`, …; README, Commands).

Exit status: 0 done; 1 `harness audit` found a blocking problem; 2 bad input (spec, data, an output folder
that cannot be written), checked before anything trains; 3 no candidate finished (the run record says why; no
ADR); 4 the finished results could not be written where asked (the line says where they were kept); 5
`harness run` blocked by the data audit (a blocking finding not acknowledged; nothing trained); 130
interrupted.

The app and what the commands share are in `base`, the `--json` objects in `payloads`; each command is a plain
function in `run_command`, `inspect_commands`, `start_commands` or `adr_commands`, registered below in the
order `harness --help` lists them.
"""

from __future__ import annotations

import os

from harness.cli import adr_commands, inspect_commands, run_command, start_commands
from harness.cli.base import (
    EXIT_BAD_INPUT,
    EXIT_BLOCKED,
    EXIT_BLOCKED_RUN,
    EXIT_CODES_HELP,
    EXIT_NO_CANDIDATE,
    EXIT_OUTPUT_FAILED,
    QUIET_THIRD_PARTY_ENV,
    adr_app,
    app,
    err,
    out,
)
from harness.cli.payloads import ADR_LIST_SCHEMA, AUDIT_SCHEMA, CHECK_SCHEMA, RUN_SCHEMA

app.command(epilog=EXIT_CODES_HELP, cls=run_command.RunCommand)(run_command.run)
app.command()(inspect_commands.plan)
app.command()(inspect_commands.verify)
app.command()(inspect_commands.audit)
app.command()(start_commands.schema)
app.command()(start_commands.init)
app.command()(inspect_commands.check)
app.command()(start_commands.tui)

adr_app.command("list")(adr_commands.adr_list)
adr_app.command("index")(adr_commands.adr_index)
adr_app.command("spec")(adr_commands.adr_spec)
adr_app.command("write")(adr_commands.adr_write)
adr_app.command("supersede")(adr_commands.adr_supersede)
adr_app.command("status")(adr_commands.adr_status)
adr_app.command("migrate")(adr_commands.adr_migrate)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    app()


__all__ = [
    "ADR_LIST_SCHEMA",
    "AUDIT_SCHEMA",
    "CHECK_SCHEMA",
    "EXIT_BAD_INPUT",
    "EXIT_BLOCKED",
    "EXIT_BLOCKED_RUN",
    "EXIT_CODES_HELP",
    "EXIT_NO_CANDIDATE",
    "EXIT_OUTPUT_FAILED",
    "QUIET_THIRD_PARTY_ENV",
    "RUN_SCHEMA",
    "adr_app",
    "app",
    "err",
    "main",
    "out",
]
