"""Quality metrics with seeded, paired bootstrap 95% confidence intervals.

Point estimates come from scikit-learn. The intervals come from a percentile bootstrap over test rows, written
as *count weighting*: a resample that draws row i c_i times has the same metric as the full test set scored
with `sample_weight=c`. Every metric here is a function of weighted sums (confusion counts, cumulative
true/false positives along the score ordering, weighted residual sums), so all resamples of a chunk are
evaluated at once with matrix products and one cumulative sum — the rows are sorted by score once, not once
per resample.

Why not `scipy.stats.bootstrap`: it hands the statistic resampled *arrays*, so ROC-AUC / PR-AUC would re-sort
every resample — 1000 sklearn `average_precision_score` calls on 12k rows took ~5 s; this path ~0.5 s with
the resamples drawn (shared 2-core machine) — and its BCa default breaks on the degenerate resamples a rare
class produces. The weighted versions
are checked against sklearn with `sample_weight` in `tests/measure/test_quality.py`.

Comparability: the resampled row indices depend only on (seed, number of rows, n_boot), so every candidate
scored on the same test split with the same seed sees the *same* resamples (a paired bootstrap).

The registry is `harness.measure.catalog.METRICS`: each entry names the module whose `FUNCTIONS` dict holds
its `MetricFunction` (a point estimate and its vectorised resampled form); `metric_function(name)` finds it on
first use, so no module registers anything as a side effect of being imported. The table metrics live in
`harness.measure.table_metrics`, the inputs every metric reads in `harness.measure.scored`;
QA (`harness.measure.qa`), out-of-scope (`harness.measure.oos`) and judged metrics (`harness.measure.judge`)
in their modules. A metric that is a mean of a per-row score is `MetricFunction.per_row_mean(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.measure.catalog import METRICS
from harness.measure.scored import MetricFunction, MetricUnavailable, Scored, prepare
from harness.measure.table_metrics import classes_with_both
from harness.results import MetricValue
from harness.types import TaskKind

CI_LEVEL = 0.95
_CHUNK_CELLS = 3_000_000  # resamples × rows evaluated at once (≈ 24 MB per float64 array)


def metric_function(name: str) -> MetricFunction:
    """The registered computation of a catalog metric (KeyError when it has none)."""
    import importlib

    info = METRICS[name]
    functions: dict[str, MetricFunction] = importlib.import_module(info.module).FUNCTIONS
    return functions[name]


class _Registry(Mapping[str, MetricFunction]):
    """Every catalog metric with a computation, read through the catalog (nothing registers on import)."""

    def __getitem__(self, name: str) -> MetricFunction:
        if name not in METRICS:
            raise KeyError(name)
        return metric_function(name)

    def __iter__(self) -> Iterator[str]:
        return iter(METRICS)

    def __len__(self) -> int:
        return len(METRICS)


METRIC_FUNCTIONS: Mapping[str, MetricFunction] = _Registry()


# ---- bootstrap ---------------------------------------------------------------------------------------------
def bootstrap_counts(n_rows: int, n_boot: int, seed: int) -> list[np.ndarray]:
    """The resamples as count matrices (chunks of B × n_rows, float64), identical for identical
    (n_rows, n_boot, seed): candidates scored on one test split share them."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, min(n_boot, _CHUNK_CELLS // max(n_rows, 1)))
    chunks = []
    done = 0
    while done < n_boot:
        b = min(per_chunk, n_boot - done)
        idx = rng.integers(0, n_rows, size=(b, n_rows))
        flat = (idx + (np.arange(b) * n_rows)[:, None]).ravel()
        chunks.append(np.bincount(flat, minlength=b * n_rows).reshape(b, n_rows).astype(np.float64))
        done += b
    return chunks


def _check_defined(name: str, s: Scored) -> None:
    """Metrics that need both classes on the test set: say so instead of letting sklearn raise."""
    if name in ("roc_auc", "pr_auc"):
        one_class = (
            int(s.y_positive().sum()) in (0, s.n)
            if s.task.kind is TaskKind.BINARY
            else not classes_with_both(s)
        )
        if one_class:
            raise InputError(
                f"{METRICS[name].label} is undefined: the test split has only one class",
                where="test split",
                fix="use more data, a larger test_fraction, or a stratified split",
            )


def score(
    task: Task,
    y_true: np.ndarray,
    preds: Predictions,
    metrics: Sequence[str],
    *,
    seed: int,
    n_boot: int = 1000,
    optimizing: str | None = None,
    threshold: float | None = None,
    oos_index: int | None = None,
) -> dict[str, MetricValue]:
    """Each metric's value on the test set with a percentile-bootstrap 95% CI (`n_boot=0`: no CI).

    `threshold` (binary, with probabilities): labels are "positive score ≥ threshold" — a threshold chosen on
    dev (`harness.measure.threshold`) instead of the model's own 0.5. `oos_index`: the out-of-scope class, for
    the out-of-scope metrics.

    The optimizing metric is always included (first). A secondary metric the predictions cannot support
    (`MetricUnavailable`, e.g. labels without probabilities) is left out; for the optimizing metric that is a
    `ValueError` naming what is missing. Resamples where a metric is undefined (e.g. no positive row drawn)
    are left out of its interval; if fewer than half remain, the interval is omitted.
    """
    names = list(dict.fromkeys([*([optimizing] if optimizing else []), *metrics]))
    for name in names:
        if name not in METRICS:
            raise InputError(
                f"unknown metric {name!r}", where="metric", fix=f"use one of: {', '.join(METRICS)}"
            )
        if task.kind not in METRICS[name].tasks:
            raise InputError(f"metric {name!r} does not apply to a {task.kind} task", where="metric")
    functions = {name: metric_function(name) for name in names}
    s = prepare(task, y_true, preds, threshold, oos_index)
    points: dict[str, float] = {}
    for name in names:
        try:
            _check_defined(name, s)
            points[name] = functions[name].point(s)
        except MetricUnavailable as exc:
            if name == optimizing:
                raise ValueError(f"cannot compute {METRICS[name].label}: it {exc}") from None
    names = [name for name in names if name in points]

    resampled: dict[str, list[np.ndarray]] = {name: [] for name in names}
    if n_boot > 0:
        for counts in bootstrap_counts(s.n, n_boot, seed):
            for name in names:
                resampled[name].append(functions[name].resampled(s, counts))

    out: dict[str, MetricValue] = {}
    tail = (1 - CI_LEVEL) / 2 * 100
    for name in names:
        low = high = None
        if n_boot > 0:
            values = np.concatenate(resampled[name])
            values = values[np.isfinite(values)]
            if len(values) >= n_boot / 2:
                low, high = (float(v) for v in np.percentile(values, [tail, 100 - tail]))
        out[name] = MetricValue(
            name=name,
            value=points[name],
            ci_low=low,
            ci_high=high,
            greater_is_better=METRICS[name].greater_is_better,
            resamples=as_resamples(resampled[name]) if name == optimizing and n_boot > 0 else None,
        )
    return out


def as_resamples(chunks: list[np.ndarray]) -> list[float | None]:
    """Resampled values for the record: rounded, NaN (undefined on that resample) as None."""
    values = np.concatenate(chunks) if chunks else np.zeros(0)
    return [round(float(v), 8) if np.isfinite(v) else None for v in values]
