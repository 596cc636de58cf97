"""Where a run's results go: the output folders are checked before anything trains, and a write that still
fails after training says where the finished results were kept.

A run writes its record first (`runs/<run-id>/run.json`), then the ADR, each atomically; a record that cannot
be written goes to a fallback folder in the system's temporary directory instead and no ADR is written (an ADR
must cite a record that exists).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

from harness.errors import InputError

# Less free space than this on an output folder's disk fails the check: a run record with its evidence and an
# ADR with its charts take a few hundred KB, and a nearly full disk fails in the middle of a write.
MIN_FREE_BYTES = 5 * 2**20


def fallback_runs_dir() -> Path:
    """Where a run record goes when its runs folder cannot be written after training."""
    return Path(tempfile.gettempdir()) / "archbench-runs"


def check_output_folder(folder: str | Path, *, what: str, option: str | None = None) -> None:
    """Raise a one-line `InputError` unless `folder` (or the folder that would create it) can take a file.

    Touches nothing lasting: a missing folder is not created (a probe file is made and removed in its
    nearest existing parent). `what` names the folder in the message ("run records"); `option` is the
    command-line option that chooses another one."""
    folder = Path(folder)
    where = f"{what} folder {folder}"
    other = f"pass another folder to {option}" if option else "choose another folder"
    existing = folder
    try:
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        is_dir = existing.is_dir()
    except OSError as exc:  # EACCES on a parent, a name too long, ...
        raise InputError(
            f"cannot look at the folder ({exc.strerror or type(exc).__name__})",
            where=where,
            fix=f"{other}, or fix the permissions on its parent folders",
        ) from None
    if not is_dir:
        problem = (
            "is a file, not a folder"
            if existing == folder
            else f"cannot be created: {existing} is a file, not a folder"
        )
        raise InputError(problem, where=where, fix=f"{other}, or move the file {existing} away")
    try:
        fd, probe = tempfile.mkstemp(prefix=".archbench-probe-", dir=existing)
    except OSError as exc:
        kind = "read-only" if exc.errno == errno.EROFS else "not writable"
        raise InputError(
            f"{existing} is {kind} ({exc.strerror or type(exc).__name__})",
            where=where,
            fix=f"{other}, or make {existing} writable",
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return  # no statistics for this file system: the probe file is all we can know
    if free < MIN_FREE_BYTES:
        raise InputError(
            f"the disk holding {existing} is full ({free / 2**20:.1f} MB free, at least "
            f"{MIN_FREE_BYTES // 2**20} MB needed)",
            where=where,
            fix=f"free some space, or {other} on another disk",
        )


def check_run_outputs(runs_dir: str | Path, adr_dir: str | Path | None) -> None:
    """Both output folders of `harness run` (the ADR folder only when an ADR will be written)."""
    check_output_folder(runs_dir, what="run records", option="--out-dir")
    if adr_dir is not None:
        check_output_folder(adr_dir, what="decision records (ADR)", option="--adr-dir")
        assets = Path(adr_dir) / "assets"
        if assets.exists() and not assets.is_dir():
            raise InputError(
                "is a file, but ADR charts go in a folder of that name",
                where=f"decision records (ADR) folder {assets}",
                fix=f"move the file {assets} away",
            )
