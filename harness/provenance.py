"""Where a result came from: code version, interpreter, machine, library versions, data fingerprint.

Collected without importing the heavy libraries (versions come from `importlib.metadata`) and without ever
failing: a missing git, a missing library or an odd platform becomes `None`, never an exception, because a
run must not die at the very end for want of provenance.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

# Display name → distribution names to try (first installed wins). faiss ships under several names.
TRACKED_LIBRARIES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "polars": ("polars",),
    "scipy": ("scipy",),
    "scikit-learn": ("scikit-learn",),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "torch": ("torch",),
    "transformers": ("transformers",),
    "sentence-transformers": ("sentence-transformers",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "pydantic": ("pydantic",),
}

_PACKAGE = "archbench"
_GIT_TIMEOUT_S = 5.0


class Provenance(BaseModel):
    """Enough about the software and machine to re-run a decision and explain a different result."""

    model_config = ConfigDict(extra="forbid")

    code_version: str = Field(
        description="git commit (with '+dirty' when uncommitted changes) or package version"
    )
    git_commit: str | None = None
    git_dirty: bool | None = None
    package_version: str | None = None
    python: str
    platform: str
    cpu_count: int | None = None
    libraries: dict[str, str | None] = Field(default_factory=dict)


def library_versions(names: dict[str, tuple[str, ...]] | None = None) -> dict[str, str | None]:
    """Installed versions by display name; `None` for a library that is not installed."""
    versions: dict[str, str | None] = {}
    for display, dists in (names or TRACKED_LIBRARIES).items():
        versions[display] = None
        for dist in dists:
            try:
                versions[display] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return versions


def git_state(repo_dir: Path | None = None) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout holding this code, or (None, None) outside git or without git."""
    cwd = repo_dir or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S
        )
        if commit.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return commit.stdout.strip() or None, dirty


def package_version() -> str | None:
    try:
        return metadata.version(_PACKAGE)
    except metadata.PackageNotFoundError:
        try:
            from harness import __version__

            return __version__
        except ImportError:  # pragma: no cover - harness always has a version
            return None


def collect_provenance(repo_dir: Path | None = None) -> Provenance:
    """Snapshot of code, interpreter, machine and libraries; never raises."""
    commit, dirty = git_state(repo_dir)
    version = package_version()
    if commit:
        code_version = commit + ("+dirty" if dirty else "")
    else:
        code_version = f"{_PACKAGE} {version}" if version else "unknown"
    return Provenance(
        code_version=code_version,
        git_commit=commit,
        git_dirty=dirty,
        package_version=version,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=platform.platform(),
        cpu_count=os.cpu_count(),
        libraries=library_versions(),
    )


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, streamed so a large data file never sits in memory twice."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()
