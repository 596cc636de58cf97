"""Errors the harness raises on purpose.

`InputError` is the user's problem (bad spec, bad data, an output folder that cannot be written): the CLI
prints it as one line and exits 2. `OutputError` is a finished run whose results could not be written where
asked (the line says where they were kept): exit 4.
Everything else that escapes is a bug in archbench and keeps its traceback.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base class of every error archbench raises deliberately."""


class _OneLineError(HarnessError):
    """An error the CLI prints as one line: where, what is wrong, how to fix it."""

    def __init__(self, problem: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.problem = problem.rstrip(".")
        self.where = where
        self.fix = fix.rstrip(".") if fix else None
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        if self.fix:
            text += f" — fix: {self.fix}"
        return " ".join(text.split())  # always one line


class InputError(_OneLineError):
    """Unusable input. Renders as one line: where, what is wrong, how to fix it."""


class OutputError(_OneLineError):
    """A finished run's results could not be written where asked. `kept` is where they were saved instead
    (None when nowhere). The CLI prints one line and exits 4."""

    def __init__(
        self, problem: str, *, where: str | None = None, kept: str | None = None, fix: str | None = None
    ) -> None:
        self.kept = kept
        super().__init__(problem, where=where, fix=fix)


class BlockedByAudit(InputError):
    """The data audit found a blocking problem that the spec does not acknowledge."""


class CandidateTimeout(HarnessError):
    """A candidate ran past its time budget (`[candidates] time_budget_s`)."""


class RunInterrupted(HarnessError):
    """Ctrl-C or SIGTERM during the trials: the finished ones are in the run's trial log."""

    def __init__(self, run_id: str, kept: int, trials_dir: str) -> None:
        self.run_id, self.kept, self.trials_dir = run_id, kept, trials_dir
        super().__init__(f"interrupted: {kept} finished trial(s) kept in {trials_dir}")


class RunCancelled(HarnessError):
    """The user cancelled the run (TUI cancel, Ctrl-C); finished results are kept."""


def one_line(exc: BaseException) -> str:
    """An exception as one line for a record or a log: our own errors as they are, others with their type."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, InputError | CandidateTimeout) else f"{type(exc).__name__}: {text}"
