"""Plumbing shared by the text-classification candidates: applicability, reading text, input checks, and
probabilities over every class of the task (a class missing from a small train split still gets a column).

Every text family (lexical, GBT, neural, k-NN retrieval, fine-tune, zero-shot) derives from `TextClassifier`,
so they fail the same way on the same bad input, with one-line `InputError`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl

from harness.candidates.base import BaseCandidate
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.types import TaskKind


def is_text_classification(task: Task) -> bool:
    return bool(task.text_columns) and task.kind in (TaskKind.BINARY, TaskKind.MULTICLASS)


def batch_texts(batch: pl.DataFrame, columns: Sequence[str], *, where: str = "batch") -> list[str]:
    """The text of each row: the text column, or several joined with ' | '; missing values become ''."""
    missing = [c for c in columns if c not in batch.columns]
    if missing:
        raise InputError(
            f"text column {missing[0]!r} is missing",
            where=where,
            fix=f"use one of the columns: {', '.join(batch.columns[:12])}",
        )
    parts = []
    for c in columns:
        col = batch.get_column(c)
        if col.dtype != pl.String:
            if col.dtype in (pl.Null, pl.Boolean, pl.Categorical) or col.dtype.is_numeric():
                col = col.cast(pl.String)
            else:
                raise InputError(
                    f"text column {c!r} holds {col.dtype}, not text",
                    where=where,
                    fix="list only columns of free text in data.text_columns",
                )
        parts.append(col.fill_null(""))
    if len(parts) == 1:
        return parts[0].to_list()
    joined = pl.DataFrame({f"part{i}": part for i, part in enumerate(parts)})
    return joined.select(pl.concat_str(pl.all(), separator=" | ")).to_series().to_list()


class TextClassifier(BaseCandidate):
    """Base of the text candidates: classification from `task.text_columns`."""

    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.BINARY, TaskKind.MULTICLASS})

    def applicable(self, task: Task) -> bool:
        return is_text_classification(task)

    @classmethod
    def conformance_splits(cls, kind: TaskKind) -> tuple[Split, Split, Split] | None:
        return tiny_text_splits(kind)

    @classmethod
    def from_spec(cls, spec: Any, *, seed: int | None = None) -> Any:
        """Built with the spec's `[models]` encoder and device and `data.oos_label`, for the candidates whose
        `__init__` takes them (the registry calls this when it creates candidates for a run)."""
        import inspect

        params = inspect.signature(cls.__init__).parameters
        open_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        encoder = spec.models.encoder_path
        options = {
            "encoder_path": str(spec.resolve(encoder)) if encoder else None,
            "device": spec.models.device,
            "oos_label": spec.data.oos_label,
        }
        # `**encoder` catch-alls forward to EmbeddingClassifier: encoder options yes, oos_label no
        forwarded = {"encoder_path", "device"} if open_kwargs else set()
        kwargs = {k: v for k, v in options.items() if v is not None and (k in params or k in forwarded)}
        return cls(seed=spec.seed if seed is None else seed, **kwargs)

    @property
    def _where(self) -> str:
        return f"candidate {self.name}"

    def _texts(self, batch: pl.DataFrame) -> list[str]:
        return batch_texts(batch, self.task_.text_columns, where=self._where)

    def _start_fit(self, train: Split, dev: Split) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
        """Validate both splits → (train texts, train y, dev texts, dev y); sets `task_`, `n_classes_`."""
        self._tick(0.0, "checking the texts")  # honours a past deadline or a cancel before any heavy work
        task = train.task
        if not self.applicable(task):
            raise InputError(
                f"{self.name} needs a classification task with a text column (got {task.kind}, "
                f"text columns {list(task.text_columns)})",
                where=self._where,
                fix="set data.text_columns and a categorical target, or exclude this candidate",
            )
        self.task_ = task
        self.n_classes_ = max(task.n_classes, 2)
        if len(train) == 0:
            raise InputError("train split is empty", where=self._where, fix="give it labelled texts")
        texts = batch_texts(train.X, task.text_columns, where=f"{self._where} (train)")
        blank = sum(1 for t in texts if not t.strip())
        if blank == len(texts):
            raise InputError(
                f"all {len(texts)} training texts are empty",
                where=f"column {task.text_columns[0]!r}",
                fix="point data.text_columns at the column that holds the text",
            )
        y = np.asarray(train.y, dtype=np.int64)
        if len(y) != len(texts):
            raise InputError(
                f"{len(texts)} texts but {len(y)} labels", where=self._where, fix="align the columns"
            )
        n_seen = len(np.unique(y))
        if n_seen < 2:
            raise InputError(
                f"the label column has one class ({task.classes[int(y[0])] if task.classes else y[0]!r}) "
                "in the training data",
                where=f"column {task.target!r}",
                fix="a classifier needs at least two classes; add examples of the other labels",
            )
        self.blank_train_texts_ = blank
        dev_texts = batch_texts(dev.X, task.text_columns, where=f"{self._where} (dev)") if len(dev) else []
        dev_y = np.asarray(dev.y, dtype=np.int64) if len(dev) else np.zeros(0, dtype=np.int64)
        return texts, y, dev_texts, dev_y

    def _full_proba(self, proba: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Columns for the classes a model saw (`present`) → n × K over all the task's classes."""
        out = np.zeros((proba.shape[0], self.n_classes_), dtype=np.float64)
        out[:, present] = proba
        return out

    def _fit_details(self) -> dict[str, Any]:
        return {"blank_train_texts": int(getattr(self, "blank_train_texts_", 0))}


def softmax(logits: np.ndarray, *, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


# ---- tiny data for the shared conformance test -------------------------------------------------------------
_TINY = {
    "billing": [
        "my invoice is wrong",
        "refund my payment",
        "charged twice on my card",
        "update billing address",
    ],
    "shipping": [
        "where is my parcel",
        "track my delivery",
        "package arrived late",
        "change shipping address",
    ],
    "login": [
        "cannot log in",
        "reset my password",
        "account locked after attempts",
        "two factor code missing",
    ],
}


def tiny_text_splits(kind: TaskKind) -> tuple[Split, Split, Split]:
    """Tiny (train, dev, test) text splits for `tests/candidates/test_contract.py`."""
    labels = list(_TINY)[: 2 if kind is TaskKind.BINARY else 3]
    rows = [
        (f"{t}{suffix}", k)
        for k, lab in enumerate(labels)
        for t in _TINY[lab]
        for suffix in ("", " please", "!")
    ]
    task = Task(
        kind=TaskKind.BINARY if kind is TaskKind.BINARY else TaskKind.MULTICLASS,
        target="intent",
        feature_columns=("text",),
        text_columns=("text",),
        classes=tuple(labels),
        positive_index=1 if kind is TaskKind.BINARY else None,
    )

    def split(name: str, picked: list[tuple[str, int]]) -> Split:
        return Split(
            name, task, pl.DataFrame({"text": [t for t, _ in picked]}), np.array([k for _, k in picked])
        )

    return (
        split("train", [r for i, r in enumerate(rows) if i % 3 != 2]),
        split("dev", [r for i, r in enumerate(rows) if i % 6 == 2]),
        split("test", [r for i, r in enumerate(rows) if i % 6 == 5]),
    )


class EmbeddingClassifier(TextClassifier):
    """A text candidate that works on sentence embeddings from the shared `FastEncoder`.

    Fit-time embeddings go through the in-process cache (k-NN, MLP, GBT and zero-shot embed the training set
    once between them); `_embed_serving` always really encodes — that is the measured serving cost.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        encoder_path: str | None = None,
        encoder_backend: str = "auto",
        max_seq_length: int = 128,
        device: str | None = "auto",
    ) -> None:
        super().__init__(seed=seed)
        self.encoder_path = encoder_path
        self.encoder_backend = encoder_backend
        self.max_seq_length = max_seq_length
        self.device = device

    def _load_encoder(self) -> Any:
        from harness.text.encoder import get_fast_encoder

        self.encoder_ = get_fast_encoder(
            self.encoder_path,
            backend=self.encoder_backend,  # type: ignore[arg-type]
            max_seq_length=self.max_seq_length,
            device=self.device,
        )
        return self.encoder_

    def _embed_training(self, texts: list[str], message: str = "embedding texts") -> np.ndarray:
        """Training-set embeddings, shared between candidates: the seconds spent encoding them are recorded as
        shared work (`shared_work_s_`), not charged to whichever candidate happened to run first."""
        import time

        from harness.text.encoder import encode_cached, is_cached

        self._tick(0.0, message)
        fresh = not is_cached(self.encoder_, texts)
        started = time.perf_counter()
        emb = encode_cached(self.encoder_, texts)
        if fresh:
            self.shared_work_s_ = getattr(self, "shared_work_s_", 0.0) + time.perf_counter() - started
        return emb

    def _embed_serving(self, batch: pl.DataFrame) -> np.ndarray:
        return self.encoder_.encode(self._texts(batch))

    def _encoder_size_bytes(self) -> int:
        return int(self.encoder_.size_bytes())

    def _fit_details(self) -> dict[str, Any]:
        return {**super()._fit_details(), **self.encoder_.details()}
