"""Where a trial runs. A trial = one candidate × seed: tuned on the CV folds, fitted, scored on test
(`fitting.fit_and_score`); it returns its measurement and the fitted model with its predictions.

- `LocalExecutor` (the default for tables): trials run in a separate worker process (spawned once per run, and
  again after a kill). The time budget is enforced from outside — past `time_budget_s` plus a grace period the
  worker is killed — as is an optional memory cap (`memory_mb`, the worker's resident memory, polled). A trial
  that raises, hangs inside a native library, runs out of memory, calls `sys.exit` or crashes the interpreter
  is recorded as failed with its reason; the run goes on with a fresh worker.
  `workers` trials run at once (`--workers N`; default: one per two cores, as memory allows), each with its
  share of the cores.
- `InlineExecutor`: in the harness's own process (`--executor inline`; on one machine text and QA families run
  here too, sharing one loaded encoder and one embedding cache).
- `RayExecutor` (`harness.ray_executor`, `--executor ray`): trials as Ray tasks on a cluster, tables, text and
  QA alike, each with a resource request (its threads; a GPU for a family that needs one).

Latency is never measured in a worker: the runner times every fitted model together, in its own process, once
no trial is training (the record says where: `timed_on`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from harness import events as ev
from harness.errors import RunCancelled

GRACE_S = 10.0  # at most this long past the cooperative deadline before the worker is killed
POLL_S = 0.1


@dataclass
class TrialContext:
    """What every trial of a run shares; sent to a worker once."""

    splits: Any
    spec: Any
    metric: str
    protocol: Any
    folds: list[Any] | None  # the CV folds of the run's first seed (None: fitted once, not tuned)
    # candidate → tuning trials to run, time limit lifted: a re-run (`harness verify`) replays the search the
    # recorded run completed, so a time-bounded search gives the same configurations and the same numbers
    replay: dict[str, int] | None = None

    def protocol_for(self, name: str) -> Any:
        if not self.replay or name not in self.replay:
            return self.protocol
        import dataclasses

        return dataclasses.replace(self.protocol, tuning_trials=self.replay[name], tuning_time_s=86_400.0)

    def folds_for(self, seed: int) -> list[Any] | None:
        """The CV folds a trial with this seed tunes on: the first seed's as sent, a further seed's drawn
        again from it (deterministic, so a worker, a Ray node and the driver draw the same folds)."""
        if self.folds is None or seed == self.spec.seed:
            return self.folds
        from harness.protocol import cv_folds

        return cv_folds(self.splits.train, self.protocol, seed=seed)


@dataclass
class TrialOutcome:
    measurement: Any  # harness.results.Measurement
    fitted: Any  # harness.fitting.Fitted | None


class InlineExecutor:
    name = "inline"

    def gpus_available(self) -> bool:
        """Whether a trial that needs a CUDA GPU can run: this host's."""
        from harness.fitting import cuda_available

        return cuda_available()

    def __init__(self, context: TrialContext) -> None:
        self.context = context

    def run(
        self, name: str, seed: int, *, emit: Callable[[ev.Event], None], cancel: threading.Event
    ) -> TrialOutcome:
        from harness.candidates import registry
        from harness.fitting import fit_and_score

        c = self.context
        candidate = registry.create(name, seed=seed, spec=c.spec)
        m, fitted = fit_and_score(
            candidate,
            c.splits,
            c.spec,
            c.metric,
            c.protocol_for(name),
            c.folds_for(seed),
            cancel,
            emit,
            seed=seed,
        )
        return TrialOutcome(m, fitted)

    def close(self) -> None:
        pass


def _worker_main(conn: Any, threads: int | None = None) -> None:
    """The worker's loop: receive the context once, then (name, seed) trials until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills us
    if threads is not None:  # one of several workers: its share of the cores (read by training_threads)
        import os

        os.environ["ARCHBENCH_THREADS"] = str(threads)
    executor = InlineExecutor(conn.recv())
    never = threading.Event()
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the parent is gone
            return
        if job is None:
            return
        name, seed = job
        conn.send(("started", job))  # the budget counts from here, not from the worker's start-up
        out = executor.run(name, seed, emit=lambda e: conn.send(("event", e)), cancel=never)
        conn.send(("done", reset_hooks(out)))


@contextlib.contextmanager
def _real_stderr() -> Iterator[None]:
    """Spawning passes stderr's file descriptor to multiprocessing's resource tracker; a front end that
    replaced `sys.stderr` (the TUI captures it) has none, so the process' own stderr stands in meanwhile."""
    try:
        ok = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        ok = False
    if ok:
        yield
        return
    saved, sys.stderr = sys.stderr, sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def default_workers() -> int:
    """What this machine allows: one worker per two cores (a trial's thread pools want at least two; more
    trials than that only fight for cores), and no more than the available memory holds at ~2 GB a trial."""
    import os

    import psutil

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    by_memory = int(psutil.virtual_memory().available // 2e9)
    return max(1, min(cores // 2, by_memory))


class _Worker:
    """One worker process and the trial it is running."""

    def __init__(self, mp_context: Any, context: TrialContext, threads: int | None) -> None:
        self._mp = mp_context
        self.context = context
        self.threads = threads
        self.proc: Any = None
        self.conn: Any = None
        self.job: tuple[str, int] | None = None
        self.started = 0.0
        self.peak_mb = 0.0

    def start(self) -> None:
        parent, child = self._mp.Pipe()
        # not a daemon: a daemonic process may not start children, and scikit-learn's parallel loops (loky)
        # would silently fall back to one job. A parent that dies closes the pipe, which ends the worker.
        self.proc = self._mp.Process(
            target=_worker_main, args=(child, self.threads), daemon=False, name="archbench-trial"
        )
        with _real_stderr():
            self.proc.start()
        child.close()
        self.conn = parent
        self.conn.send(self.context)

    def submit(self, job: tuple[str, int]) -> None:
        if self.proc is None or not self.proc.is_alive():
            self.kill()
            self.start()
        self.conn.send(job)
        self.job, self.started, self.peak_mb = job, time.monotonic(), 0.0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def kill(self) -> None:
        if self.proc is not None and self.proc.pid is not None:  # started (start() may have raised)
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None
        self.job = None

    def rss_mb(self) -> float:
        import psutil

        try:
            p = psutil.Process(self.proc.pid)
            procs = [p, *p.children(recursive=True)]
            return sum(q.memory_info().rss for q in procs) / 1e6
        except psutil.Error:
            return 0.0

    def close(self) -> None:
        if self.conn is not None and self.alive():
            try:
                self.conn.send(None)
                self.proc.join(5)
            except (OSError, BrokenPipeError):
                pass
        self.kill()


class LocalExecutor:
    """Trials in worker processes (`workers` at once), each bounded from outside in time and memory.

    With one worker the trials run one after another as the runner asks for them. With several, the runner
    `prefetch`es every trial of the run; whenever it waits for one, idle workers take the next queued trials,
    each worker limited to its share of the cores (`ARCHBENCH_THREADS`), and the progress of trials it is not
    waiting for is held back and shown, in order, when their turn comes."""

    name = "local"
    gpus_available = InlineExecutor.gpus_available  # the workers run on this host

    def __init__(
        self,
        context: TrialContext,
        *,
        memory_mb: float | None = None,
        grace_s: float = GRACE_S,
        workers: int = 1,
    ) -> None:
        import os

        self.context = context
        self.memory_mb = memory_mb
        self.grace_s = grace_s
        self.workers = max(1, int(workers))
        threads = None
        if self.workers > 1:
            try:
                cores = len(os.sched_getaffinity(0))
            except AttributeError:  # not on Linux
                cores = os.cpu_count() or 1
            threads = max(1, cores // self.workers)
        mp_context = mp.get_context("spawn")  # polars and OpenMP thread pools do not survive fork
        self._pool = [_Worker(mp_context, context, threads) for _ in range(self.workers)]
        self._queue: list[tuple[str, int]] = []
        self._results: dict[tuple[str, int], TrialOutcome] = {}
        self._held: dict[tuple[str, int], list[ev.Event]] = {}

    def prefetch(self, names: list[str], seed: int) -> None:
        if self.workers > 1:  # one worker: nothing to gain, trials run when asked
            self._queue.extend((n, seed) for n in names if (n, seed) not in self._queue)

    def run(
        self, name: str, seed: int, *, emit: Callable[[ev.Event], None], cancel: threading.Event
    ) -> TrialOutcome:
        job = (name, seed)
        running = {w.job for w in self._pool}
        if job not in self._results and job not in running:
            if job in self._queue:
                self._queue.remove(job)
            self._queue.insert(0, job)  # the trial the runner waits for goes first
        while True:
            for event in self._held.pop(job, []):
                emit(event)
            if job in self._results:
                return self._results.pop(job)
            if cancel.is_set():
                self.close()
                raise RunCancelled(f"{name}: cancelled")
            for worker in self._pool:
                if worker.job is None and self._queue:
                    worker.submit(self._queue.pop(0))
            self._poll(job, emit)

    def _poll(self, waiting_for: tuple[str, int], emit: Callable[[ev.Event], None]) -> None:
        """One round over the busy workers: pass on progress, collect results, end trials out of bounds."""
        from multiprocessing.connection import wait

        busy = [w for w in self._pool if w.job is not None]
        ready = set(wait([w.conn for w in busy], timeout=POLL_S))
        for worker in busy:
            job = worker.job
            assert job is not None
            if worker.conn in ready and self._receive(worker, job, waiting_for, emit):
                continue  # finished
            failure = self._out_of_bounds(worker)
            if failure is not None:
                status, why = failure
                worker.kill()
                self._results[job] = TrialOutcome(_failed_trial(self.context, job, status, why), None)

    def _receive(
        self,
        worker: _Worker,
        job: tuple[str, int],
        waiting_for: tuple[str, int],
        emit: Callable[[ev.Event], None],
    ) -> bool:
        """Take every message the worker has sent; True when the trial's result was among them."""
        try:
            while worker.conn.poll():
                kind, payload = worker.conn.recv()
                if kind == "started":
                    worker.started = time.monotonic()
                elif kind == "event":
                    (emit if job == waiting_for else self._held.setdefault(job, []).append)(payload)
                else:
                    worker.job = None
                    self._results[job] = payload
                    return True
        except (EOFError, OSError):  # the worker died: _out_of_bounds says how
            pass
        return False

    def _out_of_bounds(self, worker: _Worker) -> tuple[str, str] | None:
        if not worker.alive():
            code = worker.proc.exitcode if worker.proc is not None else None
            return "failed", f"the worker process died ({describe_exit(code)}) while fitting; the run went on"
        budget = float(self.context.spec.candidates.time_budget_s)
        elapsed = time.monotonic() - worker.started
        if elapsed > budget + min(self.grace_s, max(2.0, 0.25 * budget)):
            why = f"killed after {elapsed:.0f} s: past its {budget:g} s budget without returning"
            return "timed_out", why
        if self.memory_mb is not None:
            worker.peak_mb = max(worker.peak_mb, worker.rss_mb())
            if worker.peak_mb > self.memory_mb:
                cap = f"{self.memory_mb:,.0f} MB"
                return "failed", f"killed at {worker.peak_mb:,.0f} MB resident: over the {cap} cap per trial"
        return None

    def close(self) -> None:
        self._queue.clear()
        for worker in self._pool:
            if worker.job is not None:
                worker.kill()  # a trial still running when the run ends (Ctrl-C): nothing waits for it
            worker.close()


def _failed_trial(context: TrialContext, job: tuple[str, int], status: str, why: str) -> Any:
    from harness.candidates import registry
    from harness.fitting import failed_measurement

    name, seed = job
    return failed_measurement(registry.create(name, seed=seed, spec=context.spec), status, why)


def reset_hooks(out: TrialOutcome) -> TrialOutcome:
    """Hooks hold the executing side's cancel event: not for the harness process."""
    if out.fitted is not None:
        from harness.candidates.base import TrainingHooks

        for model in (out.fitted.model, out.fitted.dev_model):
            if hasattr(model, "hooks"):
                model.hooks = TrainingHooks()
    return out
