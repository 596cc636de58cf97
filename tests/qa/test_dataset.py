"""The product-QA generator: deterministic, and its planted truths are where PLANTED says."""

from __future__ import annotations

import csv
from pathlib import Path
from types import ModuleType
from typing import Any

from harness.text.passages import answer_in


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "qa.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_deterministic(tmp_path: Path, qa_generator: ModuleType) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    qa_generator.generate(a, n_skus=30, seed=3)
    qa_generator.generate(b, n_skus=30, seed=3)
    assert (a / "qa.csv").read_bytes() == (b / "qa.csv").read_bytes()
    assert sorted(p.name for p in (a / "corpus").iterdir()) == sorted(
        p.name for p in (b / "corpus").iterdir()
    )


def test_module_planted_matches_default_build(qa_generator: ModuleType) -> None:
    assert qa_generator.build()["planted"] == qa_generator.PLANTED
    assert 0.12 <= qa_generator.PLANTED["near_duplicate_share"] <= 0.24


def test_fresh_skus_are_asked_only_after_the_cutoff(qa_dir: Path, qa_planted: dict[str, Any]) -> None:
    rows = _rows(qa_dir)
    fresh = set(qa_planted["fresh_skus"])
    assert fresh
    cutoff = qa_planted["cutoff"]
    assert all(r["asked_on"] > cutoff for r in rows if r["sku"] in fresh)
    assert all(r["asked_on"] < cutoff for r in rows if r["sku"] not in fresh)


def test_wrong_teacher_answers_contradict_their_document(qa_dir: Path, qa_planted: dict[str, Any]) -> None:
    rows = {r["qa_id"]: r for r in _rows(qa_dir)}
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in (qa_dir / "corpus").glob("*.md"))
    assert len(qa_planted["wrong_teacher_answers"]) >= 3
    for wrong in qa_planted["wrong_teacher_answers"]:
        row = rows[wrong["qa_id"]]
        assert row["answer"] == wrong["given"] != wrong["true"]
        assert not answer_in(wrong["given"], corpus)  # in no document at all
        assert answer_in(wrong["true"], (qa_dir / "corpus" / f"{row['sku']}.md").read_text(encoding="utf-8"))
    honest = [
        r for q, r in rows.items() if q not in {w["qa_id"] for w in qa_planted["wrong_teacher_answers"]}
    ]
    for r in honest:
        assert answer_in(r["answer"], (qa_dir / "corpus" / f"{r['sku']}.md").read_text(encoding="utf-8"))


def test_near_duplicates_re_ask_the_same_fact(qa_dir: Path, qa_planted: dict[str, Any]) -> None:
    rows = {r["qa_id"]: r for r in _rows(qa_dir)}
    for pair in qa_planted["near_duplicates"]:
        a, b = rows[pair["qa_id"]], rows[pair["of"]]
        assert (a["sku"], a["field"]) == (b["sku"], b["field"]) and a["question"] != b["question"]
