"""The Ray executor: a run's trials as Ray tasks on a cluster (`--executor ray`), with the same trial code and
the same results as the local executor, so the decision is the same."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from harness import events as ev
from harness.errors import RunCancelled
from harness.executor import GRACE_S, POLL_S, InlineExecutor, TrialContext, TrialOutcome, reset_hooks


def _ray_trial(
    context: TrialContext, name: str, seed: int, progress: Any = None
) -> tuple[TrialOutcome, list[ev.Event]]:
    """A trial as a Ray task: the same code as every other executor. Its progress events stream back through
    `progress` (a Ray queue the driver drains while it waits); any the queue could not take come back with
    the result."""
    unsent: list[ev.Event] = []

    def emit(event: ev.Event) -> None:
        if progress is not None:
            try:
                progress.put_nowait((name, seed, event))
                return
            except Exception:  # a full or lost queue: the event comes back with the result instead
                pass
        unsent.append(event)

    out = InlineExecutor(context).run(name, seed, emit=emit, cancel=threading.Event())
    return reset_hooks(out), unsent


class RayExecutor:
    """Trials as Ray tasks on a cluster (`--executor ray --address auto|ray://HOST:PORT`; no address: a local
    Ray instance). The shared context (splits, spec, folds) goes into the object store once; every trial of a
    run is submitted up front (`prefetch`) with a resource request — the family's threads, a GPU for GPU
    families — so the cluster runs them in parallel, and the runner collects them in order. A trial past its
    budget is cancelled (force: its worker is killed); a task whose worker or node died is recorded as failed
    with Ray's reason. Results are the same objects the local executor returns: the decision is the same."""

    name = "ray"

    def gpus_available(self) -> bool:
        """Whether a trial that needs a CUDA GPU can run: any node of the cluster with a GPU (the driver
        needs none — the fitted model comes back and is served on CPU for timing when the driver has none)."""
        return float(self._ray.cluster_resources().get("GPU", 0)) > 0

    def __init__(
        self, context: TrialContext, *, address: str | None = None, grace_s: float = GRACE_S
    ) -> None:
        try:
            import ray
        except ImportError:
            from harness.errors import InputError

            raise InputError(
                "the ray executor needs Ray installed",
                where="--executor ray",
                fix="pip install 'ray==2.60.0' (or use --executor local)",
            ) from None
        self._ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.context = context
        self.grace_s = grace_s
        self._context_ref = ray.put(context)
        self._remote = ray.remote(max_retries=0)(_ray_trial)
        self._pending: dict[tuple[str, int], Any] = {}
        self._submitted_at: dict[tuple[str, int], float] = {}
        self._held: dict[tuple[str, int], list[ev.Event]] = {}
        from ray.util.queue import Queue

        # progress from every running trial, in the order it happened; a queue actor needs no CPU to run
        self._progress = Queue(maxsize=10_000, actor_options={"num_cpus": 0})

    def _submit(self, name: str, seed: int) -> None:
        from harness.candidates import registry
        from harness.threads import training_threads

        if (name, seed) in self._pending:
            return
        gpu = bool(getattr(registry.candidate_class(name), "requires_gpu", False))
        cpus = min(training_threads(), self._largest_node_cpus())  # a request no node can meet never runs
        ref = self._remote.options(num_cpus=cpus, num_gpus=1 if gpu else 0).remote(
            self._context_ref, name, seed, self._progress
        )
        self._pending[(name, seed)] = ref
        self._submitted_at[(name, seed)] = time.monotonic()

    def _largest_node_cpus(self) -> float:
        nodes = [n for n in self._ray.nodes() if n.get("Alive")]
        return max((float(n.get("Resources", {}).get("CPU", 0)) for n in nodes), default=1.0) or 1.0

    def prefetch(self, names: list[str], seed: int) -> None:
        for name in names:
            self._submit(name, seed)

    def run(
        self, name: str, seed: int, *, emit: Callable[[ev.Event], None], cancel: threading.Event
    ) -> TrialOutcome:
        from harness.candidates import registry
        from harness.fitting import failed_measurement

        ray = self._ray
        self._submit(name, seed)
        ref = self._pending.pop((name, seed))
        budget = float(self.context.spec.candidates.time_budget_s)
        candidate = registry.create(name, seed=seed, spec=self.context.spec)
        job = (name, seed)
        while True:
            done, _ = ray.wait([ref], timeout=POLL_S * 5)
            self._drain_progress()  # a finished trial's events are all queued: it put them before returning
            for event in self._held.pop(job, []):
                emit(event)
            if done:
                try:
                    out, events = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    why = " ".join(str(exc).split())[:300]
                    return TrialOutcome(
                        failed_measurement(candidate, "failed", f"the Ray task failed: {why}"), None
                    )
                for event in events:
                    emit(event)
                return out
            if cancel.is_set():
                self.close()
                raise RunCancelled(f"{name}: cancelled")
            # queued time counts too: a cluster too small for the run shows as timeouts, with the reason
            elapsed = time.monotonic() - self._submitted_at[(name, seed)]
            if elapsed > budget + min(self.grace_s, max(2.0, 0.25 * budget)):
                ray.cancel(ref, force=True)
                why = f"cancelled after {elapsed:.0f} s: past its {budget:g} s budget (queued time included)"
                return TrialOutcome(failed_measurement(candidate, "timed_out", why), None)

    def _drain_progress(self) -> None:
        """Move every queued progress event to its trial's list; the runner shows a trial's events live while
        it waits for that trial, and the others' when their turn comes."""
        from ray.util.queue import Empty

        try:
            waiting = self._progress.qsize()
            items = self._progress.get_nowait_batch(waiting) if waiting else []
        except (Empty, self._ray.exceptions.RayError):
            return
        for name, seed, event in items:
            self._held.setdefault((name, seed), []).append(event)

    def close(self) -> None:
        for ref in self._pending.values():
            self._ray.cancel(ref, force=True)
        self._pending.clear()
