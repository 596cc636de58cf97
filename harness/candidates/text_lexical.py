"""The lexical baseline for text classification: TF-IDF n-grams + a linear model.

Cheap to train, sub-millisecond to serve, interpretable (the top-weighted n-grams per class), and the bar
every embedding or fine-tuned model has to clear to justify its serving cost.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import pickled_size_bytes
from harness.candidates.text_base import TextClassifier
from harness.dataset import Predictions, Split
from harness.types import Family


class TfidfLogReg(TextClassifier):
    """Word 1–2-gram + char 2–4-gram TF-IDF (sublinear tf) → multinomial logistic regression.
    C is chosen on dev from a small grid (the dev split is what it is for)."""

    name: ClassVar[str] = "tfidf-logreg"
    family: ClassVar[Family] = Family.BASELINE
    skills: ClassVar[tuple[str, ...]] = ("sklearn",)
    interpretable: ClassVar[bool] = True
    complexity: ClassVar[int] = 1

    def __init__(
        self, *, seed: int = 0, c_grid: tuple[float, ...] = (1.0, 10.0, 100.0), char_ngrams: bool = True
    ):
        super().__init__(seed=seed)
        self.c_grid = c_grid
        self.char_ngrams = char_ngrams

    def _vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        if not self.char_ngrams:
            return word
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2, lowercase=True
        )
        return FeatureUnion([("word", word), ("char", char)])

    def fit(self, train: Split, dev: Split) -> Self:
        from sklearn.linear_model import LogisticRegression

        texts, y, dev_texts, dev_y = self._start_fit(train, dev)
        self._tick(0.0, "vectorising")
        self.vectorizer_ = self._vectorizer()
        x = self.vectorizer_.fit_transform(texts)
        x_dev = self.vectorizer_.transform(dev_texts) if dev_texts else None
        grid = list(self.c_grid if x_dev is not None and len(self.c_grid) > 1 else self.c_grid[:1])
        best: tuple[float, float, Any] | None = None
        tried: list[float] = []
        widened = 0
        while grid:
            c = grid.pop(0)
            tried.append(c)
            self._tick(
                0.1 + 0.8 * min(len(tried) / (len(self.c_grid) + 2), 1.0), f"logistic regression C={c:g}"
            )
            model = LogisticRegression(C=c, max_iter=2000, random_state=self.seed)
            model.fit(x, y)
            dev_acc = float(np.mean(model.predict(x_dev) == dev_y)) if x_dev is not None else 0.0
            if best is None or dev_acc > best[0]:
                best = (dev_acc, c, model)
            # a best value on the edge of the grid: widen it that way (up to twice) instead of stopping there
            if not grid and len(tried) > 1 and widened < 2 and best[1] in (min(tried), max(tried)):
                grid.append(best[1] * 10 if best[1] == max(tried) else best[1] / 10)
                widened += 1
        assert best is not None
        self.dev_accuracy_, self.c_, self.model_ = best
        self.c_tried_ = sorted(tried)
        self.c_at_edge_ = len(tried) > 1 and self.c_ in (min(tried), max(tried))
        self._tick(1.0, "done")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        x = self.vectorizer_.transform(self._texts(batch))
        proba = self._full_proba(self.model_.predict_proba(x), self.model_.classes_)
        return Predictions(labels=proba.argmax(axis=1), proba=proba)

    def size_bytes(self) -> int:
        return pickled_size_bytes((self.vectorizer_, self.model_))

    def details(self) -> dict[str, Any]:
        n_features = len(self.model_.coef_[0])
        facts = {**self._fit_details(), "C": self.c_, "dev_accuracy": round(self.dev_accuracy_, 4)}
        facts["C_tried"] = getattr(self, "c_tried_", [self.c_])
        if getattr(self, "c_at_edge_", False):
            facts["search_edge"] = f"C = {self.c_:g} is still on the edge of the widened grid"
        facts["n_features"] = n_features
        facts["top_terms"] = self._top_terms(3)
        return facts

    def _top_terms(self, k: int) -> dict[str, list[str]]:
        """The k highest-weighted n-grams of (up to 10) classes — the interpretability evidence."""
        names = self.vectorizer_.get_feature_names_out()
        coef = self.model_.coef_
        out: dict[str, list[str]] = {}
        rows = range(coef.shape[0]) if coef.shape[0] > 1 else [0]
        for row in list(rows)[:10]:
            cls = int(self.model_.classes_[row if coef.shape[0] > 1 else 1])
            label = str(self.task_.classes[cls]) if self.task_.classes else str(cls)
            out[label] = [str(names[j]).split("__", 1)[-1] for j in np.argsort(-coef[row])[:k]]
        return out
