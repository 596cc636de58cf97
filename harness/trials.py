"""The run's trial log: every finished trial (candidate × seed) is kept as it finishes, so Ctrl-C, a crash or
a lost worker costs only the trial in progress; `harness run SPEC --resume RUN_ID` runs only what is missing.

Layout: `runs/<run-id>/trials/` holds `spec.sha256` (the spec the trials belong to: a resume with another
spec is refused), `log.jsonl` (one line per finished trial: candidate, seed, status, seconds, file) and one
pickle per trial with its measurement and fitted model. Files are written atomically (temp file + rename),
so a trial is either wholly in the log or not at all. The pickles are this run's own output, read back only
by a resume of the same run from the same folder.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.fileio import replace_atomically

TRIALS_DIR = "trials"


def spec_digest(spec_toml: str) -> str:
    return hashlib.sha256(spec_toml.encode("utf-8")).hexdigest()


class TrialLog:
    def __init__(self, run_dir: Path, spec_toml: str, *, resume: bool = False) -> None:
        self.folder = Path(run_dir) / TRIALS_DIR
        digest = spec_digest(spec_toml)
        stamp = self.folder / "spec.sha256"
        if resume:
            if not stamp.exists():
                raise InputError(
                    f"no trial log to resume in {self.folder}",
                    where="--resume",
                    fix="give the run id of an interrupted run (its folder under the runs directory)",
                )
            if stamp.read_text().strip() != digest:
                raise InputError(
                    "the spec changed since that run: its trials answer another question",
                    where="--resume",
                    fix="resume with the spec the run started with, or start a new run",
                )
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            replace_atomically(stamp, digest.encode())

    def _file(self, name: str, seed: int) -> Path:
        return self.folder / f"{name}-seed{seed}.pkl"

    def has(self, name: str, seed: int) -> bool:
        return self._file(name, seed).exists()

    def load(self, name: str, seed: int) -> Any | None:
        """The finished trial's outcome (measurement, fitted), or None when it did not finish."""
        path = self._file(name, seed)
        if not path.exists():
            return None
        with path.open("rb") as handle:
            return pickle.load(handle)  # this run's own trial file, written by `save`

    def save(self, name: str, seed: int, outcome: Any, seconds: float) -> None:
        path = self._file(name, seed)
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a model that cannot be pickled is kept without its model (resume refits it)
            return
        replace_atomically(path, data)
        line = {
            "candidate": name,
            "seed": seed,
            "status": outcome.measurement.status,
            "seconds": round(seconds, 2),
            "file": path.name,
        }
        with (self.folder / "log.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    def finished(self) -> list[dict[str, Any]]:
        log = self.folder / "log.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
