"""The run's trial log: every finished trial (candidate × seed) is kept as it finishes, so Ctrl-C, a crash or
a lost worker costs only the trial in progress; `harness run SPEC --resume RUN_ID` runs only what is missing.

Layout: `runs/<run-id>/trials/` holds `spec.sha256` (the spec the trials belong to: a resume with another
spec is refused), `log.jsonl` (one line per finished trial: candidate, seed, status, seconds, file) and one
pickle per trial with its measurement and fitted model. Files are written atomically (temp file + rename),
so a trial is either wholly in the log or not at all. The pickles are this run's own output, read back only
by a resume of the same run from the same folder.

Here too: the executor and trial log a run uses, one trial run through them (kept from the log on a resume),
and Ctrl-C / SIGTERM turned into `RunInterrupted` with the finished trials kept.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import events as ev
from harness.errors import InputError
from harness.fileio import replace_atomically

if TYPE_CHECKING:
    from harness.fitting import Fitted
    from harness.results import Measurement

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


def trial_machinery(
    spec: Any,
    splits: Any,
    metric: str,
    protocol: Any,
    folds: list[Any],
    full_protocol: bool,
    run_id: str,
    options: Any,  # harness.runner.RunOptions
) -> tuple[Any, Any]:
    """The executor that runs the trials and the run's trial log (opened for a resume, or started).

    Tables: worker processes (`local`, the default), here (`inline`) or a Ray cluster (`ray`). Text and QA
    families run on a Ray cluster when asked (a fine-tune or a LoRA asks for a GPU there, and its fitted model
    comes back to be timed here); on one machine they run here, where they share one loaded encoder and one
    cache of training-text embeddings, which separate worker processes would each compute again."""
    from harness.executor import TrialContext

    context = TrialContext(
        splits, spec, metric, protocol, folds if full_protocol else None, replay=options.replay_trials
    )
    kind = options.executor if full_protocol or options.executor == "ray" else "inline"
    executor = make_executor(
        kind, context, memory_mb=options.memory_mb, address=options.address, workers=options.workers
    )
    try:
        log = TrialLog(Path(options.runs_dir) / run_id, spec.to_toml(), resume=options.resume is not None)
    except OSError as exc:
        raise InputError(
            f"cannot write the trial log ({exc.strerror or exc})",
            where=str(options.runs_dir),
            fix="pass --out-dir a folder you can write to",
        ) from None
    return executor, log


def run_trial(
    executor: Any, log: Any, name: str, seed: int, emit: Callable[[ev.Event], None], cancel: threading.Event
) -> tuple[Measurement, Fitted | None]:
    """One trial: from the trial log when a resumed run already finished it, else on the executor (and then
    into the log)."""
    kept = log.load(name, seed)
    if kept is not None:
        emit(ev.Log(f"{name}: kept from the trial log (resumed run)"))
        return kept.measurement, kept.fitted
    t0 = time.perf_counter()
    outcome = executor.run(name, seed, emit=emit, cancel=cancel)
    if outcome.measurement.status in ("ok", "failed", "timed_out"):
        log.save(name, seed, outcome, time.perf_counter() - t0)
    return outcome.measurement, outcome.fitted


@contextmanager
def interruptible(executor: Any, log: Any, run_id: str) -> Iterator[None]:
    """Ctrl-C (and SIGTERM, turned into the same) stops the trial in progress and keeps the finished ones."""
    import signal

    from harness.errors import RunInterrupted

    def on_term(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        executor.close()
        raise RunInterrupted(run_id, len(log.finished()), str(log.folder)) from None
    finally:
        executor.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def make_executor(
    kind: str,
    context: Any,
    *,
    memory_mb: float | None = None,
    address: str | None = None,
    workers: int | None = None,
) -> Any:
    """`inline` (here), `ray` (a cluster) or `local` (worker processes, the default)."""
    from harness import executor

    if kind == "inline":
        return executor.InlineExecutor(context)
    if kind == "ray":
        from harness.ray_executor import RayExecutor

        return RayExecutor(context, address=address)
    workers = workers or executor.default_workers()
    return executor.LocalExecutor(context, memory_mb=memory_mb, workers=workers)
