"""Serving latency of the RAG-style text path: one query → embed → FAISS search over 10k documents → vote.

Compares the plain sentence-transformers encoder (what a team writes first) with archbench's serving encoder
(`FastEncoder`: the same model exported to ONNX, fp32 and int8, tokenizer loaded once), each searching its own
index of the same documents. Reports p50/p95/p99 per query on the full path, the p50 ratio to
sentence-transformers, and how often the fast path's top-1 neighbour label agrees with the reference path's.
Target: p50 ≤ 15 ms on 2 cores.

Documents: the first 10k CLINC150 training texts when `../shared/datasets/clinc150` exists, else the bundled
intents generator. Threads: torch and onnxruntime get `--threads` (default 2); FAISS single-query search
uses one thread.

    .venv/bin/python benchmarks/bench_text_latency.py [--docs 10000] [--queries 300] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.text.device import set_offline_env  # noqa: E402
from harness.text.encoder import FastEncoder, load_sentence_encoder  # noqa: E402
from harness.text.index import build_index  # noqa: E402

CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
TARGET_P50_MS = 15.0
K = 10


def load_texts(n_docs: int, n_queries: int) -> tuple[list[str], list[str], list[str], str]:
    if CLINC.is_file():
        raw = json.loads(CLINC.read_text(encoding="utf-8"))
        docs = raw["train"][:n_docs]
        queries = [t for t, _ in raw["test"][:n_queries]]
        return [t for t, _ in docs], [lab for _, lab in docs], queries, "CLINC150 train/test"
    spec = importlib.util.spec_from_file_location(
        "intents_gen", ROOT / "datasets" / "intents" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.generate(per_intent=max(1, (n_docs + n_queries) // 8 + 1), seed=0)
    texts, labels = frame["text"].to_list(), frame["intent"].to_list()
    return texts[:n_docs], labels[:n_docs], texts[n_docs : n_docs + n_queries], "intents generator"


def measure(path: Callable[[str], str], queries: list[str]) -> tuple[dict[str, float], list[str]]:
    for q in queries[:10]:  # warm-up
        path(q)
    times, answers = [], []
    for q in queries:
        start = time.perf_counter()
        answers.append(path(q))
        times.append((time.perf_counter() - start) * 1000)
    p50, p95, p99 = np.percentile(times, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_offline_env()
    import torch

    torch.set_num_threads(args.threads)
    docs, labels, queries, source = load_texts(args.docs, args.queries)
    label_array = np.array(labels)
    print(
        f"{len(docs)} indexed documents, {len(queries)} single queries ({source}), {args.threads} threads",
        flush=True,
    )

    def knn_path(
        embed: Callable[[list[str]], np.ndarray], vectors: np.ndarray
    ) -> tuple[Callable[[str], str], str]:
        index = build_index(vectors)

        def answer(query: str) -> str:
            scores, ids = index.search(embed([query]), K)
            votes: dict[str, float] = {}
            for s, i in zip(scores[0], ids[0], strict=True):
                votes[label_array[i]] = votes.get(label_array[i], 0.0) + float(
                    np.exp((s - scores[0, 0]) / 0.05)
                )
            return max(votes, key=votes.__getitem__)

        return answer, index.kind

    rows = []
    st = load_sentence_encoder(None, "cpu")
    st_embed = lambda texts: st.encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
    started = time.perf_counter()
    reference_vectors = st_embed(docs)
    print(f"sentence-transformers embedded the corpus in {time.perf_counter() - started:.1f} s", flush=True)
    path, kind = knn_path(st_embed, reference_vectors)
    stats, reference = measure(path, queries)
    rows.append(("sentence-transformers (torch)", stats, 1.0, kind))
    for backend in ("onnx", "onnx-int8"):
        encoder = FastEncoder(backend=backend, threads=args.threads)  # type: ignore[arg-type]
        started = time.perf_counter()
        vectors = encoder.encode(docs)
        print(f"{backend} embedded the corpus in {time.perf_counter() - started:.1f} s", flush=True)
        path, kind = knn_path(encoder.encode, vectors)
        stats, answers = measure(path, queries)
        agreement = float(np.mean([a == b for a, b in zip(answers, reference, strict=True)]))
        rows.append((f"FastEncoder {backend}", stats, agreement, kind))

    base = rows[0][1]["p50_ms"]
    print(f"\nfull path (embed + {rows[0][3]} search k={K} + vote), ms per query:")
    print(f"{'encoder':32s} {'p50':>7s} {'p95':>7s} {'p99':>7s}  {'p50 vs ST':>9s}  top-1 label = ST path")
    for name, stats, agreement, _ in rows:
        print(
            f"{name:32s} {stats['p50_ms']:7.2f} {stats['p95_ms']:7.2f} {stats['p99_ms']:7.2f}  "
            f"{base / stats['p50_ms']:8.1f}×  {agreement * 100:5.1f}%"
        )
    best = rows[-1][1]["p50_ms"]
    verdict = "meets" if best <= TARGET_P50_MS else "misses"
    print(f"int8 p50 {best:.2f} ms {verdict} the ≤ {TARGET_P50_MS:.0f} ms target ({args.threads} threads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
