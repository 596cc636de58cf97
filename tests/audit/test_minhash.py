"""MinHash LSH: exact Jaccard, recall against brute force, shingle units, cross-set search."""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.audit.minhash import (
    candidate_pairs,
    find_near_duplicates,
    find_near_duplicates_between,
    lsh_shape,
    normalize_texts,
    pair_jaccard,
    shingle,
    signature_agreement,
    signatures,
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


def test_normalisation_collapses_whitespace_and_drops_punctuation():
    got = normalize_texts(["A \t B", "x\ty", "  Hello,   World!! ", "a\u00a0b\n", None]).to_list()
    assert got == ["a b", "x y", "hello world", "a b", ""]


def test_shingle_sets_are_distinct_ascending_and_exact_for_both_hash_paths():
    texts = [*_corpus(24, seed=3), "abc", "", "abcabcabcabc"]
    pairs = np.array([[i, j] for i in range(len(texts)) for j in range(i + 1, len(texts))])
    for k in (3, 5, 9):  # k ≤ 7: bytes packed exactly into a word; k = 9: rolling hash
        sh = shingle(texts, k)
        for i in range(len(texts)):
            own = sh.hashes[sh.offsets[i] : sh.offsets[i + 1]]
            assert np.all(np.diff(own.astype(np.float64)) > 0) or len(own) <= 1
        want = [_python_jaccard(texts[i], texts[j], k) for i, j in pairs]
        np.testing.assert_allclose(pair_jaccard(sh, pairs), want)


def test_signature_agreement_estimates_jaccard():
    rng = np.random.default_rng(4)
    base = "".join(rng.choice(list("abcdefghij "), 400))
    texts = [base, base[:300] + "".join(rng.choice(list("klmnopq"), 100)), "short", ""]
    sh = shingle(texts)
    sig = signatures(sh, num_perm=256)
    assert not np.any(sig[:3] == 0xFFFFFFFF)  # densified: no empty bin left in a text with shingles
    assert np.all(sig[3] == 0xFFFFFFFF)
    truth = pair_jaccard(sh, np.array([[0, 1]]))[0]
    estimates = [
        signature_agreement(signatures(sh, num_perm=256, seed=s), np.array([[0, 1]]))[0] for s in range(8)
    ]
    assert abs(np.mean(estimates) - truth) < 0.03


def test_signature_agreement_counts_every_column():
    sig = np.arange(30, dtype=np.uint32).reshape(3, 10)
    sig[1, :7] = sig[0, :7]
    np.testing.assert_allclose(signature_agreement(sig, np.array([[0, 1], [0, 2]])), [0.7, 0.0])


def test_large_buckets_are_split_not_dropped():
    # 300 copies of one text (one huge bucket per band) plus planted near-duplicates of another
    texts = ["what is the battery life of the acme phone x100"] * 300
    texts += ["how heavy is the zenta laptop z9 please", "how heavy is the zenta laptop z9 pleas"]
    found = find_near_duplicates(texts, threshold=0.8, max_bucket=16)
    assert (300, 301) in {tuple(p) for p in found.pairs.tolist()}
    labels = found.clusters()
    assert len(set(labels[:300])) == 1 and labels[300] == labels[301] != labels[0]
    sig = signatures(shingle(texts))
    pairs = candidate_pairs(sig, *lsh_shape(0.8, 128), max_bucket=16)
    assert len(pairs) < 300 * 20  # near-linear, not all 44,850 pairs of the copies
