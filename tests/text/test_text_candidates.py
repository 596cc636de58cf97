"""Every text family on the planted intents data: fits, beats chance, serves one query, fails clearly."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

import numpy as np
import polars as pl
import pytest

from harness.candidates.finetune_classifier import FineTunedClassifier
from harness.candidates.knn_retrieval import KnnRetrieval
from harness.candidates.text_base import batch_texts, tiny_text_splits
from harness.candidates.text_gbt import LightGBMText
from harness.candidates.text_lexical import TfidfLogReg
from harness.candidates.text_neural import EmbeddingMLP
from harness.candidates.zero_shot import ZeroShotSimilarity, label_to_text
from harness.dataset import Split, Task, resolve_oos_index
from harness.errors import InputError
from harness.types import Family, TaskKind

FAST = [
    lambda: TfidfLogReg(),
    lambda: KnnRetrieval(),
    lambda: EmbeddingMLP(epochs=20),
    lambda: LightGBMText(n_estimators=30),
    lambda: LightGBMText(features="tfidf-svd", n_estimators=30, svd_components=16),
    lambda: ZeroShotSimilarity(),
]


@pytest.mark.parametrize("make", FAST, ids=["tfidf", "knn", "mlp", "gbt-emb", "gbt-tfidf", "zero-shot"])
def test_family_learns_planted_intents(make, intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, test = intent_splits
    candidate = make()
    assert candidate.applicable(train.task)
    progress: list[float] = []
    candidate.hooks.on_progress = lambda fraction, message: progress.append(fraction)
    assert candidate.fit(train, dev) is candidate
    preds = candidate.predict(test.X)
    k = train.task.n_classes
    assert preds.proba.shape == (len(test), k) and preds.labels.shape == (len(test),)
    np.testing.assert_allclose(preds.proba.sum(axis=1), 1.0, atol=1e-6)
    accuracy = float(np.mean(preds.labels == test.y))
    floor = 0.3 if candidate.family is Family.PROMPT else 0.6  # chance is 1/9
    assert accuracy >= floor, f"{candidate.name}: {accuracy:.2f}"
    one = candidate.predict(test.X[:1])
    assert one.labels[0] == preds.labels[0]  # the serving path gives the batch answer
    assert candidate.size_bytes() > 0 and progress and progress[-1] == 1.0
    assert isinstance(candidate.details(), dict)


def test_knn_records_index_and_encoder(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, _ = intent_splits
    facts = KnnRetrieval().fit(train, dev).details()
    assert facts["index_kind"] == "flat" and facts["index_vectors"] == len(train)
    assert facts["encoder_backend"] == "onnx-int8" and facts["k"] >= 1


def test_zero_shot_uses_label_names_and_an_oos_threshold(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, _test = intent_splits
    assert (
        label_to_text("data_privacy") == "data privacy" and label_to_text("changeAccent") == "change accent"
    )
    model = ZeroShotSimilarity(
        label_descriptions={"login": "cannot sign in, password or account locked"}
    ).fit(train, dev)
    facts = model.details()
    oos = train.task.classes.index("oos")
    assert model.oos_index_ == oos
    threshold = facts["oos_threshold"]  # a cosine similarity tuned on dev
    assert isinstance(threshold, float) and -1.0 <= threshold <= 1.0, threshold
    assert facts["descriptions"]["login"].startswith("cannot sign in")
    assert model.predict(pl.DataFrame({"text": ["i forgot my password and cannot sign in"]})).labels[0] == (
        train.task.classes.index("login")
    )


@pytest.mark.slow
def test_finetune_tiny_one_epoch_serves_onnx(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, test = intent_splits
    model = FineTunedClassifier(max_seq_length=16, epochs=1, batch_size=8, max_train_examples=24)
    model.fit(train, dev)
    facts = model.details()
    assert (
        facts["train_rows"] == 24
        and facts["epochs_run"] == 1
        and facts["serving_backend"] in ("onnx-int8", "onnx")
    )
    preds = model.predict(test.X)
    assert preds.proba.shape == (len(test), train.task.n_classes)
    assert model.size_bytes() > 1_000_000


# ---- error paths -------------------------------------------------------------------------------------------
def _with_texts(split: Split, texts: list[str | None]) -> Split:
    return replace(split, X=pl.DataFrame({"text": texts}, schema={"text": pl.String}))


def test_one_class_label_is_one_input_error(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, _ = intent_splits
    one_class = replace(train, y=np.zeros(len(train), dtype=np.int64))
    for candidate in (TfidfLogReg(), KnnRetrieval(), FineTunedClassifier()):
        with pytest.raises(InputError, match="one class") as info:
            candidate.fit(one_class, dev)
        assert "\n" not in str(info.value) and "column 'intent'" in str(info.value)


def test_empty_texts_are_one_input_error(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, _ = intent_splits
    blank = _with_texts(train, ["  "] * (len(train) - 1) + [None])
    with pytest.raises(InputError, match="training texts are empty"):
        KnnRetrieval().fit(blank, dev)
    with pytest.raises(InputError, match="train split is empty"):
        TfidfLogReg().fit(replace(train, X=train.X.head(0), y=train.y[:0]), dev)


def test_missing_or_non_text_column_and_non_text_tasks(intent_splits: tuple[Split, Split, Split]) -> None:
    train, dev, _ = intent_splits
    with pytest.raises(InputError, match="text column 'text' is missing"):
        TfidfLogReg().fit(replace(train, X=pl.DataFrame({"other": ["a"] * len(train)})), dev)
    with pytest.raises(InputError, match="not text"):
        batch_texts(pl.DataFrame({"text": [[1, 2]]}), ["text"])
    tabular = Task(TaskKind.MULTICLASS, "y", ("x",), numeric_columns=("x",), classes=("a", "b"))
    regression = replace(train.task, kind=TaskKind.REGRESSION)
    for candidate in (TfidfLogReg(), KnnRetrieval(), EmbeddingMLP(), LightGBMText(), ZeroShotSimilarity()):
        assert not candidate.applicable(tabular) and not candidate.applicable(regression)
    with pytest.raises(InputError, match="needs a classification task with a text column"):
        TfidfLogReg().fit(replace(train, task=tabular), dev)


def test_text_columns_are_joined_and_nulls_are_empty() -> None:
    frame = pl.DataFrame({"subject": ["refund", None], "body": ["charged twice", "where is it"]})
    assert batch_texts(frame, ["subject", "body"]) == ["refund | charged twice", " | where is it"]
    assert batch_texts(frame, ["subject"]) == ["refund", ""]


def test_oos_label_resolution(intent_splits: tuple[Split, Split, Split]) -> None:
    task = intent_splits[0].task
    assert resolve_oos_index(task, None) == task.classes.index("oos")
    assert resolve_oos_index(task, "billing") == task.classes.index("billing")
    assert resolve_oos_index(replace(task, classes=("a", "b")), None) is None
    with pytest.raises(InputError, match="not a class"):
        resolve_oos_index(task, "nonsense")


def test_bad_candidate_options() -> None:
    with pytest.raises(InputError, match="placeholder"):
        ZeroShotSimilarity(template="no slot")
    with pytest.raises(InputError, match="serve_backend"):
        FineTunedClassifier(serve_backend="tpu")
    with pytest.raises(InputError, match="unknown features"):
        LightGBMText(features="bag")  # type: ignore[arg-type]


def test_conformance_splits_are_text_tasks() -> None:
    for kind in (TaskKind.BINARY, TaskKind.MULTICLASS):
        train, dev, test = TfidfLogReg.conformance_splits(kind)
        assert train.task.kind is kind and train.task.text_columns == ("text",)
        assert len(np.unique(train.y)) == train.task.n_classes and len(dev) and len(test)
    assert tiny_text_splits(TaskKind.BINARY)[0].task.positive_index == 1


def test_intents_generator_planted_truths(intents_module: ModuleType) -> None:
    import re

    frame = intents_module.generate(per_intent=30, seed=3)
    assert frame.equals(intents_module.generate(per_intent=30, seed=3))  # seeded, deterministic
    counts = dict(frame["intent"].value_counts().iter_rows())
    assert set(counts) == {*intents_module.TEMPLATES, "oos"}
    assert abs(counts["oos"] / frame.height - 0.15) < 0.02
    cue_pattern = {i: re.compile(r"\b(" + "|".join(c) + r")\b") for i, c in intents_module.CUES.items()}
    for text, intent in frame.iter_rows():
        if intent == "oos":
            assert not any(p.search(text) for p in cue_pattern.values()), text
        else:
            assert cue_pattern[intent].search(text), (intent, text)
