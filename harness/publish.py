"""Writing a finished run: the record first, then the ADR that cites it (with its charts, its claims and its
decision package). A write that fails after training keeps the finished results and says where.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import InputError, OutputError, one_line


def write_record_or_keep(record: Any, runs_dir: Path) -> Path:
    """Write the run record; when its folder fails now (after training), keep it in a fallback folder and
    raise `OutputError` saying where."""
    from harness import record as rec
    from harness.outputs import fallback_runs_dir

    record.record_file = str(Path(runs_dir) / record.run_id / rec.RECORD_FILE)
    try:
        return rec.write_record(record, runs_dir)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    fallback = fallback_runs_dir()
    record.record_file = str(fallback / record.run_id / rec.RECORD_FILE)
    try:
        kept: Path | None = rec.write_record(record, fallback)
    except OSError:
        kept = None
    if kept is None:
        raise OutputError(
            f"cannot write the run record ({reason}), nor in {fallback}: the results of this run are lost; "
            "no ADR written",
            where=str(runs_dir),
            fix="free space or fix the folder's permissions, then run again",
        )
    raise OutputError(
        f"cannot write the run record ({reason}); the finished results were kept in {kept}; no ADR written",
        where=str(runs_dir),
        kept=str(kept),
        fix=f"free space or fix the folder's permissions, then `harness adr write {kept}` writes the ADR",
    )


def write_adr_or_keep(
    record: Any,
    adr_dir: Path,
    status: str,
    record_path: Path,
    on_warning: Callable[[str], None] | None = None,
    *,
    supersede_same: bool = True,
    on_note: Callable[[str], None] | None = None,
) -> Path:
    """`write_adr_for`, or `OutputError` naming the record that holds the finished results."""
    try:
        return write_adr_for(
            record,
            adr_dir,
            status=status,
            supersede_same=supersede_same,
            on_warning=on_warning,
            on_note=on_note,
        )
    except (OSError, InputError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(exc)
    raise OutputError(
        f"cannot write the ADR ({reason}); the finished results are in {record_path}",
        where=str(adr_dir),
        kept=str(record_path),
        fix=f"free space or fix the folder's permissions, then `harness adr write {record_path}`",
    )


def write_adr_for(
    record: Any,
    adr_dir: Path,
    *,
    status: str = "proposed",
    supersedes: Path | None = None,
    supersede_same: bool = True,
    on_warning: Callable[[str], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Path:
    """Render and write the ADR of a finished run, its claims and charts, and its decision package (also
    used by the TUI's ADR screen). A package that cannot be written is a warning: the ADR stands.

    Running the same decision again never adds a record silently: when `supersedes` is not given and the log
    holds a record still in force for the same spec (or the same title), the new record supersedes it (both
    linked, as `harness adr supersede` does) and `on_note` says so in one line; with `supersede_same=False`
    both stay in force and `on_warning` says a duplicate was written."""
    from harness import adr
    from harness.adr.charts import render_charts

    earlier = None
    if supersedes is None:
        earlier = adr.same_decision(
            adr_dir, title=str(record.spec["title"]), spec_fingerprint=_spec_fingerprint(record)
        )
        if earlier is not None and supersede_same:
            supersedes = earlier[0]
    charts = render_charts(record)
    old = supersedes.name if supersedes else None

    def text(number: int) -> str:
        return adr.render_adr(record, status=status, supersedes=old, number=number, charts=list(charts))

    from harness.claims import CLAIMS_ASSET, claims_bytes

    # the claims `harness verify` checks, committed beside the record (runs/ is not)
    assets = {**charts, CLAIMS_ASSET: claims_bytes(record, Path(adr_dir))}
    path = adr.write_adr(text, adr_dir, record.spec["title"], assets=assets)
    if supersedes is not None:
        try:
            adr.supersede(supersedes, path)
        except InputError as exc:
            if earlier is None:  # asked for by name: the caller hears of it
                raise
            _say(
                on_warning,
                f"{path.name} decides the same as {supersedes.name} ({earlier[1]}), but {supersedes.name} "
                f"could not be marked superseded: {one_line(exc)}",
                warning=True,
            )
        else:
            if earlier is not None:
                _say(
                    on_note,
                    f"{path.name} supersedes {supersedes.name} (an earlier decision for {earlier[1]}); both "
                    "records link each other — pass --no-supersede to keep both in force",
                )
    elif earlier is not None:
        _say(
            on_warning,
            f"duplicate decision written: {path.name} and {earlier[0].name} are both in force for "
            f"{earlier[1]} (--no-supersede); `harness adr supersede {int(earlier[0].name[:4])} "
            f"{int(path.name[:4])}` links them",
            warning=True,
        )
    _write_package(record, path, on_warning)
    adr.update_index(adr_dir)
    return path


def _spec_fingerprint(record: Any) -> str | None:
    try:
        return str(record.decision_spec().fingerprint())
    except (InputError, ValueError, AttributeError):  # a record whose spec no longer validates
        return None


def _say(to: Callable[[str], None] | None, message: str, *, warning: bool = False) -> None:
    if to is not None:
        to(message)
    else:
        import logging

        logging.getLogger("harness").log(logging.WARNING if warning else logging.INFO, message)


def _write_package(record: Any, adr_path: Path, on_warning: Callable[[str], None] | None) -> Path | None:
    """The decision package beside the ADR (`adr/packages/NNNN-<slug>/`), with the plan the run followed."""
    from harness.package import write_package

    plan = Path(adr_path).parent / record.plan["path"] if record.plan else None
    try:
        return write_package(record, record.decision_spec(), adr_path=Path(adr_path), plan_path=plan)
    except (OSError, InputError) as exc:
        _say(on_warning, f"the decision package was not written: {one_line(exc)}", warning=True)
        return None


def render_adr_for(record: Any, *, status: str = "proposed") -> str:
    """The ADR text of a run, without writing it (the TUI previews this)."""
    from harness import adr

    return adr.render_adr(record, status=status)
