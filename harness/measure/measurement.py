"""Measure one fitted candidate on the test split: quality with confidence intervals, per-request latency,
batch throughput, size and cost. The runner fills `train_time_s` and turns exceptions into failed
measurements.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.dataset import Predictions, Split
from harness.measure.catalog import METRICS, SECONDARY_METRICS
from harness.measure.cost import cost_usd_per_1k
from harness.measure.latency import measure_throughput, time_interleaved
from harness.measure.oos import OOS_METRICS
from harness.measure.quality import score
from harness.results import Measurement
from harness.types import TaskKind

if TYPE_CHECKING:
    from harness.spec import DecisionSpec

PREDICT_BATCH_ROWS = 4096  # quality pass: big enough to amortise per-call overhead, small enough for memory
MAX_THROUGHPUT_BATCH_S = (
    5.0  # slow candidates (LLM prompts) get a smaller throughput batch than this would take
)

ProgressFn = Callable[[float, str], None]


def predict_in_batches(candidate: Any, split: Split, *, batch_rows: int = PREDICT_BATCH_ROWS) -> Predictions:
    """Predict every row of `split` once, in batches, and join the batches."""
    parts = [
        candidate.predict(split.X.slice(start, batch_rows)) for start in range(0, split.X.height, batch_rows)
    ]
    preds = concat_predictions(parts)
    n_predicted = len(preds) or len(preds.extra.get("answers") or ())  # QA predictions carry answers only
    if n_predicted != len(split):
        raise ValueError(f"{candidate.name} returned {n_predicted} predictions for {len(split)} rows")
    return preds


def concat_predictions(parts: list[Predictions]) -> Predictions:
    """Join batch predictions: arrays and lists are concatenated; other `extra` values come from the first."""
    if len(parts) == 1:
        return parts[0]

    def join(name: str) -> np.ndarray | None:
        arrays = [getattr(p, name) for p in parts]
        return None if arrays[0] is None else np.concatenate([np.asarray(a) for a in arrays])

    extra: dict[str, Any] = {}
    for key, first in parts[0].extra.items():  # every batch of one candidate carries the same keys
        if isinstance(first, np.ndarray):
            extra[key] = np.concatenate([p.extra[key] for p in parts])
        elif isinstance(first, list):
            extra[key] = [item for p in parts for item in p.extra[key]]
        else:
            extra[key] = first
    return Predictions(labels=join("labels"), proba=join("proba"), values=join("values"), extra=extra)


def measure_candidate(
    candidate: Any,
    test: Split,
    *,
    metric: str,
    spec: DecisionSpec,
    seed: int,
    on_progress: ProgressFn | None = None,
    n_boot: int = 1000,
    n_latency_calls: int = 1000,
    latency_max_s: float = 10.0,
    throughput_batch_rows: int = 1024,
    throughput_min_s: float = 1.0,
) -> Measurement:
    """Score, time and size one fitted candidate (`score_candidate` then `time_candidates` for one)."""
    report = on_progress or (lambda fraction, message: None)
    m = score_candidate(
        candidate, test, metric=metric, spec=spec, seed=seed, n_boot=n_boot, on_progress=report
    )
    report(0.4, "timing single-row requests and batches")
    time_candidates(
        {m.candidate: (candidate, m)},
        test,
        spec=spec,
        n_latency_calls=n_latency_calls,
        latency_max_s=latency_max_s,
        throughput_batch_rows=throughput_batch_rows,
        throughput_min_s=throughput_min_s,
    )
    report(1.0, "measured")
    return m


def score_candidate(
    candidate: Any,
    test: Split,
    *,
    metric: str,
    spec: DecisionSpec,
    seed: int,
    n_boot: int = 1000,
    on_progress: ProgressFn | None = None,
    threshold: float | None = None,
    keep: dict[str, Predictions] | None = None,
) -> Measurement:
    """Predict the test split once and score it: the optimizing `metric` and the task's secondary metrics,
    with bootstrap CIs seeded by `seed` (same seed and test split → the same resamples for every candidate,
    kept for the optimizing metric so the decision can compare candidates pairwise). No timing here: latency
    is measured for all candidates together, interleaved (`time_candidates`). `threshold`: binary label
    metrics cut the positive score there (chosen on dev); `keep["test"]` receives the test predictions."""
    report = on_progress or (lambda fraction, message: None)
    started = time.perf_counter()

    report(0.0, "predicting the test split")
    t0 = time.perf_counter()
    preds = predict_in_batches(candidate, test)
    quality_rows_per_s = len(test) / max(time.perf_counter() - t0, 1e-9)
    if keep is not None:
        keep["test"] = preds

    report(0.2, "scoring with bootstrap CIs")
    metrics = _metrics(test, preds, metric=metric, spec=spec, seed=seed, n_boot=n_boot, threshold=threshold)

    details = dict(candidate.details()) if hasattr(candidate, "details") else {}
    details["score_time_s"] = round(time.perf_counter() - started, 3)
    if threshold is not None:
        details["threshold"] = threshold
    details["quality_rows_per_s"] = round(quality_rows_per_s, 1)
    return Measurement(
        candidate=candidate.name,
        family=candidate.family,
        metrics=metrics,
        size_bytes=int(candidate.size_bytes()),
        skills=list(getattr(candidate, "skills", ())),
        interpretable=bool(getattr(candidate, "interpretable", False)),
        complexity=int(getattr(candidate, "complexity", 3)),
        requires_gpu=bool(getattr(candidate, "requires_gpu", False)),
        details=details,
    )


def _metrics(
    test: Split,
    preds: Predictions,
    *,
    metric: str,
    spec: DecisionSpec,
    seed: int,
    n_boot: int,
    threshold: float | None,
) -> dict[str, Any]:
    """The optimizing metric and the task's secondary ones, with paired bootstrap CIs; the out-of-scope
    metrics join when the task has an out-of-scope class, the judged ones for QA with a judge."""
    task = test.task
    secondary = list(SECONDARY_METRICS[task.kind])
    if task.kind is TaskKind.QA:
        from harness.measure.qa import score_qa  # ragas: loaded only for QA runs

        if spec.models.judge_path:  # LLM-judged faithfulness, for candidates that retrieved passages
            from harness.measure.judge import with_faithfulness

            preds, secondary = with_faithfulness(preds, test, spec, secondary)
        gold = test.extra.get("doc_ids")
        return score_qa(task, test.y, preds, secondary, seed, n_boot, gold_doc_ids=gold, optimizing=metric)
    oos_index = _oos_index(task, spec)
    if oos_index is not None:  # how the model treats questions outside its training: a failure mode
        secondary += [m for m in OOS_METRICS if m not in secondary]
    elif "oos_class" in METRICS[metric].needs:
        raise ValueError(f"{metric} needs an out-of-scope class; set data.oos_label")
    return score(
        task,
        test.y,
        preds,
        secondary,
        seed=seed,
        n_boot=n_boot,
        optimizing=metric,
        threshold=threshold,
        oos_index=oos_index,
    )


def time_candidates(
    fitted: dict[str, tuple[Any, Measurement]],
    test: Split,
    *,
    spec: DecisionSpec,
    n_latency_calls: int = 1000,
    latency_max_s: float = 10.0,
    throughput_batch_rows: int = 1024,
    throughput_min_s: float = 1.0,
    on_progress: ProgressFn | None = None,
) -> None:
    """Latency (interleaved rounds across every candidate), batch throughput and cost, filled into each
    candidate's `Measurement`. Run once all candidates are fitted and nothing else trains in this process."""
    report = on_progress or (lambda fraction, message: None)
    if not fitted:
        return
    report(0.0, f"timing {len(fitted)} candidate(s) in interleaved rounds")
    watch = _OtherLoad()
    latencies = time_interleaved(
        {name: c.predict for name, (c, _m) in fitted.items()},
        test.X,
        n_calls=n_latency_calls,
        max_seconds=latency_max_s,
    )
    host = {**host_conditions(), "other_processes_cores": watch.cores_used()}
    for i, (name, (candidate, m)) in enumerate(fitted.items()):
        report(0.6 + 0.4 * i / len(fitted), f"batch throughput: {name}")
        rows_per_s = float(m.details.get("quality_rows_per_s") or 1e9)
        batch_rows = min(throughput_batch_rows, test.X.height)
        batch_rows = max(1, min(batch_rows, int(rows_per_s * MAX_THROUGHPUT_BATCH_S)))
        throughput = measure_throughput(
            candidate.predict, test.X, batch_size=batch_rows, min_seconds=throughput_min_s
        )
        m.latency = latencies[name]
        m.throughput_rows_per_s = throughput
        m.batch_size = batch_rows
        m.cost_usd_per_1k = cost_usd_per_1k(throughput, spec.constraints.hardware_usd_per_hour)
        m.details["timed_on"] = host
    report(1.0, "timed")


class _OtherLoad:
    """CPU used by *other* processes while latency was timed, in cores: the load that could distort it.
    (The load average would count this run's own training of the last minute.)"""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self._t0 = time.perf_counter()
        self._total0 = self._busy()
        self._own0 = self._own()

    @staticmethod
    def _busy() -> float:
        import psutil

        t = psutil.cpu_times()
        return float(
            t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
        )

    def _own(self) -> float:
        t = self._proc.cpu_times()
        return float(t.user + t.system + t.children_user + t.children_system)

    def cores_used(self) -> float:
        wall = max(time.perf_counter() - self._t0, 1e-9)
        others = (self._busy() - self._total0) - (self._own() - self._own0)
        return round(max(others, 0.0) / wall, 2)


def host_conditions() -> dict[str, Any]:
    """Where latency was measured: cores, the 1-minute load average, and the threads predict may use."""
    import os

    from harness.threads import training_threads

    try:
        load = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        load = None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return {"cores": cores, "load_1min": load, "batch_threads": training_threads(), "single_row_threads": 1}


def _oos_index(task: Any, spec: DecisionSpec) -> int | None:
    """The out-of-scope class of a text task (or of any task whose spec names `data.oos_label`)."""
    if not task.text_columns and spec.data.oos_label is None:
        return None
    from harness.dataset import resolve_oos_index

    return resolve_oos_index(task, spec.data.oos_label)
