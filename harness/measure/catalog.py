"""The metric registry, in the spirit of scikit-learn's scorers: one entry per metric with its name, label,
direction, the tasks it applies to, what it needs from the predictions, and the module that computes it.

Light on purpose (no sklearn import) so the spec can validate `metric = "..."` cheaply. The computation is
found through `module` on first use (`harness.measure.quality.metric_function`): each of those modules holds
a `FUNCTIONS` dict of `MetricFunction`s (a point estimate and its vectorised bootstrap form), and CIs, paired
differences and slices are generic over every registered metric. Adding a metric is one entry here plus its
function in the module named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.types import TaskKind

Need = Literal["labels", "proba", "values", "answers", "retrieval", "oos_class", "judge"]


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    greater_is_better: bool
    tasks: frozenset[TaskKind]
    needs: frozenset[Need] = frozenset()  # what the predictions (and the task) must provide
    module: str = "harness.measure.table_metrics"  # where its MetricFunction lives (`FUNCTIONS[name]`)


_CLS = frozenset({TaskKind.BINARY, TaskKind.MULTICLASS})
_BIN = frozenset({TaskKind.BINARY})
_REG = frozenset({TaskKind.REGRESSION})
_QA = frozenset({TaskKind.QA})

_PROBA: frozenset[Need] = frozenset({"proba"})
_LABELS: frozenset[Need] = frozenset({"labels"})
_VALUES: frozenset[Need] = frozenset({"values"})
_OOS: frozenset[Need] = frozenset({"labels", "oos_class"})
_ANSWERS: frozenset[Need] = frozenset({"answers"})
_RETRIEVAL: frozenset[Need] = frozenset({"retrieval"})
_JUDGED: frozenset[Need] = frozenset({"answers", "retrieval", "judge"})
_OOS_MODULE = "harness.measure.oos"
_QA_MODULE = "harness.measure.qa"

METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo("roc_auc", "ROC-AUC", True, _CLS, _PROBA),
        MetricInfo("pr_auc", "PR-AUC (average precision)", True, _BIN, _PROBA),
        MetricInfo("f1", "F1 (positive class)", True, _BIN, _LABELS),
        MetricInfo("log_loss", "log loss", False, _CLS, _PROBA),
        MetricInfo("accuracy", "accuracy", True, _CLS, _LABELS),
        MetricInfo("balanced_accuracy", "balanced accuracy", True, _CLS, _LABELS),
        MetricInfo("macro_f1", "macro-F1", True, _CLS, _LABELS),
        # with an out-of-scope class (text classification): harness.measure.oos
        MetricInfo("in_scope_accuracy", "in-scope accuracy", True, _CLS, _OOS, _OOS_MODULE),
        MetricInfo("oos_recall", "out-of-scope recall", True, _CLS, _OOS, _OOS_MODULE),
        MetricInfo("oos_precision", "out-of-scope precision", True, _CLS, _OOS, _OOS_MODULE),
        MetricInfo("rmse", "RMSE", False, _REG, _VALUES),
        MetricInfo("mae", "MAE", False, _REG, _VALUES),
        MetricInfo("r2", "R²", True, _REG, _VALUES),
        MetricInfo("exact_match", "exact match", True, _QA, _ANSWERS, _QA_MODULE),
        MetricInfo("rouge_l", "ROUGE-L", True, _QA, _ANSWERS, _QA_MODULE),
        MetricInfo("answer_presence", "answer-string presence", True, _QA, _ANSWERS, _QA_MODULE),
        MetricInfo("recall_at_k", "retrieval recall@k", True, _QA, _RETRIEVAL, _QA_MODULE),
        MetricInfo("mrr", "MRR", True, _QA, _RETRIEVAL, _QA_MODULE),
        # LLM-judged, only with [models] judge_path (harness.measure.judge); not a default secondary metric
        MetricInfo("faithfulness", "faithfulness (LLM judge)", True, _QA, _JUDGED, "harness.measure.judge"),
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
