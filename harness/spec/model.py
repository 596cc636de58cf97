"""The decision spec's pydantic models: `DecisionSpec` and its tables (`[data]`, `[constraints]`, …).

Unknown keys are forbidden; `to_toml()` writes a spec back so that spec → TOML → spec (and spec → ADR → spec)
is an identity. Loading and checking a spec file are in `harness.spec.load`, pydantic's errors made one-line
`InputError`s in `harness.spec.errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from harness.measure.catalog import DEFAULT_METRIC, METRICS
from harness.types import KNOWN_SKILLS, Hardware, Interpretability, Privacy, SkillLevel, TaskKind

SplitStrategy = Literal["auto", "stratified", "random", "group", "time"]


class _Strict(BaseModel):
    # allow_inf_nan=False: TOML's `nan` and `inf` are floats, and nan passes no range check but fails them all
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, use_enum_values=False, allow_inf_nan=False
    )


class DataSpec(_Strict):
    """Where the data is and what its columns mean."""

    path: str = Field(
        description="Data file (CSV, Parquet, JSONL); relative paths are relative to the spec file."
    )
    target: str | None = Field(
        None, description="Column to predict (classification label or regression value)."
    )
    id_column: str | None = Field(None, description="Row identifier; never used as a feature.")
    group_column: str | None = Field(None, description="Rows of one group stay in one split (e.g. customer).")
    time_column: str | None = Field(
        None, description="Timestamp; with split = 'time' the test split is the latest."
    )
    feature_columns: list[str] | None = Field(
        None, description="Features to use; default: every other column."
    )
    text_columns: list[str] = Field(default_factory=list, description="Columns holding free text.")
    detect_text: bool = Field(
        True, description="With text_columns empty, treat string columns that read as prose as text columns."
    )
    positive_label: str | int | bool | None = Field(None, description="Positive class of a binary target.")
    oos_label: str | int | None = Field(
        None,
        description="Text classification: the out-of-scope label ('none of the above'); enables OOS recall "
        "and in-scope accuracy. Default: a class named oos / out_of_scope / other, if any.",
    )
    split: SplitStrategy = Field(
        "auto", description="auto: group if group_column, else time, else stratified."
    )
    test_path: str | None = Field(
        None,
        description="A fixed golden test file with the same columns: never trained or tuned on, every "
        "candidate is scored on it once at the end. Default: a held-out test split of data.path.",
    )
    test_fraction: Annotated[float, Field(gt=0.0, le=0.5)] = 0.2
    dev_fraction: Annotated[float, Field(gt=0.0, le=0.5)] = 0.1
    # ---- QA (task = "qa") ----
    question_column: str | None = Field(None, description="QA: column holding the question text.")
    answer_column: str | None = Field(None, description="QA: column holding the reference answer.")
    answer_doc_column: str | None = Field(
        None, description="QA: column holding the id of the document that answers the question (gold doc)."
    )
    corpus_path: str | None = Field(
        None, description="QA: the documents: a folder of .md/.txt files, or a CSV/Parquet/JSONL table."
    )
    corpus_id_column: str = Field("id", description="QA: document id column of a corpus table.")
    corpus_text_column: str = Field("text", description="QA: document text column of a corpus table.")


class Constraints(_Strict):
    """The decision drivers. Unset means 'no constraint'."""

    latency_p99_ms: Annotated[float, Field(gt=0, le=3_600_000)] | None = Field(
        None,
        examples=[50],
        title="Latency p99 (ms)",
        description="Budget for the 99th-percentile latency of one request (batch of one), in ms.",
    )
    throughput_rps: Annotated[float, Field(gt=0, le=1e8)] | None = Field(
        None,
        examples=[200],
        title="Throughput (rows/s)",
        description="Rows per second one serving process must sustain (measured on batches).",
    )
    max_model_mb: Annotated[float, Field(gt=0, le=1e6)] | None = Field(
        None,
        examples=[100],
        title="Max model size (MB)",
        description="Largest serialized model (and index) the deployment accepts, in MB.",
    )
    labelled_examples: Annotated[int, Field(ge=10, le=10_000_000_000)] | None = Field(
        None,
        examples=[5000],
        title="Labelled examples",
        description="Labelled examples the team has or can afford; training uses at most this many.",
    )
    budget_usd_per_1k_predictions: Annotated[float, Field(ge=0, le=10_000)] | None = Field(
        None,
        examples=[0.05],
        title="Budget (USD / 1k pred.)",
        description="Most the team will pay per 1,000 predictions, in USD.",
    )
    hardware: Hardware = Field(Hardware.CPU, title="Hardware", description="Serving hardware: cpu or gpu.")
    hardware_usd_per_hour: Annotated[float, Field(ge=0, le=1_000)] | None = Field(
        None,
        examples=[0.5],
        title="Hardware (USD / hour)",
        description="Price of one serving machine per hour, in USD; prices predictions.",
    )
    privacy: Privacy = Field(
        Privacy.NO_EXTERNAL_API, title="Privacy", description="May inference data leave the premises?"
    )
    interpretability: Interpretability = Field(
        Interpretability.NONE, title="Interpretability", description="none, preferred or required."
    )
    knowledge_freshness_days: Annotated[int, Field(ge=0, le=36_500)] | None = Field(
        None,
        examples=[30],
        title="Knowledge freshness (days)",
        description="How stale the model's knowledge may get, in days (text/QA decisions).",
    )

    @model_validator(mode="after")
    def _budget_needs_price(self) -> Constraints:
        if self.budget_usd_per_1k_predictions is not None and self.hardware_usd_per_hour is None:
            raise ValueError(
                "budget_usd_per_1k_predictions needs hardware_usd_per_hour to price predictions; "
                "add hardware_usd_per_hour = <USD per machine-hour>"
            )
        return self


class CandidateSelection(_Strict):
    include: list[str] = Field(default_factory=list, description="Candidate or family names; empty: all.")
    exclude: list[str] = Field(default_factory=list, description="Candidate or family names to skip.")
    time_budget_s: Annotated[float, Field(gt=0, le=86_400)] = Field(
        900, description="Wall-clock budget for one candidate's training, in seconds."
    )
    tuning_trials: Annotated[int, Field(ge=1, le=10_000)] = Field(
        100,
        description="Hyperparameter trials per tunable family (trial 0 is its defaults); 1 = no tuning.",
    )
    tuning_time_s: Annotated[float, Field(gt=0, le=86_400)] | None = Field(
        None,
        description="Wall-clock budget of one family's search, in seconds; the search stops at whichever of "
        "tuning_trials and tuning_time_s comes first (trial 0 always finishes). Default: 30 below 20,000 "
        "training rows (where trials are cheap and every one counts), 20 above.",
    )
    equivalence_margin: Annotated[float, Field(gt=0)] | None = Field(
        None,
        description="Largest metric difference the team considers no difference: a simpler or cheaper model "
        "replaces the best-scoring one only when shown equivalent within it. Default: 0.005 for scores in "
        "[0, 1] (AUC, accuracy, F1…), 1% of the leader's value for errors (RMSE, MAE, log loss).",
    )
    cv_folds: Annotated[int, Field(ge=1, le=20)] | None = Field(
        None,
        description="Cross-validation folds on the training rows for tuning and selection; 1 = score on the "
        "dev split only. Default: 5 below 10,000 training rows, 3 below 100,000, else 1.",
    )


class AuditOptions(_Strict):
    acknowledge: list[str] = Field(
        default_factory=list,
        description="Blocking findings accepted as known, e.g. 'leakage:chargeback_flag'.",
    )
    dedupe: bool = Field(False, description="Drop exact duplicate rows before splitting.")
    drop_columns: list[str] = Field(default_factory=list, description="Columns removed before anything else.")
    near_duplicate_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.8, description="Jaccard similarity of shingle sets at which two texts count as near-duplicates."
    )
    shingle_size: Annotated[int, Field(ge=1, le=64)] = Field(5, description="Shingle length.")
    shingle_unit: Literal["char", "word"] = Field("char", description="Shingles of characters or of words.")
    num_perm: Annotated[int, Field(ge=16, le=1024)] = Field(128, description="MinHash signature length.")
    near_duplicate_numeric_tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.01, description="Rows equal but for one number within this relative difference are near-duplicates."
    )
    contamination_blocking_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.05, description="Share of test rows also in train (exactly or nearly) that blocks a run."
    )
    leakage_auc_threshold: Annotated[float, Field(gt=0.5, le=1.0)] = Field(
        0.98, description="A one-feature model with held-out ROC-AUC at or above this is target leakage."
    )
    leakage_r2_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.98, description="Regression: a one-feature model with held-out R² at or above this is leakage."
    )
    label_time_column: str | None = Field(
        None, description="When the label became known; default data.time_column. Later timestamps leak."
    )
    min_class_count: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        10, description="Classes with fewer rows than this are reported as rare."
    )
    max_missing_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.3, description="Columns missing in more than this share of rows get a warning."
    )
    value_ranges: dict[str, list[float]] = Field(
        default_factory=dict, description="Allowed [min, max] per numeric column, e.g. { amount = [0, 1e6] }."
    )
    sample_rows: Annotated[int, Field(ge=1_000, le=100_000_000)] = Field(
        200_000, description="Rows sampled for leakage, conflicts and near-duplicates on larger data."
    )


class EvidenceOptions(_Strict):
    """What is measured after the decision, before anyone ships it (harness.evidence)."""

    slice_columns: list[str] = Field(
        default_factory=list,
        description="Columns to slice the test metric by (numeric ones in quantile bins); low-cardinality "
        "categorical columns are sliced anyway.",
    )
    max_slice_categories: Annotated[int, Field(ge=2, le=100)] = Field(
        12, description="Categorical columns with at most this many values are sliced automatically."
    )
    min_slice_rows: Annotated[int, Field(ge=5, le=1_000_000)] = Field(
        30, description="Slices with fewer test rows are not scored (too few to say anything)."
    )
    directional: dict[str, Literal["increasing", "decreasing"]] = Field(
        default_factory=dict,
        description="Expected direction of the score as a numeric column grows, e.g. { amount = "
        '"increasing" } (fraud risk must not fall as the amount rises).',
    )
    leak_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.6,
        description="A single feature carrying at least this share of the chosen model's lift over chance "
        "(permutation importance on dev) is reported as a suspected leak.",
    )
    learning_curves: bool = Field(True, description="Refit each family on 10/25/50% of the training rows.")
    robustness: bool = Field(True, description="Score each candidate on perturbed copies of the test rows.")
    time_budget_s: Annotated[float, Field(gt=0, le=86_400)] | None = Field(
        None,
        description="Wall-clock budget of the costly evidence steps (learning curves, robustness); default: "
        "15% of the training time, at least 15 s.",
    )


class ModelsSpec(_Strict):
    """Local model directories for the text candidates; nothing is downloaded."""

    encoder_path: str | None = Field(
        None, description="Sentence-transformers encoder folder; default: all-MiniLM-L6-v2."
    )
    generator_path: str | None = Field(None, description="Local causal LM folder (prompt-only, LoRA).")
    judge_path: str | None = Field(
        None, description="Local judge LM folder (another family than the generator) for LLM-judged metrics."
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="auto: CUDA when present.")


WEIGHT_KEYS: tuple[str, ...] = ("quality", "latency", "cost", "skills", "maintenance")


class PackageWeights(_Strict):
    """Weights of the Framework Recommendation's summary score. A written table names every weight that
    counts: keys left out of it are 0 (so `{ latency = 1 }` puts everything on latency)."""

    quality: Annotated[float, Field(ge=0, le=1_000)] = Field(0.4, description="The optimizing metric.")
    latency: Annotated[float, Field(ge=0, le=1_000)] = Field(0.2, description="p99 latency per request.")
    cost: Annotated[float, Field(ge=0, le=1_000)] = Field(0.15, description="Cost per 1,000 predictions.")
    skills: Annotated[float, Field(ge=0, le=1_000)] = Field(
        0.15, description="The team's stated level in the skills the candidate needs."
    )
    maintenance: Annotated[float, Field(ge=0, le=1_000)] = Field(
        0.1, description="Complexity, interpretability, GPU need and size."
    )

    @model_validator(mode="before")
    @classmethod
    def _unwritten_are_zero(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and raw:
            return {key: 0.0 for key in WEIGHT_KEYS} | raw
        return raw

    @model_validator(mode="after")
    def _some_weight(self) -> PackageWeights:
        if sum(self.raw().values()) <= 0:
            raise ValueError(
                "the weights sum to 0, so nothing would be scored; give at least one weight a positive value"
            )
        return self

    def raw(self) -> dict[str, float]:
        return {key: float(getattr(self, key)) for key in WEIGHT_KEYS}

    def normalised(self) -> dict[str, float]:
        """The weights scaled to sum to 1 (what the scores use)."""
        raw = self.raw()
        total = sum(raw.values())
        return {key: value / total for key, value in raw.items()}


class PackageOptions(_Strict):
    """The decision package written beside the ADR (harness.package)."""

    weights: PackageWeights = Field(
        default_factory=PackageWeights,
        description="Weights of the Framework Recommendation's summary score over quality, latency, cost, "
        "skills and maintenance; normalised to sum to 1.",
    )


class TrackingOptions(_Strict):
    """Where the decision is logged besides the run record and the ADR (harness.tracking). Not part of the
    decision: the spec's fingerprint leaves it out, so adding it does not make a plan stale."""

    mlflow: bool | None = Field(
        None,
        description="Log the decision to MLflow: a parent run for the decision, a nested run per candidate; "
        "with no mlflow_uri, to a local mlruns/ folder beside the runs folder. Default: on when mlflow_uri "
        "is set.",
    )
    mlflow_uri: str | None = Field(
        None,
        min_length=1,
        description="MLflow tracking URI (http://HOST:5000, file:/path/mlruns, or a folder relative to the "
        "spec file); setting it turns MLflow logging on.",
    )
    experiment: str | None = Field(
        None, min_length=1, description="MLflow experiment name; default: the spec's title."
    )

    @model_validator(mode="after")
    def _uri_means_on(self) -> TrackingOptions:
        if self.mlflow_uri is not None and self.mlflow is False:
            raise ValueError(
                "tracking.mlflow is false but tracking.mlflow_uri is set; "
                "set mlflow = true or remove mlflow_uri"
            )
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.mlflow) or self.mlflow_uri is not None


class DecisionSpec(_Strict):
    """Everything the harness needs to make and record one decision."""

    title: str = Field(
        min_length=3, max_length=120, description="What is being decided; becomes the ADR title."
    )
    decision_makers: list[str] = Field(default_factory=list)
    task: TaskKind | None = Field(
        None, description="binary, multiclass, regression, qa; default: from the target."
    )
    metric: str | None = Field(None, description="Optimizing metric; default per task.")
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    seeds: Annotated[int, Field(ge=1, le=50)] = Field(
        1,
        description="Repeat selection with this many seeds (seed, seed+1, …); the ADR says how often it won.",
    )
    data: DataSpec
    constraints: Constraints = Field(default_factory=Constraints)
    team_skills: dict[str, SkillLevel] = Field(default_factory=dict)
    candidates: CandidateSelection = Field(default_factory=CandidateSelection)
    audit: AuditOptions = Field(default_factory=AuditOptions)
    models: ModelsSpec = Field(default_factory=ModelsSpec)
    evidence: EvidenceOptions = Field(default_factory=EvidenceOptions)
    package: PackageOptions = Field(default_factory=PackageOptions)
    tracking: TrackingOptions = Field(default_factory=TrackingOptions)

    _source: Path | None = PrivateAttr(None)

    @field_validator("team_skills")
    @classmethod
    def _known_skills(cls, skills: dict[str, SkillLevel]) -> dict[str, SkillLevel]:
        from harness.candidates.registry import known_skills  # built-in families' and plugins'

        known = known_skills() if set(skills) - set(KNOWN_SKILLS) else KNOWN_SKILLS
        unknown = sorted(set(skills) - set(known))
        if unknown:
            raise ValueError(f"unknown framework {unknown[0]!r}; use one of: {', '.join(known)}")
        return skills

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str | None) -> str | None:
        if metric is not None and metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; use one of: {', '.join(METRICS)}")
        return metric

    @model_validator(mode="after")
    def _metric_fits_task(self) -> DecisionSpec:
        if self.metric and self.task and self.task not in METRICS[self.metric].tasks:
            fits = [m for m, info in METRICS.items() if self.task in info.tasks]
            raise ValueError(
                f"metric {self.metric!r} does not apply to a {self.task} task; use one of {fits}"
            )
        if self.task is not TaskKind.QA and self.data.target is None:
            raise ValueError(
                'data.target is required; name the column to predict: [data] target = "<column>"'
            )
        target = self.data.target
        for key in ("id_column", "group_column", "time_column"):
            if target is not None and getattr(self.data, key) == target:
                raise ValueError(
                    f"data.{key} {target!r} is also data.target, and the target cannot be "
                    f"{'an id' if key == 'id_column' else 'a ' + key.removesuffix('_column')} column; "
                    f"set data.{key} to another column, or remove it"
                )
        return self

    # ---- derived -------------------------------------------------------------------------------------------
    def metric_for(self, task: TaskKind) -> str:
        """The optimizing metric: the spec's, or the sensible default for the task."""
        return self.metric or DEFAULT_METRIC[task]

    @property
    def source(self) -> Path | None:
        """The TOML file this spec was loaded from, if any."""
        return self._source

    def resolve(self, path: str | Path) -> Path:
        """A path from the spec, relative to the spec file's folder (or the working directory)."""
        p = Path(path).expanduser()
        if p.is_absolute() or self._source is None:
            return p
        return self._source.parent / p

    def data_path(self) -> Path:
        return self.resolve(self.data.path)

    # ---- serialisation -------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, TOML-ready dict: unset optional keys left out, enums as strings. An unwritten `[package]`
        (or `[tracking]`) is left out too, so specs (and their fingerprints) from before it existed read back
        unchanged."""
        data = _drop_none(json.loads(self.model_dump_json()))
        for section in ("package", "tracking"):
            if section not in self.model_fields_set:
                data.pop(section, None)
        return data

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def fingerprint(self) -> str:
        import hashlib

        data = self.to_dict()
        data.pop("tracking", None)  # where the decision is logged is not part of the decision
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """JSON schema of the spec (editors can validate decision.toml against it)."""
    return DecisionSpec.model_json_schema()
