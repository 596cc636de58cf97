"""RAG-style classification: retrieve the nearest labelled examples (FAISS) and let them vote.

"Just index the labelled data" — no training beyond embedding it; new examples or labels go live by adding
vectors (knowledge freshness), and every prediction can cite the examples it came from. k and the vote
sharpness are chosen on dev. The index type (flat / HNSW / IVF) follows the corpus size and is recorded.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates.text_base import EmbeddingClassifier
from harness.dataset import Predictions, Split
from harness.types import Family

K_GRID: tuple[int, ...] = (1, 3, 5, 10, 20)
TEMPERATURE_GRID: tuple[float, ...] = (0.02, 0.05, 0.1)


class KnnRetrieval(EmbeddingClassifier):
    """Similarity-weighted vote of the k nearest training examples: weight = exp(cosine / temperature)."""

    name: ClassVar[str] = "knn-faiss"
    family: ClassVar[Family] = Family.RAG
    skills: ClassVar[tuple[str, ...]] = ("faiss", "sentence_transformers")
    interpretable: ClassVar[bool] = True  # each prediction names its neighbours
    complexity: ClassVar[int] = 2

    def __init__(
        self, *, seed: int = 0, k: int | None = None, index_kind: str = "auto", **encoder: Any
    ) -> None:
        super().__init__(seed=seed, **encoder)
        self.k = k
        self.index_kind = index_kind

    def fit(self, train: Split, dev: Split) -> Self:
        from harness.text.index import build_index

        texts, y, dev_texts, dev_y = self._start_fit(train, dev)
        self._load_encoder()
        vectors = self._embed_training(texts, "embedding the labelled examples")
        self._tick(0.6, "building the index")
        self.index_ = build_index(vectors, kind=self.index_kind, seed=self.seed)  # type: ignore[arg-type]
        self.labels_ = y
        ks = (self.k,) if self.k else tuple(k for k in K_GRID if k <= len(y)) or (1,)
        self.k_, self.temperature_, self.dev_accuracy_ = ks[0], TEMPERATURE_GRID[0], None
        if dev_texts and (len(ks) > 1 or len(TEMPERATURE_GRID) > 1):
            self._tick(0.8, "choosing k on dev")
            scores, ids = self.index_.search(self._embed_training(dev_texts, "embedding dev"), max(ks))
            best = -1.0
            for k in ks:
                for temperature in TEMPERATURE_GRID:
                    acc = float(
                        np.mean(self._vote(scores[:, :k], ids[:, :k], temperature).argmax(1) == dev_y)
                    )
                    if acc > best:
                        best, self.k_, self.temperature_ = acc, k, temperature
            self.dev_accuracy_ = best
        self._tick(1.0, "done")
        return self

    def _vote(self, scores: np.ndarray, ids: np.ndarray, temperature: float) -> np.ndarray:
        valid = ids >= 0  # FAISS pads with -1 when fewer than k neighbours exist
        weights = np.where(valid, np.exp((scores - scores[:, :1]) / temperature), 0.0)
        proba = np.zeros((len(ids), self.n_classes_), dtype=np.float64)
        rows = np.repeat(np.arange(len(ids)), ids.shape[1])
        np.add.at(proba, (rows, self.labels_[np.where(valid, ids, 0)].ravel()), weights.ravel())
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, batch: pl.DataFrame) -> Predictions:
        scores, ids = self.index_.search(self._embed_serving(batch), self.k_)
        proba = self._vote(scores, ids, self.temperature_)
        return Predictions(labels=proba.argmax(axis=1), proba=proba, extra={"neighbours": ids})

    def size_bytes(self) -> int:
        return self._encoder_size_bytes() + self.index_.size_bytes() + self.labels_.nbytes

    def details(self) -> dict[str, Any]:
        return {
            **self._fit_details(),
            **self.index_.details(),
            "k": self.k_,
            "vote_temperature": self.temperature_,
            "dev_accuracy": None if self.dev_accuracy_ is None else round(self.dev_accuracy_, 4),
        }
