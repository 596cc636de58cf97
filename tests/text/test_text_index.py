"""The FAISS index: its type follows the corpus size, search finds planted neighbours, bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import InputError
from harness.text.index import HNSW_MIN_VECTORS, IVF_MIN_VECTORS, build_index, choose_index_kind


def _unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_index_kind_follows_corpus_size() -> None:
    assert choose_index_kind(10) == "flat"
    assert choose_index_kind(HNSW_MIN_VECTORS - 1) == "flat"
    assert choose_index_kind(HNSW_MIN_VECTORS) == "hnsw"
    assert choose_index_kind(IVF_MIN_VECTORS) == "ivf"


@pytest.mark.parametrize("kind", ["auto", "flat", "hnsw", "ivf"])
def test_each_index_finds_the_planted_nearest_neighbour(kind: str) -> None:
    x = _unit(2000)
    index = build_index(x, kind=kind)  # type: ignore[arg-type]
    queries = x[:50] + 0.01 * _unit(50, seed=1)  # each query is a slightly moved copy of row i
    scores, ids = index.search(queries, 3)
    assert ids.shape == (50, 3) and scores.shape == (50, 3)
    assert np.mean(ids[:, 0] == np.arange(50)) >= 0.95
    _single_scores, single_ids = index.search(queries[0], 1)  # one query, one OpenMP thread
    assert single_ids[0, 0] == 0
    facts = index.details()
    assert facts["index_kind"] == ("flat" if kind == "auto" else kind) and facts["index_vectors"] == 2000
    assert index.size_bytes() > 2000 * 32 * 4 * 0.9


def test_k_larger_than_the_corpus_is_clipped() -> None:
    _, ids = build_index(_unit(3)).search(_unit(1, seed=3), 10)
    assert ids.shape == (1, 3)


def test_bad_vectors_are_input_errors() -> None:
    with pytest.raises(InputError, match="cannot index 0 vectors"):
        build_index(np.zeros((0, 8), dtype=np.float32))
    with pytest.raises(InputError, match="NaN"):
        build_index(np.full((2, 8), np.nan, dtype=np.float32))
    with pytest.raises(InputError, match="unknown index kind"):
        build_index(_unit(4), kind="lsh")  # type: ignore[arg-type]
