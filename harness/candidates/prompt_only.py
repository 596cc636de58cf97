"""Prompt-only: the local generator answers from what it already knows — no retrieval, no training.

It is the zero-effort reference for a generator: if it matches RAG, the corpus adds nothing; on facts it
never saw (a product catalog, new SKUs) it cannot, and the measurement shows by how much. Applicable only
when `[models] generator_path` names a local causal LM."""

from __future__ import annotations

from typing import Any, ClassVar, Self

import polars as pl

from harness.candidates._qa import QACandidate
from harness.dataset import Predictions, Split
from harness.types import Family


class PromptOnlyCandidate(QACandidate):
    name: ClassVar[str] = "prompt-only"
    family: ClassVar[Family] = Family.PROMPT
    skills: ClassVar[tuple[str, ...]] = ("transformers", "llm_prompting")
    complexity: ClassVar[int] = 2
    needs_generator: ClassVar[bool] = True

    def fit(self, train: Split, dev: Split) -> Self:
        from harness.text.generate import Generator

        self._start_fit(train)
        assert self.generator_path is not None, "prompt-only needs models.generator_path"
        self._tick(0.0, "loading the generator")
        self.generator_ = Generator(self.generator_path, device=self.device)
        self._tick(1.0, "generator loaded")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        from harness.text.generate import closed_book_prompt

        answers = self.generator_.generate([closed_book_prompt(q) for q in self._questions(batch)])
        return Predictions(extra={"answers": answers})

    def size_bytes(self) -> int:
        return self.generator_.size_bytes()

    def details(self) -> dict[str, Any]:
        return {**self.generator_.details(), "retrieval": "none (closed book)"}
