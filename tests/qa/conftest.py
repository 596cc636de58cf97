"""QA fixtures: a 30-SKU product catalog in a temp folder, its spec, and a tiny random-weights GPT-2."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.spec import DecisionSpec, spec_from_dict
from tests.conftest import load_generator

N_SKUS = 30


@pytest.fixture(scope="session")
def qa_generator() -> ModuleType:
    return load_generator("product_qa")


@pytest.fixture(scope="session")
def qa_dir(tmp_path_factory: pytest.TempPathFactory, qa_generator: ModuleType) -> Path:
    out = tmp_path_factory.mktemp("product_qa")
    qa_generator.generate(out, n_skus=N_SKUS, seed=3)
    return out


@pytest.fixture(scope="session")
def qa_planted(qa_generator: ModuleType) -> dict[str, Any]:
    return qa_generator.build(N_SKUS, 3)["planted"]


def make_spec(qa_dir: Path, **data: Any) -> DecisionSpec:
    base = {
        "path": str(qa_dir / "qa.csv"),
        "question_column": "question",
        "answer_column": "answer",
        "answer_doc_column": "sku",
        "corpus_path": str(qa_dir / "corpus"),
        "time_column": "asked_on",
        "split": "time",
        "id_column": "qa_id",
    }
    base.update(data)
    return spec_from_dict({"title": "product QA", "task": "qa", "data": base})


@pytest.fixture(scope="session")
def qa_spec(qa_dir: Path) -> DecisionSpec:
    return make_spec(qa_dir)


@pytest.fixture(scope="session")
def qa_splits(qa_dir: Path, qa_spec: DecisionSpec) -> Any:
    from harness.data.qa import load_qa

    return load_qa(qa_spec)


@pytest.fixture(scope="session")
def tiny_generator_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer GPT-2 with random weights and a word-level tokenizer, built from a config (no download)."""
    from tests.qa.tiny_models import build_tiny_gpt2

    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny_gpt2"))
