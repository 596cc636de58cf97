"""The torch module behind every text path: a Hugging Face encoder + pooling (+ an optional classifier head).

One module serves three uses, so the exported graph is exactly what was trained: sentence embeddings
(mean/CLS pooling, L2-normalised) for k-NN / MLP / GBT / zero-shot, the fine-tune candidate's training model
(pooling → dropout → linear head), and the ONNX export of either. Imported lazily (it imports torch).
"""

from __future__ import annotations

import torch
from torch import nn


class PooledEncoder(nn.Module):
    """(input_ids, attention_mask[, token_type_ids]) → pooled embedding, or logits when `head` is set."""

    def __init__(self, encoder: nn.Module, *, pooling: str = "mean", head: nn.Module | None = None) -> None:
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', got {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        self.head = head

    def embed(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Pooled, not normalised (the head trains on this)."""
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        pooled = self.embed(input_ids, attention_mask, token_type_ids)
        if self.head is not None:
            return self.head(pooled)
        return nn.functional.normalize(pooled, p=2.0, dim=-1)


class ClassifierHead(nn.Module):
    """Dropout → linear, the usual sequence-classification head on a pooled sentence embedding."""

    def __init__(self, dim: int, n_classes: int, *, dropout: float = 0.1) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(dim, n_classes)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(pooled))
