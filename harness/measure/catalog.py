"""The metric catalog: names, direction and which tasks they apply to.

Light on purpose (no sklearn import) so the spec can validate `metric = "..."` cheaply.
The functions that compute these live in `harness.measure.quality`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.types import TaskKind


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    greater_is_better: bool
    tasks: frozenset[TaskKind]


_CLS = frozenset({TaskKind.BINARY, TaskKind.MULTICLASS})
_BIN = frozenset({TaskKind.BINARY})
_REG = frozenset({TaskKind.REGRESSION})
_QA = frozenset({TaskKind.QA})

METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo("roc_auc", "ROC-AUC", True, _CLS),
        MetricInfo("pr_auc", "PR-AUC (average precision)", True, _BIN),
        MetricInfo("f1", "F1 (positive class)", True, _BIN),
        MetricInfo("log_loss", "log loss", False, _CLS),
        MetricInfo("accuracy", "accuracy", True, _CLS),
        MetricInfo("balanced_accuracy", "balanced accuracy", True, _CLS),
        MetricInfo("macro_f1", "macro-F1", True, _CLS),
        # with an out-of-scope class (text classification): harness.measure.oos
        MetricInfo("in_scope_accuracy", "in-scope accuracy", True, _CLS),
        MetricInfo("oos_recall", "out-of-scope recall", True, _CLS),
        MetricInfo("oos_precision", "out-of-scope precision", True, _CLS),
        MetricInfo("rmse", "RMSE", False, _REG),
        MetricInfo("mae", "MAE", False, _REG),
        MetricInfo("r2", "R²", True, _REG),
        MetricInfo("exact_match", "exact match", True, _QA),
        MetricInfo("rouge_l", "ROUGE-L", True, _QA),
        MetricInfo("answer_presence", "answer-string presence", True, _QA),
        MetricInfo("recall_at_k", "retrieval recall@k", True, _QA),
        MetricInfo("mrr", "MRR", True, _QA),
        # LLM-judged, only with [models] judge_path (harness.measure.judge); not a default secondary metric
        MetricInfo("faithfulness", "faithfulness (LLM judge)", True, _QA),
    ]
}

DEFAULT_METRIC: dict[TaskKind, str] = {
    TaskKind.BINARY: "roc_auc",
    TaskKind.MULTICLASS: "macro_f1",
    TaskKind.REGRESSION: "rmse",
    TaskKind.QA: "exact_match",
}

SECONDARY_METRICS: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.BINARY: ("roc_auc", "pr_auc", "f1", "log_loss", "accuracy"),
    TaskKind.MULTICLASS: ("accuracy", "macro_f1", "balanced_accuracy", "log_loss"),
    TaskKind.REGRESSION: ("rmse", "mae", "r2"),
    TaskKind.QA: ("exact_match", "rouge_l", "answer_presence", "recall_at_k", "mrr"),
}
