"""Where a trial runs. A trial = one candidate × seed: tuned on the CV folds, fitted, scored on test
(`runner._fit_and_score`); it returns its measurement and the fitted model with its predictions.

- `LocalExecutor` (the default for tables): trials run in a separate worker process (spawned once per run, and
  again after a kill). The time budget is enforced from outside — past `time_budget_s` plus a grace period the
  worker is killed — as is an optional memory cap (`memory_mb`, the worker's resident memory, polled). A trial
  that raises, hangs inside a native library, runs out of memory, calls `sys.exit` or crashes the interpreter
  is recorded as failed with its reason; the run goes on with a fresh worker.
- `InlineExecutor`: in the harness's own process (`--executor inline`; text and QA families, whose models hold
  native handles that cannot be sent between processes, always run here).

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
    folds: list[Any] | None


@dataclass
class TrialOutcome:
    measurement: Any  # harness.results.Measurement
    fitted: Any  # harness.runner.Fitted | None


class InlineExecutor:
    name = "inline"

    def __init__(self, context: TrialContext) -> None:
        self.context = context

    def run(
        self, name: str, seed: int, *, emit: Callable[[ev.Event], None], cancel: threading.Event
    ) -> TrialOutcome:
        from harness.candidates import registry
        from harness.runner import _fit_and_score

        c = self.context
        candidate = registry.create(name, seed=seed, spec=c.spec)
        m, fitted = _fit_and_score(
            candidate, c.splits, c.spec, c.metric, c.protocol, c.folds, cancel, emit, seed=seed
        )
        return TrialOutcome(m, fitted)

    def close(self) -> None:
        pass


def _worker_main(conn: Any) -> None:
    """The worker's loop: receive the context once, then (name, seed) trials until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills us
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
        out = executor.run(name, seed, emit=lambda e: conn.send(("event", e)), cancel=never)
        if out.fitted is not None:  # hooks hold the worker's cancel event: not for the parent
            from harness.candidates.base import TrainingHooks

            for model in (out.fitted.model, out.fitted.dev_model):
                if hasattr(model, "hooks"):
                    model.hooks = TrainingHooks()
        conn.send(("done", out))


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


class LocalExecutor:
    """Trials in a worker process, one at a time, each bounded from outside in time and memory."""

    name = "local"

    def __init__(
        self, context: TrialContext, *, memory_mb: float | None = None, grace_s: float = GRACE_S
    ) -> None:
        self.context = context
        self.memory_mb = memory_mb
        self.grace_s = grace_s
        self._mp = mp.get_context("spawn")  # polars and OpenMP thread pools do not survive fork
        self._proc: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        parent, child = self._mp.Pipe()
        # not a daemon: a daemonic process may not start children, and scikit-learn's parallel loops (loky)
        # would silently fall back to one job. A parent that dies closes the pipe, which ends the worker.
        self._proc = self._mp.Process(
            target=_worker_main, args=(child,), daemon=False, name="archbench-trial"
        )
        with _real_stderr():
            self._proc.start()
        child.close()
        self._conn = parent
        self._conn.send(self.context)

    def _kill(self) -> None:
        if self._proc is not None and self._proc.pid is not None:  # started (start() may have raised)
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def _rss_mb(self) -> float:
        import psutil

        try:
            p = psutil.Process(self._proc.pid)
            procs = [p, *p.children(recursive=True)]
            return sum(q.memory_info().rss for q in procs) / 1e6
        except psutil.Error:
            return 0.0

    def run(
        self, name: str, seed: int, *, emit: Callable[[ev.Event], None], cancel: threading.Event
    ) -> TrialOutcome:
        from harness.candidates import registry
        from harness.runner import _failed

        budget = float(self.context.spec.candidates.time_budget_s)
        if self._proc is None or not self._proc.is_alive():
            self._kill()
            self._start()
        self._conn.send((name, seed))
        started = time.monotonic()
        candidate = registry.create(name, seed=seed, spec=self.context.spec)
        peak = 0.0
        while True:
            try:
                ready = self._conn.poll(POLL_S)
                if ready:
                    kind, payload = self._conn.recv()
                    if kind == "event":
                        emit(payload)
                        continue
                    return payload  # type: ignore[no-any-return]
            except (EOFError, OSError):
                ready = False
            if not self._proc.is_alive():
                code = self._proc.exitcode
                self._kill()
                why = f"the worker process died ({describe_exit(code)}) while fitting; the run went on"
                return TrialOutcome(_failed(candidate, "failed", why), None)
            if cancel.is_set():
                self._kill()
                raise RunCancelled(f"{name}: cancelled")
            elapsed = time.monotonic() - started
            if elapsed > budget + min(self.grace_s, max(2.0, 0.25 * budget)):
                self._kill()
                why = f"killed after {elapsed:.0f} s: past its {budget:g} s budget without returning"
                return TrialOutcome(_failed(candidate, "timed_out", why), None)
            if self.memory_mb is not None:
                peak = max(peak, self._rss_mb())
                if peak > self.memory_mb:
                    self._kill()
                    cap = f"{self.memory_mb:,.0f} MB"
                    why = f"killed at {peak:,.0f} MB resident: over the {cap} cap per trial"
                    return TrialOutcome(_failed(candidate, "failed", why), None)

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(5)
            except (OSError, BrokenPipeError):
                pass
        self._kill()


def make_executor(kind: str, context: TrialContext, *, memory_mb: float | None = None) -> Any:
    if kind == "inline":
        return InlineExecutor(context)
    return LocalExecutor(context, memory_mb=memory_mb)
