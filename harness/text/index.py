"""A FAISS vector index whose type follows the corpus size, recorded in `details()`.

Inner product on L2-normalised vectors (= cosine). Thresholds:

* fewer than `HNSW_MIN_VECTORS` (20k): exact `IndexFlatIP` — a 384-d flat scan of 20k vectors is ~1 ms on one
  core, exact, and has no build cost, so approximate search buys nothing there;
* up to `IVF_MIN_VECTORS` (2M): `IndexHNSWFlat` (M=32, efSearch=64) — sub-millisecond, ~99% recall;
* beyond: `IndexIVFFlat` with ~4·√n lists, nprobe=16 — HNSW's graph memory grows too large there.

Single-query search runs with one OpenMP thread: FAISS's thread start-up costs more than a one-query scan
(`faiss.omp_set_num_threads(1)`); batch search uses every core.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Literal

import numpy as np

from harness.errors import InputError

IndexKind = Literal["auto", "flat", "hnsw", "ivf"]
HNSW_MIN_VECTORS = 20_000
IVF_MIN_VECTORS = 2_000_000
HNSW_M = 32
HNSW_EF_SEARCH = 64
HNSW_EF_CONSTRUCTION = 80
IVF_NPROBE = 16

_OMP_LOCK = threading.Lock()


def choose_index_kind(n_vectors: int) -> str:
    if n_vectors < HNSW_MIN_VECTORS:
        return "flat"
    return "hnsw" if n_vectors < IVF_MIN_VECTORS else "ivf"


class VectorIndex:
    """Built once from an (n × d) float32 matrix; `search(queries, k)` → (scores, row ids), both n_q × k."""

    def __init__(self, vectors: np.ndarray, *, kind: IndexKind = "auto", seed: int = 0) -> None:
        import faiss

        x = np.ascontiguousarray(vectors, dtype=np.float32)
        if x.ndim != 2 or x.shape[0] == 0:
            raise InputError(
                f"cannot index {x.shape[0] if x.ndim == 2 else 0} vectors",
                where="index",
                fix="pass at least one labelled example",
            )
        if not np.all(np.isfinite(x)):
            raise InputError("vectors contain NaN or infinity", where="index", fix="check the encoder output")
        n, dim = x.shape
        self.kind = choose_index_kind(n) if kind == "auto" else kind
        if self.kind not in ("flat", "hnsw", "ivf"):
            raise InputError(f"unknown index kind {kind!r}", where="index", fix="use auto, flat, hnsw or ivf")
        self.n_vectors = n
        self.dim = dim
        self.params: dict[str, Any] = {}
        index: faiss.Index
        if self.kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif self.kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
            self.params = {"M": HNSW_M, "efSearch": HNSW_EF_SEARCH, "efConstruction": HNSW_EF_CONSTRUCTION}
            index = hnsw
        else:
            nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))  # FAISS wants ≥39 training points per list
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(seed)
            sample = x[rng.choice(n, size=min(n, nlist * 256), replace=False)]
            ivf.train(sample)
            ivf.nprobe = min(IVF_NPROBE, nlist)
            self.params = {"nlist": nlist, "nprobe": ivf.nprobe}
            index = ivf
        index.add(x)
        self._index = index

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        k = max(1, min(int(k), self.n_vectors))
        if q.shape[0] == 1:
            with _OMP_LOCK:  # omp thread count is process-global: restore it for everyone else
                before = faiss.omp_get_max_threads()
                faiss.omp_set_num_threads(1)
                try:
                    return self._index.search(q, k)
                finally:
                    faiss.omp_set_num_threads(before)
        return self._index.search(q, k)

    def size_bytes(self) -> int:
        import faiss

        return int(faiss.serialize_index(self._index).size)

    def details(self) -> dict[str, Any]:
        return {
            "index_kind": self.kind,
            "index_vectors": self.n_vectors,
            "index_dim": self.dim,
            **self.params,
        }


def build_index(vectors: np.ndarray, *, kind: IndexKind = "auto", seed: int = 0) -> VectorIndex:
    """The FAISS index for these vectors; `kind='auto'` chooses by size (see the module docstring)."""
    return VectorIndex(vectors, kind=kind, seed=seed)
