"""Neural text classifier: a small MLP on frozen sentence embeddings.

The encoder stays frozen (cheap to train: minutes, not hours), so this isolates what a learned decision
surface adds over k-NN voting on the same vectors. Trained with torch (AdamW, dropout, early stopping on dev
accuracy); served in numpy — two matrix products after the encoder, no torch dispatch per query.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates.text_base import EmbeddingClassifier, softmax
from harness.dataset import Predictions, Split
from harness.types import Family


class EmbeddingMLP(EmbeddingClassifier):
    """embedding → Linear(hidden) → ReLU → Dropout → Linear(K)."""

    name: ClassVar[str] = "mlp-embeddings"
    family: ClassVar[Family] = Family.NEURAL
    skills: ClassVar[tuple[str, ...]] = ("pytorch", "sentence_transformers")
    complexity: ClassVar[int] = 3

    def __init__(
        self,
        *,
        seed: int = 0,
        hidden: int = 512,
        dropout: float = 0.3,
        epochs: int = 60,
        batch_size: int = 64,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-4,
        patience: int = 8,
        **encoder: Any,
    ) -> None:
        super().__init__(seed=seed, **encoder)
        self.hidden = hidden
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience

    def fit(self, train: Split, dev: Split) -> Self:
        import torch
        from torch import nn

        texts, y, dev_texts, dev_y = self._start_fit(train, dev)
        self._load_encoder()
        x = self._embed_training(texts, "embedding train")
        x_dev = self._embed_training(dev_texts, "embedding dev") if dev_texts else None
        torch.manual_seed(self.seed)
        hidden_layer = nn.Linear(x.shape[1], self.hidden)
        output_layer = nn.Linear(self.hidden, self.n_classes_)
        model = nn.Sequential(hidden_layer, nn.ReLU(), nn.Dropout(self.dropout), output_layer)
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        xt, yt = torch.from_numpy(np.array(x, dtype=np.float32)), torch.from_numpy(y)
        xd = torch.from_numpy(np.array(x_dev, dtype=np.float32)) if x_dev is not None else None
        generator = torch.Generator().manual_seed(self.seed)
        best_acc, best_state, best_epoch, stale = -1.0, None, 0, 0
        self.epochs_run_ = 0
        for epoch in range(self.epochs):
            model.train()
            for idx in torch.randperm(len(yt), generator=generator).split(self.batch_size):
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
                optimizer.step()
            self.epochs_run_ = epoch + 1
            if xd is None:
                self._tick((epoch + 1) / self.epochs, f"epoch {epoch + 1}")
                continue
            model.eval()
            with torch.inference_mode():
                acc = float((model(xd).argmax(1).numpy() == dev_y).mean())
            self._tick((epoch + 1) / self.epochs, f"epoch {epoch + 1}: dev accuracy {acc:.3f}")
            if acc > best_acc:
                best_acc, best_epoch, stale = acc, epoch + 1, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        self.best_epoch_ = best_epoch or self.epochs_run_
        self.dev_accuracy_ = best_acc if best_acc >= 0 else None
        # numpy copies for serving
        self.w1_ = hidden_layer.weight.detach().numpy().T.copy()
        self.b1_ = hidden_layer.bias.detach().numpy().copy()
        self.w2_ = output_layer.weight.detach().numpy().T.copy()
        self.b2_ = output_layer.bias.detach().numpy().copy()
        self._tick(1.0, "done")
        return self

    def _logits(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x @ self.w1_ + self.b1_, 0.0) @ self.w2_ + self.b2_

    def predict(self, batch: pl.DataFrame) -> Predictions:
        proba = softmax(self._logits(self._embed_serving(batch)))
        return Predictions(labels=proba.argmax(axis=1), proba=proba)

    def size_bytes(self) -> int:
        head = sum(a.nbytes for a in (self.w1_, self.b1_, self.w2_, self.b2_))
        return self._encoder_size_bytes() + head

    def details(self) -> dict[str, Any]:
        return {
            **self._fit_details(),
            "hidden": self.hidden,
            "epochs_run": self.epochs_run_,
            "best_epoch": self.best_epoch_,
            "dev_accuracy": None if self.dev_accuracy_ is None else round(self.dev_accuracy_, 4),
        }
