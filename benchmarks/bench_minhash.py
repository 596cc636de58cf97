"""Benchmark: archbench's vectorised MinHash LSH vs datasketch MinHashLSH on short texts with planted near-
dups.

Both run at the same settings (num_perm, threshold, the same character shingles of the same normalised
texts). Timed for datasketch: building the shingle sets, `MinHash.bulk` (its fastest way to build many
MinHashes, default hash function), inserting into `MinHashLSH` through an insertion session and querying every
text; for archbench: `find_near_duplicates` end to end (normalisation, shingling, signatures, LSH and the
exact-Jaccard verification of the candidates). Each is run `--repeats` times and the best wall time kept, so
a busy machine penalises both alike. Recall: the share of datasketch's candidate pairs at exact Jaccard ≥
threshold that archbench reports.

Run: `.venv/bin/python benchmarks/bench_minhash.py [--texts 100000] [--repeats 3] [--datasketch-texts N]`
(`--datasketch-texts` times both on a fixed subset when the full datasketch run is too slow).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.audit.minhash import find_near_duplicates, normalize_texts

PRODUCTS = [
    "phone",
    "laptop",
    "tablet",
    "headphones",
    "speaker",
    "camera",
    "router",
    "monitor",
    "keyboard",
    "watch",
]
BRANDS = ["acme", "zenta", "orbix", "novo", "kelvin", "lumio", "prax", "quanta", "vexa", "tyro"]
ATTRS = [
    "battery life",
    "weight",
    "warranty",
    "screen size",
    "price",
    "color options",
    "charging time",
    "storage",
    "water resistance",
    "release date",
    "return policy",
    "bluetooth version",
]
OPENERS = [
    "what is the",
    "how long is the",
    "can you tell me the",
    "i need the",
    "whats the",
    "please share the",
]
TAILS = ["", "thanks", "asap", "for my order", "before i buy", "please", "in europe", "for the 2024 model"]


def make_texts(n: int, near_fraction: float, seed: int) -> list[str]:
    """Short product questions; `near_fraction` of them lightly edit an earlier one (typo, word, case)."""
    rng = np.random.default_rng(seed)
    n_near = int(n * near_fraction)
    base = []
    for _ in range(n - n_near):
        model = f"{rng.choice(list('abcdefghkmnpqrstxz')).upper()}{rng.integers(10, 9999)}"
        base.append(
            f"{rng.choice(OPENERS)} {rng.choice(ATTRS)} of the {rng.choice(BRANDS)} {rng.choice(PRODUCTS)} "
            f"{model} {rng.choice(TAILS)}".strip()
            + "?"
        )
    texts = list(base)
    for _ in range(n_near):
        src = base[int(rng.integers(len(base)))]
        edit = int(rng.integers(4))
        if edit == 0:  # one-character typo
            i = int(rng.integers(len(src)))
            src = src[:i] + str(rng.choice(list("aeiourst"))) + src[i + 1 :]
        elif edit == 1:
            src = src.upper()
        elif edit == 2:
            src = src.rstrip("?") + " please?"
        else:
            src = src.replace("the ", "", 1)
        texts.append(src)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order]


def char_shingle_set(text: str, k: int) -> set[bytes]:
    """The same shingles archbench hashes: k-grams of the normalised text's UTF-8 bytes."""
    b = text.encode("utf-8")
    if not b:
        return set()
    return {b[i : i + k] for i in range(max(len(b) - k + 1, 1))}


def run_datasketch(
    norm: list[str], k: int, num_perm: int, threshold: float
) -> tuple[float, set[tuple[int, int]]]:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    sets = [char_shingle_set(t, k) for t in norm]
    minhashes = MinHash.bulk([list(s) for s in sets], num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            if sets[i]:
                session.insert(i, m)
    candidates = set()
    for i, m in enumerate(minhashes):
        if sets[i]:
            for j in lsh.query(m):
                if j != i:
                    candidates.add((min(i, j), max(i, j)))
    seconds = time.perf_counter() - t0
    verified = {(i, j) for i, j in candidates if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= threshold}
    return seconds, verified


def run_archbench(
    texts: list[str], k: int, num_perm: int, threshold: float
) -> tuple[float, set[tuple[int, int]]]:
    t0 = time.perf_counter()
    found = find_near_duplicates(texts, threshold=threshold, num_perm=num_perm, shingle_size=k)
    seconds = time.perf_counter() - t0
    return seconds, {(int(i), int(j)) for i, j in found.pairs}


def best_of(repeats: int, run: Callable[[], tuple[float, set[tuple[int, int]]]]) -> tuple[float, set]:
    """The fastest of `repeats` runs (and its pairs; every run finds the same ones)."""
    return min((run() for _ in range(max(repeats, 1))), key=lambda result: result[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument(
        "--datasketch-texts", type=int, default=None, help="time both on the first N texts only"
    )
    parser.add_argument("--near-fraction", type=float, default=0.1)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--shingle-size", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="best wall time of this many runs, each side")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    texts = make_texts(args.texts, args.near_fraction, args.seed)
    texts = texts[: args.datasketch_texts] if args.datasketch_texts else texts
    k, p, t = args.shingle_size, args.num_perm, args.threshold
    load_1min = os.getloadavg()[0]
    print(
        f"{len(texts):,} texts, num_perm {p}, threshold {t}, char {k}-gram shingles; "
        f"load average {load_1min:.2f} on {os.cpu_count()} CPUs"
    )
    ours_seconds, our_pairs = best_of(args.repeats, lambda: run_archbench(texts, k, p, t))
    norm = normalize_texts(texts).to_list()
    ds_seconds, ds_pairs = best_of(args.repeats, lambda: run_datasketch(norm, k, p, t))
    found = len(ds_pairs & our_pairs)
    recall = found / len(ds_pairs) if ds_pairs else 1.0
    print(
        f"datasketch: {ds_seconds:7.2f} s (best of {args.repeats}; MinHash.bulk + insertion_session + query)"
    )
    print(f"archbench:  {ours_seconds:7.2f} s (best of {args.repeats}; find_near_duplicates, verified pairs)")
    print(f"speed-up:   {ds_seconds / ours_seconds:7.1f}×")
    print(
        f"pairs at Jaccard ≥ {t}: datasketch {len(ds_pairs):,}, archbench {len(our_pairs):,}; "
        f"recall of datasketch's pairs {recall:.4f} ({found:,}/{len(ds_pairs):,})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
