"""Progress of a long training loop in words a person waiting for it wants: which epoch of how many, which
step of how many, the loss, the dev score of each finished epoch, and the time left.

A 37-minute fine-tune used to print nothing after the weights loaded. `EpochProgress` turns a training loop's
steps into the candidate's progress hook (`BaseCandidate._tick`: one `CandidateProgress` event each, which
the CLI shows beside the candidate's bar and the TUI in its run table): a report at the first steps, then at
most every `every_s` seconds, and at each epoch's end; every step still checks the time budget and
cancellation. The time left is measured, not guessed: the mean time per step so far, times the steps to go,
plus the mean time each dev evaluation took, times the evaluations to go.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

_FIRST_REPORTS = 3  # steps reported at once: the first step's time says how long the rest will take


def fmt_eta(seconds: float) -> str:
    """A time left as a person says it: 45 s, 3 min 10 s, 1 h 12 min."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class EpochProgress:
    """Reports a loop of `epochs` × `steps_per_epoch` steps (one count, or one per epoch when their batches
    differ) through `tick(fraction, message)` (the candidate's `_tick`), mapped onto `start`..`end` of the
    candidate's fit; `check()` (the candidate's `_check`) runs on the steps that are not reported."""

    def __init__(
        self,
        tick: Callable[[float, str], None],
        check: Callable[[], None],
        *,
        epochs: int,
        steps_per_epoch: int | Sequence[int],
        start: float = 0.0,
        end: float = 0.9,
        every_s: float = 2.0,
        evaluates: bool = False,
    ) -> None:
        self.tick, self.check = tick, check
        self.epochs = epochs
        counts = [steps_per_epoch] * epochs if isinstance(steps_per_epoch, int) else list(steps_per_epoch)
        self.steps = [max(1, n) for n in counts]
        self.total = sum(self.steps)
        self.start, self.end, self.every_s = start, end, every_s
        self.evaluates = evaluates
        self.done = 0
        self.step_seconds = 0.0  # time in training steps (dev evaluations excluded)
        self.eval_seconds: list[float] = []
        self._last_report = float("-inf")
        self._last_step = time.perf_counter()

    def begin(self) -> None:
        """Call right before the first step (after loading and tokenising): the clock starts here."""
        self._last_step = time.perf_counter()
        low, high = min(self.steps), max(self.steps)
        each = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        self.tick(self.start, f"training: {self.epochs} epoch(s) × {each} steps ({self.total:,} in all)")

    def seconds_left(self) -> float | None:
        if not self.done:
            return None
        left = self.step_seconds / self.done * (self.total - self.done)
        if self.evaluates:
            evals_left = self.epochs - len(self.eval_seconds)
            per_eval = (
                sum(self.eval_seconds) / len(self.eval_seconds)
                if self.eval_seconds
                else self.step_seconds / self.done * max(1, self.steps[0] // 10)  # until one is timed
            )
            left += evals_left * per_eval
        return left

    def _fraction(self) -> float:
        return self.start + (self.end - self.start) * self.done / self.total

    def _eta(self) -> str:
        left = self.seconds_left()
        return "ETA …" if left is None else f"ETA {fmt_eta(left)}"

    def step(self, epoch: int, step: int, loss: float | None = None) -> None:
        """After training step `step` (1-based, within the epoch) of epoch `epoch` (1-based)."""
        now = time.perf_counter()
        self.step_seconds += now - self._last_step
        self.done += 1
        due = now - self._last_report >= self.every_s
        of = self.steps[min(epoch, len(self.steps)) - 1]
        if self.done <= _FIRST_REPORTS or step == of or due:
            self._last_report = now
            said = f"epoch {epoch}/{self.epochs} · step {step:,}/{of:,}"
            if loss is not None:
                said += f" · loss {loss:.3f}"
            self.tick(self._fraction(), f"{said} · {self._eta()}")
        else:
            self.check()
        self._last_step = time.perf_counter()

    def evaluated(self, epoch: int, seconds: float, score: str) -> None:
        """After the dev evaluation of epoch `epoch` (which took `seconds`): `score` as said, e.g.
        "dev accuracy 0.9123"."""
        self.eval_seconds.append(seconds)
        self._last_report = time.perf_counter()
        self.tick(self._fraction(), f"epoch {epoch}/{self.epochs} done · {score} · {self._eta()}")
        self._last_step = time.perf_counter()

    def stopped_early(self, epoch: int, why: str) -> None:
        self.tick(self.end, f"stopped after epoch {epoch}/{self.epochs}: {why}")
