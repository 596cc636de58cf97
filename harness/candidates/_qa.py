"""Plumbing shared by the QA candidates: construction from the spec's `[models]`, reading questions, the
retrieval-plus-reader serving path, and the tiny QA splits the conformance test uses.

`predict(batch)` takes a frame with the question column and returns `Predictions(extra={"answers": [...],
"retrieved": [[doc ids, best first], ...]})`; candidates without retrieval (prompt-only, LoRA) leave
`retrieved` out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates.base import BaseCandidate
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.types import TaskKind

DEFAULT_TOP_K = 5


class QACandidate(BaseCandidate):
    """Base of the QA families. Parameters only in `__init__`; fitted state ends in `_`."""

    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.QA})
    needs_generator: ClassVar[bool] = False

    def __init__(
        self,
        *,
        seed: int = 0,
        top_k: int = DEFAULT_TOP_K,
        encoder_path: str | None = None,
        generator_path: str | None = None,
        device: str = "auto",
    ) -> None:
        super().__init__(seed=seed)
        self.top_k = top_k
        self.encoder_path = encoder_path
        self.generator_path = generator_path
        self.device = device

    @classmethod
    def from_spec(cls, spec: Any, *, seed: int | None = None) -> Self:
        """Built with the spec's `[models]` paths (resolved relative to the spec file)."""
        models = spec.models

        def resolved(path: str | None) -> str | None:
            return None if path is None else str(spec.resolve(path))

        return cls(
            seed=spec.seed if seed is None else seed,
            encoder_path=resolved(models.encoder_path),
            generator_path=resolved(models.generator_path),
            device=models.device,
        )

    def applicable(self, task: Task) -> bool:
        if task.kind not in self.tasks:
            return False
        return not self.needs_generator or self.generator_path is not None

    def skip_reason(self, task: Task) -> str | None:
        if task.kind in self.tasks and self.needs_generator and self.generator_path is None:
            return "needs a local generator model: set [models] generator_path to its folder"
        return None

    @classmethod
    def conformance_splits(cls, kind: TaskKind) -> tuple[Split, Split, Split] | None:
        return tiny_qa_splits() if kind is TaskKind.QA else None

    # -- shared helpers -------------------------------------------------------------------------------------
    def _start_fit(self, train: Split) -> Any:
        corpus = train.extra.get("corpus")
        if corpus is None or len(corpus) == 0:
            raise InputError(
                "the training split carries no corpus",
                where=self.name,
                fix="split QA data with make_qa_splits",
            )
        self.task_ = train.task
        self.question_column_ = train.task.feature_columns[0]
        return corpus

    def _questions(self, batch: pl.DataFrame) -> list[str]:
        column = self.question_column_
        if column not in batch.columns:
            raise InputError(
                f"question column {column!r} is missing from the batch",
                where=self.name,
                fix=f"pass a frame with {column!r}",
            )
        return batch.get_column(column).cast(pl.String).fill_null("").to_list()


def tiny_qa_splits() -> tuple[Split, Split, Split]:
    """Six products, three facts each (price asked twice); the test split asks about two unseen products."""
    from harness.data.qa import Corpus

    products = [
        ("P1", "Aurora Kettle", "$129.99", "1.2 kg", "2 years"),
        ("P2", "Boreal Lamp", "$45.00", "0.8 kg", "1 years"),
        ("P3", "Cobalt Drill", "$89.49", "2.1 kg", "3 years"),
        ("P4", "Dune Speaker", "$59.95", "0.6 kg", "2 years"),
        ("P5", "Ember Heater", "$74.00", "3.4 kg", "5 years"),
        ("P6", "Fjord Router", "$99.99", "0.9 kg", "1 years"),
    ]
    docs = {
        pid: f"# {name}\n\n- Price: {price}\n- Weight: {weight}\n- Warranty: {warranty}\n"
        for pid, name, price, weight, warranty in products
    }
    rows = []
    for pid, name, price, weight, warranty in products:
        rows += [
            (f"How much does the {name} cost?", price, pid),
            (f"What is the weight of the {name}?", weight, pid),
            (f"How long is the warranty of the {name}?", warranty, pid),
            (f"What is the price of the {name}?", price, pid),
        ]
    corpus = Corpus(tuple(docs), tuple(docs.values()), source="tiny")
    task = Task(kind=TaskKind.QA, target="answer", feature_columns=("question",), text_columns=("question",))

    def split(name: str, pids: set[str]) -> Split:
        chosen = [r for r in rows if r[2] in pids]
        return Split(
            name=name,
            task=task,
            X=pl.DataFrame({"question": [r[0] for r in chosen]}),
            y=np.asarray([r[1] for r in chosen], dtype=object),
            extra={"corpus": corpus, "doc_ids": np.asarray([r[2] for r in chosen], dtype=object)},
        )

    return split("train", {"P1", "P2", "P3"}), split("dev", {"P4"}), split("test", {"P5", "P6"})


def folder_size_bytes(path: str | Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
