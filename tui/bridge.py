"""From the runner's thread to the UI: forward `harness.events` as Textual messages without flooding.

A candidate may report progress thousands of times a second. Like toolong, progress events replace each
other: the worker keeps only the latest `CandidateProgress` per candidate and posts one `ProgressTick` until
the UI has drained them, so the message queue holds at most one tick however fast the producer is. Every
other event is rare and is posted as is, in order; the UI drains pending progress before applying it, so a
late progress update can never overwrite a finished bar.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message

from harness import events as ev


class HarnessEvent(Message):
    """One runner event (anything except candidate progress)."""

    def __init__(self, event: ev.Event) -> None:
        super().__init__()
        self.event = event


class ProgressTick(Message):
    """Some candidate progress is waiting; call `EventForwarder.take()` to get the latest of each."""


class EventForwarder:
    """An `EventSink` for `harness.runner.run`, called in the worker thread; `post` must be thread-safe."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._lock = threading.Lock()
        self._latest: dict[str, ev.CandidateProgress] = {}
        self._tick_pending = False
        self.received = 0  # events seen (for tests and the log)
        self.posted = 0  # messages posted

    def __call__(self, event: ev.Event) -> None:
        self.received += 1
        if isinstance(event, ev.CandidateProgress):
            with self._lock:
                self._latest[event.name] = event
                if self._tick_pending:
                    return
                self._tick_pending = True
            self.posted += 1
            self._post(ProgressTick())
            return
        self.posted += 1
        self._post(HarnessEvent(event))

    def take(self) -> list[ev.CandidateProgress]:
        """The latest progress of each candidate since the last call (UI thread)."""
        with self._lock:
            latest = list(self._latest.values())
            self._latest.clear()
            self._tick_pending = False
        return latest
