"""MLflow tracking: a finished decision logged to an MLflow tracking store.

Teams that track their experiments in MLflow should find each archbench decision there too, beside their
other runs, without reading run.json: one parent run for the decision (the chosen option as a tag, the ADR,
its charts and claims, run.json as artifacts) and one nested run per candidate (its parameters, every metric
with its CI, latency, size, cost). The run record and the ADR stay the source of truth: logging happens after
they are written, and a store that cannot be reached costs a warning, never the run.

MLflow is an optional extra (`pip install -c constraints.txt -e '.[tracking]'`, mlflow-skinny) imported only
here and only when logging is asked for (`harness run --mlflow [URI]` or the spec's `[tracking]`).
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import events as ev
from harness.errors import InputError

DEFAULT_FOLDER = "mlruns"  # the local file store, beside the runs folder
INSTALL = "pip install -c constraints.txt -e '.[tracking]' (or: pip install mlflow-skinny)"
TAG = "archbench."  # prefix of every tag archbench sets, so they filter and sort together in the MLflow UI
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: `C:\…` is a Windows path
_BAD_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")  # MLflow keys: alphanumerics, _ - . space /
_URI_ENV = "MLFLOW_TRACKING_URI"
_MAX_PARAM = 500  # a parameter value is a setting, not a document: longer ones are cut (MLflow allows 6,000)


# ---- where to log --------------------------------------------------------------------------------------


def available() -> bool:
    """Whether the MLflow client is installed (without importing it: it is slow to import)."""
    return importlib.util.find_spec("mlflow") is not None


def require_mlflow(where: str) -> None:
    """Raise the one-line `InputError` for logging asked for without MLflow installed: before any training,
    not after an hour of it."""
    if not available():
        raise InputError("MLflow logging is asked for but mlflow is not installed", where=where, fix=INSTALL)


def default_uri(runs_dir: Path) -> str:
    """A local file store: `mlruns/` beside the runs folder (runs/ → mlruns/), as a `file:` URI."""
    return (Path(runs_dir).resolve().parent / DEFAULT_FOLDER).as_uri()


def as_uri(value: str, *, runs_dir: Path, base: Path | None = None) -> str:
    """A tracking URI from what the user wrote: empty → the default local store; a URI with a scheme (http,
    https, file, sqlite, databricks …) as given; a plain folder → its `file:` URI (relative to `base`)."""
    if not value:
        return default_uri(runs_dir)
    if _SCHEME.match(value):
        return value
    folder = Path(value).expanduser()
    if not folder.is_absolute() and base is not None:
        folder = base / folder
    return folder.resolve().as_uri()


def run_uri(option: str | None, spec: Any, runs_dir: Path) -> str | None:
    """The store this run logs to: `--mlflow`'s (RunOptions.mlflow), else the spec's `[tracking]`, else None
    (no logging)."""
    if option is not None:
        return as_uri(option, runs_dir=runs_dir)
    tracking = spec.tracking
    if not tracking.enabled:
        return None
    base = spec.source.parent if spec.source is not None else None
    return as_uri(tracking.mlflow_uri or "", runs_dir=runs_dir, base=base)


# ---- logging -------------------------------------------------------------------------------------------


def log_to_mlflow(
    uri: str,
    record: Any,
    record_path: Path,
    adr_path: Path | None,
    *,
    emit: Callable[[ev.Event], None] | None = None,
) -> str | None:
    """Log a finished run (its `RunRecord`, written to `record_path`; its ADR at `adr_path`, if any) to the
    MLflow store at `uri`, in the experiment `[tracking] experiment` names (default: the spec's title).
    Returns the parent run's id, or None when logging failed: then a warning event says why, and the run,
    its record and ADR stand."""
    emit = emit or (lambda _e: None)
    name = (record.spec.get("tracking") or {}).get("experiment") or str(
        record.spec.get("title") or "archbench"
    )
    try:
        run_id = _log(uri, name, record, Path(record_path), adr_path)
    except Exception as exc:  # a store down, a folder not writable, a rejected value: the run is not lost
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        emit(
            ev.Log(
                f"MLflow: the decision was not logged to {uri} ({type(exc).__name__}: {text}); "
                f"the run record and the ADR are unaffected",
                level="warning",
            )
        )
        return None
    emit(ev.Log(f"MLflow: logged to {uri}, experiment {name!r}, run {run_id}"))
    return run_id


def _log(uri: str, experiment: str, record: Any, record_path: Path, adr_path: Path | None) -> str:
    with _quiet_mlflow(uri) as mlflow:
        client = mlflow.MlflowClient(uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found is not None else client.create_experiment(experiment)
        with mlflow.start_run(
            experiment_id=experiment_id,
            run_name=record.run_id,
            nested=mlflow.active_run() is not None,  # inside a caller's run: a child of it
        ) as parent:
            mlflow.set_tags(parent_tags(record, adr_path))
            mlflow.log_params(parent_params(record))
            mlflow.log_metrics(chosen_metrics(record))
            for artifact, folder in _artifacts(record_path, adr_path):
                if artifact.is_dir():
                    mlflow.log_artifacts(str(artifact), artifact_path=folder)
                else:
                    mlflow.log_artifact(str(artifact), artifact_path=folder)
            verdicts = {v.candidate: v for v in (record.decision.verdicts if record.decision else [])}
            for m in record.measurements:
                with mlflow.start_run(experiment_id=experiment_id, run_name=m.candidate, nested=True):
                    mlflow.set_tags(candidate_tags(m, verdicts.get(m.candidate)))
                    mlflow.log_params(candidate_params(m))
                    mlflow.log_metrics(candidate_metrics(m))
            return str(parent.info.run_id)


@contextmanager
def _quiet_mlflow(uri: str) -> Iterator[Any]:
    """Import MLflow pointed at `uri` through its API (not MLFLOW_TRACKING_URI), without telemetry (MLflow
    3 reports usage over the network unless told not to, read at import) and, for a local folder, with the
    file store allowed (MLflow ≥ 3.7 refuses it otherwise; it is what a laptop without a server has). The
    caller's own tracking URI is restored afterwards."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    if uri.startswith("file:"):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    else:  # a server that is down: fail in seconds, not after MLflow's minutes of retries
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    import mlflow
    from mlflow.tracking._tracking_service import utils as tracking_utils

    # set_tracking_uri also exports MLFLOW_TRACKING_URI (for subprocesses): put both back as they were
    previous, previous_env = getattr(tracking_utils, "_tracking_uri", None), os.environ.get(_URI_ENV)
    mlflow.set_tracking_uri(uri)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow's deprecation notices about its own stores
            yield mlflow
    finally:
        mlflow.set_tracking_uri(previous)  # type: ignore[arg-type]  # None unsets it; the stub says str
        if previous_env is None:
            os.environ.pop(_URI_ENV, None)
        else:
            os.environ[_URI_ENV] = previous_env


# ---- what is logged (pure: record in, dicts out) -------------------------------------------------------


def parent_tags(record: Any, adr_path: Path | None) -> dict[str, str]:
    """The decision: run id, title, chosen option (`none` when nothing passed the gates), method, why."""
    d = record.decision
    tags = {
        f"{TAG}run_id": record.run_id,
        f"{TAG}title": str(record.spec.get("title", "")),
        f"{TAG}chosen": (d.recommended if d and d.recommended else "none"),
        f"{TAG}method": d.method if d else "none",
        f"{TAG}task": str(record.task.kind),
        f"{TAG}cancelled": str(record.cancelled).lower(),
    }
    if d is not None:
        tags |= {
            f"{TAG}metric": d.metric,
            f"{TAG}justified": str(d.justified).lower(),
            f"{TAG}best_baseline": d.best_baseline or "none",
            "mlflow.note.content": d.because,  # shown as the run's description in the MLflow UI
        }
    if adr_path is not None:
        tags[f"{TAG}adr"] = Path(adr_path).name
    return tags


def parent_params(record: Any) -> dict[str, str]:
    """The spec's key settings: task, metric, seeds, data, constraints, candidate selection and budget."""
    spec = record.spec
    keys = {k: spec[k] for k in ("task", "metric", "seed", "seeds") if spec.get(k) is not None}
    keys["data"] = {k: v for k, v in spec.get("data", {}).items() if v not in (None, [], {})}
    for section in ("constraints", "candidates"):
        keys[section] = {k: v for k, v in (spec.get(section) or {}).items() if v not in (None, [], {})}
    return {key: _param(value) for key, value in _flatten(keys).items()}


def chosen_metrics(record: Any) -> dict[str, float]:
    """The chosen option's optimizing metric and its CI on the parent, so decisions compare in one table."""
    d = record.decision
    m = record.measurement(d.recommended) if d and d.recommended else None
    if m is None or d.metric not in m.metrics:
        return {}
    return _finite(_metric_values(m.metrics[d.metric]))


def candidate_tags(m: Any, verdict: Any | None) -> dict[str, str]:
    """Status, verdict (with rank and the first reason or gate it failed), and why it failed, if it did."""
    tags = {f"{TAG}candidate": m.candidate, f"{TAG}status": m.status, f"{TAG}family": str(m.family)}
    if verdict is not None:
        tags[f"{TAG}verdict"] = verdict.verdict
        if verdict.rank is not None:
            tags[f"{TAG}rank"] = str(verdict.rank)
        if verdict.violations:
            tags[f"{TAG}violations"] = "; ".join(verdict.violations)[:5000]
    if m.reason:
        tags[f"{TAG}reason"] = m.reason[:5000]
    return tags


def candidate_params(m: Any) -> dict[str, str]:
    """The family and the hyperparameters the tuner settled on (`details["tuning"]`), with how it tuned."""
    params = {"family": str(m.family)}
    tuning = m.details.get("tuning") or {}
    for key, value in (tuning.get("params") or {}).items():
        params[_key(str(key))] = _param(value)
    for key in ("tuned", "n_trials", "stopped_by"):
        if tuning.get(key) is not None:
            params[f"tuning.{key}"] = _param(tuning[key])
    return params


def candidate_metrics(m: Any) -> dict[str, float]:
    """Every metric with `<name>_ci_low`/`<name>_ci_high`, latency p50/p95/p99 (ms), throughput, size (MB),
    train time (s), cost per 1k predictions (USD): what the ADR's leaderboard shows."""
    values: dict[str, float | None] = {}
    for metric in m.metrics.values():
        values |= _metric_values(metric)
    if m.latency is not None:
        values |= {
            "latency_p50_ms": m.latency.p50_ms,
            "latency_p95_ms": m.latency.p95_ms,
            "latency_p99_ms": m.latency.p99_ms,
        }
    values |= {
        "throughput_rows_per_s": m.throughput_rows_per_s,
        "size_mb": m.size_mb,
        "train_time_s": m.train_time_s,
        "cost_usd_per_1k": m.cost_usd_per_1k,
    }
    return _finite(values)


def _metric_values(metric: Any) -> dict[str, float | None]:
    name = _key(metric.name)
    return {name: metric.value, f"{name}_ci_low": metric.ci_low, f"{name}_ci_high": metric.ci_high}


def _artifacts(record_path: Path, adr_path: Path | None) -> list[tuple[Path, str]]:
    """(file or folder, artifact folder): run.json; the ADR, its charts and claims (assets/NNNN-*) and its
    decision package (packages/NNNN-*/), when they exist."""
    found = [(record_path, "run")] if record_path.exists() else []
    if adr_path is None or not Path(adr_path).exists():
        return found
    adr_path = Path(adr_path)
    found.append((adr_path, "adr"))
    number = adr_path.name[:4]
    if number.isdigit():
        found += [(p, "adr/assets") for p in sorted((adr_path.parent / "assets").glob(f"{number}-*"))]
        found += [
            (p, f"adr/packages/{p.name}")
            for p in sorted((adr_path.parent / "packages").glob(f"{number}-*"))
            if p.is_dir()
        ]
    return found


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{_key(str(key))}"
        if isinstance(item, dict):
            flat |= _flatten(item, f"{name}.")
        else:
            flat[name] = item
    return flat


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    return str(value)[:_MAX_PARAM]


def _key(name: str) -> str:
    return _BAD_KEY.sub("_", name)


def _finite(values: dict[str, float | None]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(float(v))}
