"""MinHash LSH: exact Jaccard, recall against brute force, shingle units, cross-set search."""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.audit.minhash import (
    find_near_duplicates,
    find_near_duplicates_between,
    normalize_texts,
    pair_jaccard,
    shingle,
)


def _python_jaccard(a: str, b: str, k: int = 5) -> float:
    def grams(t: str) -> set[bytes]:
        raw = normalize_texts([t])[0].encode()
        return {raw[i : i + k] for i in range(max(len(raw) - k + 1, 1))} if raw else set()

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _corpus(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [
        "battery",
        "price",
        "weight",
        "kettle",
        "lamp",
        "router",
        "warranty",
        "colour",
        "the",
        "of",
        "what",
    ]
    texts = [" ".join(rng.choice(words, 8)) + f" model {rng.integers(1000)}" for _ in range(n)]
    for i in range(0, n, 7):  # plant edits of earlier texts
        texts[i] = texts[(i * 31) % n][:-1] + "x"
    return texts


def test_pair_jaccard_is_exact():
    texts = _corpus(60, seed=1)
    pairs = np.array([[i, j] for i in range(20) for j in range(i + 1, 20)])
    got = pair_jaccard(shingle(texts), pairs)
    want = [_python_jaccard(texts[i], texts[j]) for i, j in pairs]
    np.testing.assert_allclose(got, want)


def test_finds_planted_near_duplicates_not_unrelated_texts():
    texts = [
        "What is the battery life of the Acme X100 phone?",
        "what is the battery life of the acme x100 phone",  # same after normalisation
        "What is the battery life of the Acme X100 phones?",
        "How heavy is the Zenta laptop Z9?",
        "",
    ]
    found = find_near_duplicates(texts, threshold=0.8)
    assert {tuple(p) for p in found.pairs.tolist()} == {(0, 1), (0, 2), (1, 2)}
    labels = found.clusters()
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_recall_against_brute_force():
    texts = _corpus(500, seed=2)
    sh = shingle(texts)
    iu, ju = np.triu_indices(len(texts), 1)
    all_pairs = np.stack([iu, ju], axis=1)
    truth = {tuple(p) for p in all_pairs[pair_jaccard(sh, all_pairs) >= 0.8].tolist()}
    found = {tuple(p) for p in find_near_duplicates(texts, threshold=0.8).pairs.tolist()}
    assert truth and found <= truth  # verified pairs only
    assert len(found) / len(truth) >= 0.95


def test_word_shingles_and_between():
    left = pl.Series(["red fox jumps over the lazy dog", "a completely different sentence here"])
    right = pl.Series(["the red fox jumps over the lazy dog", "nothing alike"])
    found = find_near_duplicates_between(left, right, threshold=0.6, shingle_unit="word", shingle_size=2)
    assert found.pairs.tolist() == [[0, 0]]
    assert found.n_items == 2
