"""Writing the package folder all or nothing: every file goes into a hidden temp folder beside it (each file
itself written atomically), and the folder is renamed into place only when all are on disk. A failure leaves
no temp folder and no half package; a package already there is replaced whole."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from harness.errors import OutputError
from harness.fileio import replace_atomically


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """Write `files` (name → text) as the folder `folder`, atomically."""
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the package folder ({exc.strerror or type(exc).__name__})",
            where=str(parent),
            fix="check the ADR folder's permissions and free space",
        ) from None
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            "a file is in the way of the decision package", where=str(folder), fix="move or remove it"
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    old: Path | None = None
    try:
        for name, text in files.items():
            replace_atomically(tmp / name, text.encode("utf-8"))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the package is a shared document
        if folder.exists():
            old = parent / f".{folder.name}.old-{secrets.token_hex(3)}"
            os.replace(folder, old)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not folder.exists():
            with contextlib.suppress(OSError):
                os.replace(old, folder)  # put the previous package back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder
