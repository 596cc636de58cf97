"""QA audit: paraphrased questions, conflicting teacher answers, answers absent from the corpus."""

from __future__ import annotations

import polars as pl
import pytest

from harness.audit import audit_qa
from tests.conftest import load_generator


def _codes(findings):
    return {f.code: f for f in findings}


def test_small_planted_qa():
    df = pl.DataFrame(
        {
            "question": [
                "What is the price of the Aurora Kettle?",
                "How much does the Aurora Kettle cost?",  # paraphrase, same answer
                "What is the weight of the Boreal Lamp?",
                "What is the weight of the Boreal Lamp ?",  # near-identical question, different answer
                "Which colour is the Cobalt Drill?",
            ],
            "answer": ["$49.99", "$49.99", "1.2 kg", "9.9 kg", "sage green"],
        }
    )
    corpus = [
        "Aurora Kettle. Price: $49.99",
        "Boreal Lamp. Weight: 1.2 kg",
        "Cobalt Drill. Colour: sage green",
    ]
    # five questions give little IDF signal, so the paraphrase cut-off is lowered for this toy table
    found = _codes(audit_qa(df, corpus=corpus, paraphrase_threshold=0.3))
    assert found["near_duplicates:question"].evidence["same_answer_paraphrase_pairs"] == 1
    assert found["label_conflict:question"].evidence["rows"] == [2, 3]
    assert found["answer_not_in_corpus:answer"].evidence["rows"] == [3]


def test_product_qa_generator_planted_truths():
    gen = load_generator("product_qa")  # committed: a missing or renamed generator must fail, not skip
    data = gen.build()
    planted = data["planted"]
    df = pl.DataFrame([{k: r[k] for k in ("qa_id", "question", "answer")} for r in data["rows"]])
    found = _codes(audit_qa(df, corpus=list(data["docs"].values())))
    ids = df["qa_id"].to_list()
    # every wrong teacher answer is absent from the documents
    missing = {ids[r] for r in found["answer_not_in_corpus:answer"].evidence["rows"]}
    assert {w["qa_id"] for w in planted["wrong_teacher_answers"]} <= missing
    # the planted paraphrase pairs are found (those whose answers a wrong teacher did not change)
    near = found["near_duplicates:question"]
    got = {frozenset((ids[i], ids[j])) for i, j in near.evidence["pairs"]}
    wrong = {w["qa_id"] for w in planted["wrong_teacher_answers"]}
    want = {frozenset((p["qa_id"], p["of"])) for p in planted["near_duplicates"]} - {
        pair
        for pair in map(frozenset, ((p["qa_id"], p["of"]) for p in planted["near_duplicates"]))
        if pair & wrong
    }
    assert len(got & want) / len(want) >= 0.9
    assert near.evidence["fraction"] == pytest.approx(planted["near_duplicate_share"], abs=0.05)
