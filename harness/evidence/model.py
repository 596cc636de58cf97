"""The evidence a team asks for before shipping, as pydantic models kept in the run record (`run.json`).

Everything here is measured after the decision, on rows the decision did not choose with (test; dev for
calibration, thresholds and importance), so none of it can move the goalposts of the selection.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Interval(BaseModel):
    """A metric value with its bootstrap 95% CI (None when too few rows to resample)."""

    value: float
    low: float | None = None
    high: float | None = None


class SliceScore(BaseModel):
    column: str
    label: str  # "region = north", "amount in [10, 52)", "text length ≤ 7 words"
    rows: int
    score: Interval | None = None  # None: the metric is undefined on this slice (e.g. one class only)
    baseline: float | None = None  # the best baseline's metric on the same rows
    vs_baseline: Interval | None = None  # the candidate's advantage over the baseline (metric direction)
    p_worse: float | None = None  # Holm-adjusted one-sided p of "not worse than the baseline"
    hidden_regression: bool = False  # better than the baseline overall, significantly worse here


class ClassScore(BaseModel):
    label: str
    f1: float
    support: int


class ConfusedPair(BaseModel):
    true: str
    predicted: str
    count: int
    share_of_true: float


class CandidateSlices(BaseModel):
    candidate: str
    slices: list[SliceScore] = Field(default_factory=list)
    worst: SliceScore | None = None
    per_class: list[ClassScore] = Field(default_factory=list)  # multiclass: worst classes first
    confused: list[ConfusedPair] = Field(default_factory=list)


class ReliabilityBin(BaseModel):
    predicted: float  # mean predicted probability in the bin
    observed: float  # observed frequency of the event
    rows: int


class Calibration(BaseModel):
    candidate: str
    ece: float  # expected calibration error, 10 equal-width bins
    curve: list[ReliabilityBin] = Field(default_factory=list)
    log_loss: float | None = None
    improves_p: float | None = None  # paired one-sided t-test on per-row log loss, calibrated vs not
    calibrated_method: Literal["isotonic", "platt", "temperature"] | None = None
    calibrated_log_loss: float | None = None  # on test, calibrator fit on dev
    calibrated_ece: float | None = None
    improves: bool = False  # the calibrated variant has a lower test log loss
    threshold: float | None = None  # binary: decision threshold chosen on dev (None: argmax)
    threshold_metric: str | None = None  # what the threshold maximises on dev


class Perturbation(BaseModel):
    name: str  # "numeric noise", "fields missing", "unseen categories", "typos", …
    detail: str  # "Gaussian noise at 10% of each numeric column's train standard deviation"
    score: float | None = None
    drop: float | None = None  # clean − perturbed, in the metric's direction (positive = worse)
    changed: float | None = None  # share of rows whose prediction changed
    violations: float | None = None  # directional checks: share of rows moving the wrong way


class Robustness(BaseModel):
    candidate: str
    rows: int
    clean: float
    perturbations: list[Perturbation] = Field(default_factory=list)


class CurvePoint(BaseModel):
    fraction: float
    rows: int  # training rows of one fit
    mean: float
    sd: float | None = None
    folds: int


class LearningCurve(BaseModel):
    candidate: str
    points: list[CurvePoint] = Field(default_factory=list)
    slope_per_doubling: float | None = None  # metric gain per doubling of the rows, last two points


class FailureMode(BaseModel):
    kind: Literal["confident_wrong", "out_of_distribution", "stale", "residual_band"]
    title: str
    evidence: str  # the measured numbers, in a sentence
    response: str  # the designed response: abstain threshold, fallback, human review, retraining cadence
    severity: float = 0.0  # for ordering: larger = more likely / more costly
    measured: bool = True  # False: not measurable on this data (said why in evidence)


class Flip(BaseModel):
    """A change that would change the decision."""

    driver: str  # "latency_p99_ms", "team_skills.pytorch", "training rows"
    condition: str  # "below 0.21 ms", "= expert", "≈ 40,000 rows"
    value: float | str | None = None  # a value inside the range that flips it (checked by re-deciding)
    chooses: str | None  # the option chosen then (None: no option survives)
    kind: Literal["constraint", "skill", "data"] = "constraint"


class FeatureImportance(BaseModel):
    feature: str
    drop: float  # metric lost on dev when the feature is permuted (metric direction)
    share_of_lift: float | None = None


class LeakCheck(BaseModel):
    candidate: str
    lift: float  # the model's dev metric over a no-information prediction
    importances: list[FeatureImportance] = Field(default_factory=list)
    suspected: str | None = None  # the feature, when one carries at least `threshold` of the lift
    threshold: float = 0.6
    concentration: float | None = None  # the top feature's share of the summed importance
    acknowledged: bool = False  # the team confirmed the feature is known at prediction time
    permuted: int | None = None  # features permuted (all of them up to leak.MAX_PERMUTED) …
    of_features: int | None = None  # … of this many
    note: str | None = None  # which ones, when not all


class Distribution(BaseModel):
    name: str
    edges: list[float] = Field(default_factory=list)  # bin edges (numeric) …
    categories: list[str] = Field(default_factory=list)  # … or category labels
    shares: list[float] = Field(default_factory=list)


class Monitoring(BaseModel):
    candidate: str
    score: Distribution | None = None  # the prediction distribution on test: the PSI reference
    features: list[Distribution] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)  # what to watch and at which level


class Evidence(BaseModel):
    chosen: str | None = None  # whose failure modes, leak check and monitoring these are
    slices: list[CandidateSlices] = Field(default_factory=list)
    calibration: list[Calibration] = Field(default_factory=list)
    robustness: list[Robustness] = Field(default_factory=list)
    learning_curves: list[LearningCurve] = Field(default_factory=list)
    failure_modes: list[FailureMode] = Field(default_factory=list)
    flips: list[Flip] = Field(default_factory=list)
    leak: LeakCheck | None = None
    monitoring: Monitoring | None = None
    timings: dict[str, float] = Field(default_factory=dict)  # step → seconds
    skipped: dict[str, str] = Field(default_factory=dict)  # step → why it did not run

    def slices_of(self, candidate: str) -> CandidateSlices | None:
        return next((s for s in self.slices if s.candidate == candidate), None)

    def calibration_of(self, candidate: str) -> Calibration | None:
        return next((c for c in self.calibration if c.candidate == candidate), None)

    def robustness_of(self, candidate: str) -> Robustness | None:
        return next((r for r in self.robustness if r.candidate == candidate), None)
