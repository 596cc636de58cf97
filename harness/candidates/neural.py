"""A tabular MLP in PyTorch: standardised numerics + missing indicators, learned embeddings for categoricals.

Categoricals use embeddings rather than one-hot: the width stays small however many categories a column has
(one-hot of a 1,000-value column is 1,000 inputs per row, paid at every request), and the unknown code 0 is an
ordinary trained row of the table because the encoder folds rare train values into it.

torch is imported inside the methods so that importing the registry (or `harness`) stays light.
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.dataset import Predictions, Split
from harness.threads import serving_threads, training_threads
from harness.types import Family


def embedding_dim(n_categories: int, cap: int) -> int:
    """fastai's rule of thumb, 1.6·n^0.56, capped: grows slowly with the number of categories."""
    return int(max(1, min(cap, round(1.6 * n_categories**0.56))))


@cache
def _network_class() -> type:
    import torch
    from torch import nn

    class TabularMLP(nn.Module):
        """[dense ‖ embeddings] → (Linear → ReLU → Dropout)* → Linear."""

        def __init__(
            self,
            n_dense: int,
            n_categories: Sequence[int],
            hidden: Sequence[int],
            dropout: float,
            n_out: int,
            max_embedding_dim: int,
        ) -> None:
            super().__init__()
            embeddings = [
                nn.Embedding(int(n), embedding_dim(int(n), max_embedding_dim)) for n in n_categories
            ]
            self.embeddings = nn.ModuleList(embeddings)
            width = n_dense + sum(e.embedding_dim for e in embeddings)
            layers: list[nn.Module] = []
            for size in hidden:
                layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
                width = size
            layers.append(nn.Linear(width, n_out))
            self.body = nn.Sequential(*layers)

        def forward(self, dense: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
            parts = [dense, *(emb(codes[:, j]) for j, emb in enumerate(self.embeddings))]
            return self.body(torch.cat(parts, dim=1))

    return TabularMLP


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """torch's thread count is process-wide: set it for training and put it back afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class TorchMLPCandidate(TabularCandidate):
    """MLP, AdamW, minibatches, early stopping on dev loss with patience; serves the best epoch's weights."""

    name: ClassVar[str] = "torch-mlp"
    family: ClassVar[Family] = Family.NEURAL
    skills: ClassVar[tuple[str, ...]] = ("pytorch",)
    interpretable: ClassVar[bool] = False
    complexity: ClassVar[int] = 3

    def __init__(
        self,
        *,
        seed: int = 0,
        hidden_sizes: tuple[int, ...] = (128, 64),
        dropout: float = 0.1,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 512,
        max_epochs: int = 200,
        patience: int = 6,
        max_embedding_dim: int = 16,
        train_threads: int | None = None,
        predict_threads: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.max_embedding_dim = max_embedding_dim
        self.train_threads = train_threads
        self.predict_threads = predict_threads

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        """Optimiser and regularisation; epochs are left to early stopping on dev loss."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 2e-2, log=True),
            "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "batch_size": trial.suggest_categorical("batch_size", [128, 256, 512, 1024]),
        }

    def fit(self, train: Split, dev: Split) -> Self:
        import torch

        self._start_fit(train, dev)
        encoder = self._fit_encoder(train)
        train_dense, train_codes = (torch.from_numpy(a) for a in encoder.for_net(train.X))
        dev_dense, dev_codes = (torch.from_numpy(a) for a in encoder.for_net(dev.X))
        if self.kind_.is_classification:
            n_out = self.n_classes_
            train_y = torch.from_numpy(train.y.astype(np.int64))
            dev_y = torch.from_numpy(dev.y.astype(np.int64))
            loss_fn: Any = torch.nn.CrossEntropyLoss()
        else:
            n_out = 1
            self.target_mean_ = float(np.mean(train.y))
            self.target_std_ = float(np.std(train.y)) or 1.0
            train_y = torch.from_numpy(((train.y - self.target_mean_) / self.target_std_).astype(np.float32))
            dev_y = torch.from_numpy(((dev.y - self.target_mean_) / self.target_std_).astype(np.float32))
            mse = torch.nn.MSELoss()
            loss_fn = lambda out, target: mse(out.squeeze(1), target)  # noqa: E731

        with torch.random.fork_rng(devices=[]), _torch_threads(self.train_threads or training_threads()):
            torch.manual_seed(self.seed)
            self.network_config_ = {
                "n_dense": encoder.n_net_numeric,
                "n_categories": encoder.n_categories_.tolist(),
                "hidden": list(self.hidden_sizes),
                "dropout": self.dropout,
                "n_out": n_out,
                "max_embedding_dim": self.max_embedding_dim,
            }
            network = _network_class()(**self.network_config_)
            optimizer = torch.optim.AdamW(
                network.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
            )
            shuffle = torch.Generator().manual_seed(self.seed)
            n_rows = len(train_y)
            steps_per_epoch = -(-n_rows // self.batch_size)
            best_loss, best_state, best_epoch, stale = float("inf"), None, 0, 0
            self.dev_losses_: list[float] = []
            for epoch in range(self.max_epochs):
                network.train()
                order = torch.randperm(n_rows, generator=shuffle)
                for step, start in enumerate(range(0, n_rows, self.batch_size)):
                    idx = order[start : start + self.batch_size]
                    optimizer.zero_grad(set_to_none=True)
                    loss = loss_fn(network(train_dense[idx], train_codes[idx]), train_y[idx])
                    loss.backward()
                    optimizer.step()
                    if step % 32 == 0:
                        self._tick((epoch + step / steps_per_epoch) / self.max_epochs, f"epoch {epoch + 1}")
                dev_loss = self._loss(network, loss_fn, dev_dense, dev_codes, dev_y)
                self.dev_losses_.append(round(dev_loss, 6))
                if dev_loss < best_loss - 1e-6:
                    best_loss, best_epoch, stale = dev_loss, epoch, 0
                    best_state = copy.deepcopy(network.state_dict())
                else:
                    stale += 1
                self._tick((epoch + 1) / self.max_epochs, f"epoch {epoch + 1}: dev loss {dev_loss:.4f}")
                if stale >= self.patience:
                    break
        assert best_state is not None  # at least one epoch ran (max_epochs ≥ 1)
        network.load_state_dict(best_state)
        network.eval()
        self.network_ = network
        self.best_epoch_ = best_epoch + 1
        self.epochs_trained_ = len(self.dev_losses_)
        self.best_dev_loss_ = best_loss
        return self

    @staticmethod
    def _loss(network: Any, loss_fn: Any, dense: Any, codes: Any, y: Any, chunk: int = 8192) -> float:
        import torch

        network.eval()
        total = 0.0
        with torch.inference_mode():
            for start in range(0, len(y), chunk):
                part = slice(start, start + chunk)
                total += float(loss_fn(network(dense[part], codes[part]), y[part])) * len(y[part])
        return total / max(1, len(y))

    def predict(self, batch: pl.DataFrame) -> Predictions:
        import torch

        dense, codes = self.encoder_.for_net(batch)
        before = torch.get_num_threads()  # process-wide; ~0.2 µs to set and restore
        torch.set_num_threads(self.predict_threads or serving_threads(len(dense)))
        try:
            with torch.inference_mode():
                out = self.network_(torch.from_numpy(dense), torch.from_numpy(codes))
                if self.kind_.is_classification:
                    return self._classification(torch.softmax(out, dim=1).numpy().astype(np.float64))
        finally:
            torch.set_num_threads(before)
        values = out.numpy()[:, 0].astype(np.float64) * self.target_std_ + self.target_mean_
        return Predictions(values=values)

    def size_bytes(self) -> int:
        import torch

        buffer = io.BytesIO()
        torch.save(self.network_.state_dict(), buffer)
        return buffer.tell() + pickled_size_bytes(self.encoder_)

    def details(self) -> dict[str, Any]:
        return {
            "epochs_trained": self.epochs_trained_,
            "best_epoch": self.best_epoch_,
            "epoch_cap": self.max_epochs,
            "hit_epoch_cap": self.epochs_trained_ >= self.max_epochs,
            "best_dev_loss": round(self.best_dev_loss_, 6),
            "dev_loss_per_epoch": self.dev_losses_,
            "parameters": int(sum(p.numel() for p in self.network_.parameters())),
        }

    # The network class is built lazily (torch stays unimported until needed), so pickle the weights and
    # config rather than the module object.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "network_" in state:
            state["network_"] = {k: v.clone() for k, v in self.network_.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        weights = state.pop("network_", None)
        self.__dict__.update(state)
        if weights is not None:
            network = _network_class()(**self.network_config_)
            network.load_state_dict(weights)
            self.network_ = network.eval()
