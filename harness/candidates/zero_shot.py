"""Prompt-only (zero-shot) classification: the text's similarity to each label's name or description.

No labelled example is learned from — the floor of "what do we get before collecting data?". The label names
(`change_accent` → "change accent") or the team's own descriptions are embedded once; a text goes to the most
similar label. With an out-of-scope label, a text whose best similarity is below a threshold is out of scope;
that threshold and the softmax temperature are the only things tuned, on dev.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates.text_base import EmbeddingClassifier, softmax
from harness.dataset import Predictions, Split, resolve_oos_index
from harness.errors import InputError
from harness.types import Family

TEMPERATURE_GRID: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1)


def label_to_text(label: Any) -> str:
    """`change_accent` / `changeAccent` / `change-accent` → 'change accent'."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(label))
    return re.sub(r"[_\-./]+", " ", text).strip().lower()


class ZeroShotSimilarity(EmbeddingClassifier):
    """argmax cosine(text, label description); out of scope below a dev-tuned similarity threshold."""

    name: ClassVar[str] = "zero-shot-similarity"
    family: ClassVar[Family] = Family.PROMPT
    skills: ClassVar[tuple[str, ...]] = ("sentence_transformers",)
    interpretable: ClassVar[bool] = True
    complexity: ClassVar[int] = 1

    def __init__(
        self,
        *,
        seed: int = 0,
        label_descriptions: dict[str, str] | None = None,
        template: str = "{label}",
        oos_label: str | None = None,
        **encoder: Any,
    ) -> None:
        super().__init__(seed=seed, **encoder)
        if "{label}" not in template:
            raise InputError(
                "template has no {label} placeholder",
                where=f"candidate {self.name}",
                fix="e.g. 'a question about {label}'",
            )
        self.label_descriptions = label_descriptions
        self.template = template
        self.oos_label = oos_label

    def fit(self, train: Split, dev: Split) -> Self:
        _, _, dev_texts, dev_y = self._start_fit(train, dev)  # the training texts are deliberately unused
        task = self.task_
        self.oos_index_ = resolve_oos_index(task, self.oos_label)
        described = dict(self.label_descriptions or {})
        unknown = sorted(set(described) - {str(c) for c in task.classes})
        if unknown:
            raise InputError(
                f"label_descriptions names {unknown[0]!r}, which is not a class",
                where=f"candidate {self.name}",
                fix="describe only labels that occur in the target column",
            )
        self.in_scope_ = np.array([k for k in range(self.n_classes_) if k != self.oos_index_])
        classes = task.classes or tuple(range(self.n_classes_))
        self.descriptions_ = [
            described.get(str(classes[k])) or self.template.format(label=label_to_text(classes[k]))
            for k in self.in_scope_
        ]
        self._load_encoder()
        self.label_vectors_ = np.asarray(
            self._embed_training(self.descriptions_, "embedding label descriptions")
        )
        self.temperature_ = 0.05
        self.threshold_: float | None = None
        self.dev_accuracy_: float | None = None
        if dev_texts:
            self._tick(0.5, "tuning temperature / threshold on dev")
            sims = np.asarray(self._embed_training(dev_texts, "embedding dev")) @ self.label_vectors_.T
            self._tune(sims, dev_y)
        self._tick(1.0, "done")
        return self

    def _tune(self, sims: np.ndarray, dev_y: np.ndarray) -> None:
        best = sims.max(axis=1)
        thresholds: list[float | None] = [None]
        if self.oos_index_ is not None:
            thresholds += [float(t) for t in np.unique(np.quantile(best, np.linspace(0.0, 0.6, 31)))]
        top = -1.0
        for threshold in thresholds:
            acc = float(np.mean(self._labels(sims, threshold) == dev_y))
            if acc > top:
                top, self.threshold_ = acc, threshold
        self.dev_accuracy_ = top
        # temperature: the one that gives dev the lowest log loss (labels do not depend on it)
        losses = [self._log_loss(self._proba(sims, t, self.threshold_), dev_y) for t in TEMPERATURE_GRID]
        self.temperature_ = TEMPERATURE_GRID[int(np.argmin(losses))]

    @staticmethod
    def _log_loss(proba: np.ndarray, y: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, 1.0))))

    def _labels(self, sims: np.ndarray, threshold: float | None) -> np.ndarray:
        labels = self.in_scope_[sims.argmax(axis=1)]
        if threshold is not None and self.oos_index_ is not None:
            labels = np.where(sims.max(axis=1) < threshold, self.oos_index_, labels)
        return labels

    def _proba(self, sims: np.ndarray, temperature: float, threshold: float | None) -> np.ndarray:
        proba = np.zeros((len(sims), self.n_classes_), dtype=np.float64)
        in_scope = softmax(sims, temperature=temperature)
        if threshold is None or self.oos_index_ is None:
            proba[:, self.in_scope_] = in_scope
            return proba
        p_oos = 1.0 / (1.0 + np.exp(-(threshold - sims.max(axis=1)) / 0.02))
        proba[:, self.in_scope_] = in_scope * (1.0 - p_oos)[:, None]
        proba[:, self.oos_index_] = p_oos
        return proba

    def predict(self, batch: pl.DataFrame) -> Predictions:
        sims = self._embed_serving(batch) @ self.label_vectors_.T
        return Predictions(
            labels=self._labels(sims, self.threshold_),
            proba=self._proba(sims, self.temperature_, self.threshold_),
        )

    def size_bytes(self) -> int:
        return self._encoder_size_bytes() + self.label_vectors_.nbytes

    def details(self) -> dict[str, Any]:
        return {
            **self._fit_details(),
            "training_examples_used": 0,  # dev labels tune only the OOS threshold and the temperature
            "oos_threshold": None if self.threshold_ is None else round(self.threshold_, 4),
            "temperature": self.temperature_,
            "dev_accuracy": None if self.dev_accuracy_ is None else round(self.dev_accuracy_, 4),
            "descriptions": dict(
                zip(
                    [str(self.task_.classes[k]) for k in self.in_scope_][:10],
                    self.descriptions_[:10],
                    strict=False,
                )
            ),
        }
