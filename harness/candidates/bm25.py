"""BM25: the lexical QA baseline. Okapi BM25 (rank-bm25) ranks the documents; the reader answers with the fact
line of the top document that shares the most words with the question (no model, no GPU, nothing to train).

What it shows: how far exact word overlap gets. It retrieves well when questions name the product, and reads
poorly when the question paraphrases the fact ("cost" for "Price") — the gap the embedding families must beat.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._qa import QACandidate
from harness.dataset import Predictions, Split
from harness.text.passages import answer_lines, best_lexical_line, line_value, tokens
from harness.types import Family


class BM25Candidate(QACandidate):
    name: ClassVar[str] = "bm25"
    family: ClassVar[Family] = Family.BASELINE
    skills: ClassVar[tuple[str, ...]] = ()
    interpretable: ClassVar[bool] = True
    complexity: ClassVar[int] = 1

    def fit(self, train: Split, dev: Split) -> Self:
        from rank_bm25 import BM25Okapi

        corpus = self._start_fit(train)
        self._tick(0.0, "BM25 index")
        self.doc_ids_ = list(corpus.ids)
        self.lines_ = [answer_lines(text) for text in corpus.texts]
        self.bm25_ = BM25Okapi([tokens(text) or ["_"] for text in corpus.texts])
        self.corpus_bytes_ = corpus.size_bytes
        self._tick(1.0, "BM25 index")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        answers: list[str] = []
        retrieved: list[list[str]] = []
        k = min(self.top_k, len(self.doc_ids_))
        for question in self._questions(batch):
            scores = self.bm25_.get_scores(tokens(question))
            top = np.argsort(-scores, kind="stable")[:k]
            lines = self.lines_[int(top[0])]
            answers.append(line_value(lines[best_lexical_line(question, lines)]))
            retrieved.append([self.doc_ids_[int(i)] for i in top])
        return Predictions(extra={"answers": answers, "retrieved": retrieved})

    def size_bytes(self) -> int:
        """The pickled BM25 statistics plus the corpus text the reader serves from."""
        return len(pickle.dumps(self.bm25_, protocol=pickle.HIGHEST_PROTOCOL)) + self.corpus_bytes_

    def details(self) -> dict[str, Any]:
        return {"retriever": "BM25Okapi (rank-bm25)", "reader": "lexical fact line", "top_k": self.top_k}
