"""RAG: embed the corpus with a sentence encoder, index it with FAISS, retrieve, then read.

The corpus is indexed as fact chunks (document title + one fact line), so one search finds both the
document and the line that answers; the extractive reader answers with that line's value. With a local
generator configured, `rag-generate` instead prompts the generator with the top passage. Nothing is
trained: new documents are answerable as soon as they are indexed (knowledge freshness), which is the case
for RAG over fine-tuning.

Serving encoder: the shared `FastEncoder` (ONNX int8 on CPU, torch on a GPU); the index type follows the
corpus size (`harness.text.index`) and is recorded in `details()`."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import polars as pl

from harness.candidates._qa import QACandidate
from harness.dataset import Predictions, Split
from harness.text.passages import answer_lines, line_value
from harness.types import Family


def get_encoder(path: str | None, device: str, *, backend: str = "auto") -> Any:
    """The serving encoder (swap point): shared `FastEncoder`, default all-MiniLM-L6-v2."""
    from harness.text.encoder import get_fast_encoder

    return get_fast_encoder(path, backend=backend, device=device)  # type: ignore[arg-type]


class DenseReader:
    """Fact-level dense retrieval: every answer line of every document is indexed as a chunk with its
    document's title ("Aurora Kettle K-312 (SKU-1001) — Price: $129.99"), so one search finds the document
    *and* the line that answers (the reader costs nothing extra at query time). Document ranks are the
    chunk ranks with repeated documents dropped."""

    def __init__(self, encoder: Any, corpus: Any, *, seed: int = 0, tick: Any = None) -> None:
        from harness.text.index import build_index

        self.encoder = encoder
        self.doc_ids = list(corpus.ids)
        self.texts = list(corpus.texts)
        self.text_by_id = dict(zip(self.doc_ids, self.texts, strict=True))
        self.chunk_doc, self.chunk_line, chunks = [], [], []
        for row, text in enumerate(self.texts):
            for line in answer_lines(text):
                self.chunk_doc.append(row)
                self.chunk_line.append(line)
                chunks.append(chunk_text(text, self.doc_ids[row], line))
        self.max_chunks_per_doc = max(self.chunk_doc.count(r) for r in set(self.chunk_doc))
        if tick:
            tick(0.1, f"embedding {len(chunks):,} fact chunks")
        self.chunk_emb = encoder.encode(chunks)
        self.index = build_index(self.chunk_emb, seed=seed)
        self.corpus_bytes = sum(len(t.encode("utf-8")) for t in self.texts)

    def search(self, questions: list[str], k: int) -> tuple[list[list[str]], list[str]]:
        """(top-k document ids per question, the answer line's value per question)."""
        q = self.encoder.encode(questions)
        n_chunks = min(len(self.chunk_doc), k * self.max_chunks_per_doc)
        _, rows = self.index.search(q, n_chunks)
        retrieved, answers = [], []
        for row in rows:
            docs = list(dict.fromkeys(self.doc_ids[self.chunk_doc[int(c)]] for c in row if c >= 0))
            retrieved.append(docs[:k])
            answers.append(line_value(self.chunk_line[int(row[0])]))
        return retrieved, answers

    def size_bytes(self) -> int:
        """Serving artefacts: the encoder, the FAISS index and the corpus text."""
        return int(self.encoder.size_bytes() + self.index.size_bytes() + self.corpus_bytes)

    def details(self) -> dict[str, Any]:
        return {**self.encoder.details(), **self.index.details(), "chunks": "title + fact line"}


def doc_title(text: str, doc_id: str) -> str:
    """The document's first Markdown heading, else its id."""
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or doc_id
    return doc_id


def chunk_text(text: str, doc_id: str, line: str) -> str:
    return f"{doc_title(text, doc_id)} — {line}"


class RAGCandidate(QACandidate):
    name: ClassVar[str] = "rag-faiss"
    family: ClassVar[Family] = Family.RAG
    skills: ClassVar[tuple[str, ...]] = ("sentence_transformers", "faiss")
    complexity: ClassVar[int] = 2
    use_generator: ClassVar[bool] = False

    def fit(self, train: Split, dev: Split) -> Self:
        corpus = self._start_fit(train)
        self._tick(0.0, "loading the encoder")
        self.reader_ = DenseReader(
            get_encoder(self.encoder_path, self.device), corpus, seed=self.seed, tick=self._tick
        )
        self.generator_ = None
        if self.use_generator:
            from harness.text.generate import Generator

            assert self.generator_path is not None
            self._tick(0.9, "loading the generator")
            self.generator_ = Generator(self.generator_path, device=self.device)
        self._tick(1.0, "indexed")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        questions = self._questions(batch)
        reader = self.reader_
        if not questions:
            return Predictions(extra={"answers": [], "retrieved": []})
        retrieved, answers = reader.search(questions, self.top_k)
        if self.generator_ is not None:
            from harness.text.generate import open_book_prompt

            prompts = [
                open_book_prompt(q, reader.text_by_id[docs[0]])
                for q, docs in zip(questions, retrieved, strict=True)
            ]
            answers = self.generator_.generate(prompts)
        return Predictions(extra={"answers": answers, "retrieved": retrieved})

    def size_bytes(self) -> int:
        extra = self.generator_.size_bytes() if self.generator_ is not None else 0
        return self.reader_.size_bytes() + extra

    def details(self) -> dict[str, Any]:
        facts = {**self.reader_.details(), "top_k": self.top_k, "reader": "extractive fact line"}
        if self.generator_ is not None:
            facts.update(self.generator_.details(), reader="generator over the top passage")
        return facts


class RAGGenerateCandidate(RAGCandidate):
    """RAG whose answer is written by the local generator from the top passage (needs `generator_path`)."""

    name: ClassVar[str] = "rag-generate"
    skills: ClassVar[tuple[str, ...]] = ("sentence_transformers", "faiss", "transformers", "llm_prompting")
    complexity: ClassVar[int] = 3
    needs_generator: ClassVar[bool] = True
    use_generator: ClassVar[bool] = True
