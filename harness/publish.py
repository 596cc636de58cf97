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
) -> Path:
    """`write_adr_for`, or `OutputError` naming the record that holds the finished results."""
    try:
        return write_adr_for(record, adr_dir, status=status, on_warning=on_warning)
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
    on_warning: Callable[[str], None] | None = None,
) -> Path:
    """Render and write the ADR of a finished run, its claims and charts, and its decision package (also
    used by the TUI's ADR screen). A package that cannot be written is a warning: the ADR stands."""
    from harness import adr
    from harness.adr.charts import render_charts

    charts = render_charts(record)
    old = supersedes.name if supersedes else None

    def text(number: int) -> str:
        return adr.render_adr(record, status=status, supersedes=old, number=number, charts=list(charts))

    from harness.claims import CLAIMS_ASSET, claims_bytes

    # the claims `harness verify` checks, committed beside the record (runs/ is not)
    assets = {**charts, CLAIMS_ASSET: claims_bytes(record, Path(adr_dir))}
    path = adr.write_adr(text, adr_dir, record.spec["title"], assets=assets)
    if supersedes is not None:
        adr.supersede(supersedes, path)
    _write_package(record, path, on_warning)
    adr.update_index(adr_dir)
    return path


def _write_package(record: Any, adr_path: Path, on_warning: Callable[[str], None] | None) -> Path | None:
    """The decision package beside the ADR (`adr/packages/NNNN-<slug>/`), with the plan the run followed."""
    from harness.package import write_package

    plan = Path(adr_path).parent / record.plan["path"] if record.plan else None
    try:
        return write_package(record, record.decision_spec(), adr_path=Path(adr_path), plan_path=plan)
    except (OSError, InputError) as exc:
        message = f"the decision package was not written: {one_line(exc)}"
        if on_warning is not None:
            on_warning(message)
        else:
            import logging

            logging.getLogger("harness").warning(message)
        return None


def render_adr_for(record: Any, *, status: str = "proposed") -> str:
    """The ADR text of a run, without writing it (the TUI previews this)."""
    from harness import adr

    return adr.render_adr(record, status=status)
