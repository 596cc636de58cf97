"""QA metrics: known values on hand-made predictions, CIs around them, retrieval left out for closed book."""

from __future__ import annotations

import numpy as np
import pytest

from harness.dataset import Predictions, Task
from harness.measure.qa import score_qa, score_qa_slices
from harness.types import TaskKind

TASK = Task(kind=TaskKind.QA, target="answer", feature_columns=("question",))
ALL = ["exact_match", "rouge_l", "answer_presence", "recall_at_k", "mrr"]


def test_known_values() -> None:
    truth = ["$129.99", "1.2 kg", "stainless steel", "2 years"]
    preds = Predictions(
        extra={
            "answers": ["129.99", "The weight is 1.2 kg.", "steel", "3 years"],
            "retrieved": [["A", "B"], ["C", "B"], ["X", "Y"], ["D"]],
        }
    )
    m = score_qa(TASK, truth, preds, ALL, seed=0, n_boot=200, gold_doc_ids=["A", "B", "C", "D"], k=1)
    assert m["exact_match"].value == pytest.approx(0.25)  # "$129.99" = "129.99" after normalisation
    assert m["answer_presence"].value == pytest.approx(0.5)
    assert m["recall_at_k"].value == pytest.approx(0.5)  # k=1: A and D at rank 1
    assert m["mrr"].value == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert 0 < m["rouge_l"].value < 1
    for v in m.values():
        assert v.ci_low is not None and v.ci_low <= v.value <= v.ci_high


def test_closed_book_has_no_retrieval_metrics() -> None:
    m = score_qa(TASK, ["a b"], Predictions(extra={"answers": ["a b"]}), ALL, seed=0, n_boot=0)
    assert set(m) == {"exact_match", "rouge_l", "answer_presence"} and m["exact_match"].value == 1.0


def test_slices() -> None:
    preds = Predictions(extra={"answers": ["x", "y", "z"], "retrieved": [["1"], ["2"], ["9"]]})
    out = score_qa_slices(
        TASK,
        ["x", "y", "q"],
        preds,
        ["exact_match", "recall_at_k"],
        seed=0,
        slices={"unseen": np.array([False, True, True]), "none": np.zeros(3, bool)},
        n_boot=0,
        gold_doc_ids=["1", "2", "3"],
    )
    assert set(out) == {"unseen"}
    assert out["unseen"]["exact_match"].value == 0.5 and out["unseen"]["recall_at_k"].value == 0.5
