"""QA candidates on the 30-SKU catalog: retrieval finds the unseen SKUs' documents; the contract holds; the
generator path runs on a tiny random-weights GPT-2 built from a config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.candidates._qa import tiny_qa_splits
from harness.candidates.bm25 import BM25Candidate
from harness.candidates.finetune_biencoder import FineTunedBiEncoderCandidate
from harness.candidates.lora import LoRACandidate
from harness.candidates.prompt_only import PromptOnlyCandidate
from harness.candidates.rag import RAGCandidate, RAGGenerateCandidate
from harness.errors import InputError
from harness.measure.qa import score_qa


def _unseen_recall_at_1(candidate: Any, splits: Any) -> float:
    test = splits.test
    preds = candidate.predict(test.X)
    assert len(preds.extra["answers"]) == len(test) == len(preds.extra["retrieved"])
    mask = test.extra["unseen_doc"]
    hits = [r[0] == g for r, g in zip(preds.extra["retrieved"], test.extra["doc_ids"], strict=True)]
    return float(np.mean(np.asarray(hits)[mask]))


def test_bm25_retrieves_unseen_skus(qa_splits: Any, qa_spec: Any) -> None:
    _, _, splits = qa_splits
    model = BM25Candidate.from_spec(qa_spec).fit(splits.train, splits.dev)
    assert _unseen_recall_at_1(model, splits) >= 0.9
    assert model.size_bytes() > 0 and model.predict(splits.test.X[:0]).extra["answers"] == []


@pytest.mark.text
def test_rag_retrieves_and_reads_unseen_skus(qa_splits: Any, qa_spec: Any) -> None:
    _, task, splits = qa_splits
    model = RAGCandidate.from_spec(qa_spec).fit(splits.train, splits.dev)
    assert _unseen_recall_at_1(model, splits) >= 0.9
    preds = model.predict(splits.test.X)
    m = score_qa(
        task,
        splits.test.y,
        preds,
        ["exact_match"],
        seed=0,
        n_boot=0,
        gold_doc_ids=splits.test.extra["doc_ids"],
    )
    assert m["exact_match"].value >= 0.6  # extractive reader answers with the fact line's value
    assert model.details()["index_kind"] == "flat" and model.size_bytes() > 1_000_000
    one = model.predict(splits.test.X[:1])
    assert len(one.extra["answers"]) == 1


@pytest.mark.text
@pytest.mark.slow
def test_finetune_biencoder_one_epoch(qa_splits: Any) -> None:
    _, _, splits = qa_splits
    model = FineTunedBiEncoderCandidate(
        max_train_pairs=40, max_seq_length=32, batch_size=16, serving_backend="torch"
    )
    model.fit(splits.train, splits.dev)
    facts = model.details()
    assert facts["train_pairs"] == 40 and facts["steps"] >= 2
    assert facts["fine_tune_seconds"] > 0
    assert _unseen_recall_at_1(model, splits) >= 0.8


def test_generator_candidates_need_a_generator(qa_splits: Any) -> None:
    task = qa_splits[1]
    for cls in (PromptOnlyCandidate, RAGGenerateCandidate, LoRACandidate):
        assert not cls().applicable(task)
        assert cls(generator_path="/x").applicable(task)
    assert LoRACandidate.requires_gpu and not PromptOnlyCandidate.requires_gpu
    assert BM25Candidate().applicable(task) and RAGCandidate().applicable(task)


def test_prompt_only_and_lora_on_a_tiny_generator(tiny_generator_dir: Path) -> None:
    train, dev, test = tiny_qa_splits()
    prompt = PromptOnlyCandidate(generator_path=str(tiny_generator_dir), device="cpu").fit(train, dev)
    preds = prompt.predict(test.X)
    assert len(preds.extra["answers"]) == len(test) and "retrieved" not in preds.extra
    assert prompt.details()["generator_family"] == "gpt2"
    lora = LoRACandidate(generator_path=str(tiny_generator_dir), device="cpu", epochs=1, batch_size=6).fit(
        train, dev
    )
    assert lora.details()["lora_adapter_bytes"] > 0 and lora.details()["steps"] == 2
    assert len(lora.predict(test.X).extra["answers"]) == len(test)


@pytest.mark.text
def test_rag_generate_on_a_tiny_generator(tiny_generator_dir: Path) -> None:
    train, dev, test = tiny_qa_splits()
    model = RAGGenerateCandidate(generator_path=str(tiny_generator_dir), device="cpu").fit(train, dev)
    preds = model.predict(test.X)
    assert [r[0] for r in preds.extra["retrieved"]] == list(test.extra["doc_ids"])
    assert len(preds.extra["answers"]) == len(test)


def test_model_path_that_is_not_a_model(tmp_path: Path) -> None:
    train, dev, _ = tiny_qa_splits()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="not a model folder") as exc:
        PromptOnlyCandidate(generator_path=str(tmp_path), device="cpu").fit(train, dev)
    assert "models.generator_path" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(InputError, match="not found"):
        RAGCandidate(encoder_path=str(tmp_path / "missing")).fit(train, dev)
