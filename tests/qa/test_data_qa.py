"""Loading the corpus, the QA task and its splits; every bad input is one InputError line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from harness.data.qa import build_qa_task, load_corpus, load_qa, make_qa_splits, unsupported_answers
from harness.errors import InputError
from harness.types import TaskKind
from tests.qa.conftest import make_spec


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


# ---- corpus ----
def test_corpus_folder_and_tables_agree(tmp_path: Path, qa_dir: Path) -> None:
    folder = load_corpus(qa_dir / "corpus")
    assert len(folder) == 30 and folder.ids[0] == "SKU-1001"
    df = pl.DataFrame({"doc": list(folder.ids), "body": list(folder.texts)})
    for name, write in (
        ("c.jsonl", df.write_ndjson),
        ("c.csv", df.write_csv),
        ("c.parquet", df.write_parquet),
    ):
        write(tmp_path / name)
        table = load_corpus(tmp_path / name, id_column="doc", text_column="body")
        assert table.ids == folder.ids and table.texts == folder.texts


def test_corpus_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corpus not found") as exc:
        load_corpus(tmp_path / "nope")
    _one_line(exc)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(InputError, match=r"no \.md or \.txt files"):
        load_corpus(tmp_path / "empty_dir")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.md").write_bytes("caf\xe9 price".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as exc:
        load_corpus(bad)
    assert "a.md" in _one_line(exc)
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "a.md").write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError, match="document is empty"):
        load_corpus(blank)
    pl.DataFrame({"id": ["a", "a"], "text": ["x", "y"]}).write_csv(tmp_path / "dup.csv")
    with pytest.raises(InputError, match="occurs twice"):
        load_corpus(tmp_path / "dup.csv")
    pl.DataFrame({"id": ["a", "b"], "text": ["x", ""]}).write_ndjson(tmp_path / "e.jsonl")
    with pytest.raises(InputError, match="empty text"):
        load_corpus(tmp_path / "e.jsonl")
    with pytest.raises(InputError, match="no column 'txt'") as exc:
        load_corpus(tmp_path / "dup.csv", text_column="txt")
    assert "did you mean 'text'" in _one_line(exc)


# ---- task and splits ----
def test_task(qa_splits: Any) -> None:
    _, task, splits = qa_splits
    assert task.kind is TaskKind.QA and task.feature_columns == ("question",) and task.target == "answer"
    assert splits.train.X.columns == ["question"] and splits.train.y.dtype == object
    assert len(splits.train.extra["corpus"]) == 30


def test_time_split_keeps_every_fresh_sku_in_test(qa_splits: Any, qa_planted: dict[str, Any]) -> None:
    _, _, splits = qa_splits
    fresh = set(qa_planted["fresh_skus"])
    assert not fresh & set(splits.train.extra["doc_ids"]) and not fresh & set(splits.dev.extra["doc_ids"])
    test_docs = splits.test.extra["doc_ids"]
    assert fresh <= set(test_docs)
    unseen = splits.test.extra["unseen_doc"]
    assert all(unseen[i] for i, d in enumerate(test_docs) if d in fresh)
    assert set(splits.test.extra["ids"]) >= set(qa_planted["fresh_qa_ids"])


def test_group_split_never_straddles_a_sku(qa_dir: Path) -> None:
    _, _, splits = load_qa(make_spec(qa_dir, split="group", group_column="sku", time_column=None))
    train, test = set(splits.train.extra["doc_ids"]), set(splits.test.extra["doc_ids"])
    assert not train & test and bool(splits.test.extra["unseen_doc"].all())


def test_wrong_teacher_answers_are_recorded_not_refused(qa_splits: Any, qa_planted: dict[str, Any]) -> None:
    df, _, splits = qa_splits
    assert any("found in no supporting document" in n for n in splits.notes)
    flagged = []
    for split in splits:
        ids = split.extra["ids"]
        flagged += [ids[i] for i in split.extra["unsupported_answers"]]
    assert sorted(flagged) == sorted(w["qa_id"] for w in qa_planted["wrong_teacher_answers"])
    # the audit helper's entry point: row indices of the table
    corpus = splits.train.extra["corpus"]
    rows = unsupported_answers(df["answer"].to_list(), df["sku"].to_list(), corpus)
    assert sorted(df["qa_id"].to_numpy()[rows]) == sorted(
        w["qa_id"] for w in qa_planted["wrong_teacher_answers"]
    )
    no_gold = unsupported_answers(df["answer"].to_list(), None, corpus)  # wrong answers occur in no document
    assert sorted(df["qa_id"].to_numpy()[no_gold]) == sorted(
        w["qa_id"] for w in qa_planted["wrong_teacher_answers"]
    )


def test_bad_qa_inputs(tmp_path: Path, qa_dir: Path) -> None:
    df = pl.read_csv(qa_dir / "qa.csv")
    spec = make_spec(qa_dir)
    with pytest.raises(InputError, match="'questoin', which is not a column") as exc:
        build_qa_task(df, make_spec(qa_dir, question_column="questoin"))
    assert "did you mean 'question'" in _one_line(exc)
    blank = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit(" ")).otherwise("question").alias("question")
    )
    with pytest.raises(InputError, match="first at row 4"):
        build_qa_task(blank, spec)
    task = build_qa_task(df, spec)
    with pytest.raises(InputError, match="corpus not found"):
        make_qa_splits(df, task, make_spec(qa_dir, corpus_path=str(tmp_path / "missing")))
    stranger = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("SKU-9999")).otherwise("sku").alias("sku")
    )
    with pytest.raises(InputError, match="'SKU-9999'"):
        make_qa_splits(stranger, task, spec)
    swapped = df.with_columns(pl.col("question").alias("answer"))
    with pytest.raises(InputError, match=r"no answer of .* appears") as exc:
        make_qa_splits(swapped, task, spec)
    _one_line(exc)
    with pytest.raises(InputError, match="stratified"):
        make_qa_splits(df, task, make_spec(qa_dir, split="stratified"))


def test_non_utf8_qa_table(tmp_path: Path, qa_dir: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_bytes(
        (qa_dir / "qa.csv").read_bytes() + "Q9,caf\xe9?,x,SKU-1001,price,2024-01-01\n".encode("latin-1")
    )
    with pytest.raises(InputError, match="UTF-8"):
        load_qa(make_spec(qa_dir, path=str(path)))


def test_planted_json_written(qa_dir: Path, qa_planted: dict[str, Any]) -> None:
    assert json.loads((qa_dir / "planted.json").read_text(encoding="utf-8")) == qa_planted
    assert np.isclose(
        qa_planted["near_duplicate_share"],
        len(qa_planted["near_duplicates"]) / qa_planted["n_pairs"],
        atol=1e-4,
    )
