"""Fine-tuning: the sentence encoder itself (MiniLM by default) + a linear head, trained end to end.

The "fine-tune" answer to "fine-tune or RAG?": the most accurate family when labelled data is plentiful, and
the most expensive to train and to re-train when labels change. A plain torch loop (AdamW, linear warmup then
decay by steps, dynamic padding to `max_seq_length`, early stopping on dev accuracy) — no
`Trainer`/`datasets`, so no version traps. Serving uses the same ONNX route as the embedding candidates: the
fine-tuned encoder + head are exported to one ONNX graph and int8-quantised; int8 is kept only if it costs
at most `max_int8_dev_drop` dev accuracy (else fp32 ONNX), and the choice is recorded in `details()`.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates.progress import EpochProgress
from harness.candidates.text_base import TextClassifier, softmax
from harness.dataset import Predictions, Split
from harness.errors import CandidateTimeout, InputError
from harness.types import Family


class FineTunedClassifier(TextClassifier):
    """Encoder + mean pooling + dropout/linear head, fine-tuned with cross-entropy."""

    name: ClassVar[str] = "finetune-minilm"
    family: ClassVar[Family] = Family.FINETUNE
    skills: ClassVar[tuple[str, ...]] = ("pytorch", "transformers")
    complexity: ClassVar[int] = 5
    conformance_slow: ClassVar[bool] = True

    def __init__(
        self,
        *,
        seed: int = 0,
        encoder_path: str | None = None,
        device: str | None = "auto",
        max_seq_length: int = 48,
        epochs: int = 3,
        batch_size: int = 32,
        learning_rate: float = 1e-4,
        head_learning_rate: float = 2e-3,
        weight_decay: float = 0.01,
        warmup_fraction: float = 0.1,
        patience: int = 1,
        max_train_examples: int | None = None,
        serve_backend: str = "auto",
        max_int8_dev_drop: float = 0.01,
    ) -> None:
        super().__init__(seed=seed)
        if serve_backend not in ("auto", "onnx-int8", "onnx", "torch"):
            raise InputError(
                f"unknown serve_backend {serve_backend!r}",
                where=f"candidate {self.name}",
                fix="auto, onnx-int8, onnx or torch",
            )
        if epochs < 1 or batch_size < 1:
            raise InputError(
                "epochs and batch_size must be ≥ 1", where=f"candidate {self.name}", fix="raise them"
            )
        self.encoder_path = encoder_path
        self.device = device
        self.max_seq_length = max_seq_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.patience = patience
        self.max_train_examples = max_train_examples
        self.serve_backend = serve_backend
        self.max_int8_dev_drop = max_int8_dev_drop

    # ---- training ------------------------------------------------------------------------------------------
    # long: one training loop read top to bottom (tokenise, epochs of batches, dev accuracy, budget, serving)
    def fit(self, train: Split, dev: Split) -> Self:
        import torch

        from harness.text.device import cpu_threads, resolve_device
        from harness.text.encoder import pooling_mode, resolve_model_path
        from harness.text.onnx import TextTokenizer, load_hf_encoder
        from harness.text.pooling import ClassifierHead, PooledEncoder

        texts, y, dev_texts, dev_y = self._start_fit(train, dev)
        rng = np.random.default_rng(self.seed)
        if self.max_train_examples and len(texts) > self.max_train_examples:
            keep = np.sort(rng.choice(len(texts), size=self.max_train_examples, replace=False))
            texts, y = [texts[i] for i in keep], y[keep]
            if len(np.unique(y)) < 2:
                raise InputError(
                    f"max_train_examples={self.max_train_examples} left one class",
                    where=self._where,
                    fix="raise it",
                )
        self.train_rows_ = len(texts)
        self._tick(0.0, "loading the encoder")
        self.model_path_ = resolve_model_path(self.encoder_path)
        self.device_ = resolve_device(self.device)
        if self.device_ == "cpu":
            torch.set_num_threads(cpu_threads())
        torch.manual_seed(self.seed)
        self.tokenizer_ = TextTokenizer(self.model_path_, max_seq_length=self.max_seq_length)
        encoder = load_hf_encoder(self.model_path_)
        dim = int(encoder.config.hidden_size)
        head = ClassifierHead(dim, self.n_classes_)
        model = PooledEncoder(encoder, pooling=pooling_mode(self.model_path_), head=head)
        model.to(self.device_)

        decay = [
            p for n, p in model.encoder.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n
        ]
        no_decay = [p for n, p in model.encoder.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "lr": self.learning_rate, "weight_decay": self.weight_decay},
                {"params": no_decay, "lr": self.learning_rate, "weight_decay": 0.0},
                {"params": head.parameters(), "lr": self.head_learning_rate, "weight_decay": 0.0},
            ]
        )
        steps_per_epoch = -(-len(texts) // self.batch_size)
        total_steps = steps_per_epoch * self.epochs
        self.warmup_steps_ = int(self.warmup_fraction * total_steps)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, _linear_warmup_decay(self.warmup_steps_, total_steps)
        )

        labels = torch.from_numpy(y)
        lengths = np.array([len(t) for t in texts])
        best_acc, best_state, stale, step = -1.0, None, 0, 0
        self.history_: list[dict[str, float]] = []
        started = time.perf_counter()
        self.stopped_by_budget_: str | None = None
        self.estimated_train_s_: float | None = None
        progress = EpochProgress(
            self._tick,
            self._check,
            epochs=self.epochs,
            steps_per_epoch=steps_per_epoch,
            start=0.02,
            end=0.9,
            evaluates=bool(dev_texts),
        )
        progress.begin()
        try:
            for epoch in range(self.epochs):
                model.train()
                batches = _length_bucketed_batches(lengths, self.batch_size, rng)
                running = 0.0
                for b, idx in enumerate(batches):
                    inputs = self._tensors([texts[i] for i in idx])
                    loss = torch.nn.functional.cross_entropy(model(*inputs), labels[idx].to(self.device_))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    scheduler.step()
                    step += 1
                    running += loss.item()
                    progress.step(epoch + 1, b + 1, running / (b + 1))
                    if step == min(10, total_steps):  # the whole training time, as foreseen early on
                        self.estimated_train_s_ = progress.step_seconds + (progress.seconds_left() or 0.0)
                record = {"epoch": epoch + 1, "train_loss": running / steps_per_epoch}
                if dev_texts:
                    t_dev = time.perf_counter()
                    acc = float(np.mean(self._torch_logits(model, dev_texts).argmax(1) == dev_y))
                    record["dev_accuracy"] = acc
                    progress.evaluated(epoch + 1, time.perf_counter() - t_dev, f"dev accuracy {acc:.4f}")
                    if acc > best_acc:
                        best_acc, stale = acc, 0
                        best_state = {
                            k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                        }
                    else:
                        stale += 1
                self.history_.append(record)
                if dev_texts and stale > self.patience - 1 and epoch + 1 < self.epochs:
                    progress.stopped_early(
                        epoch + 1, f"dev accuracy did not improve for {stale} epoch(s); the best was kept"
                    )
                    break
        except CandidateTimeout:
            # The budget ran out mid-training: keep the best epoch so far rather than discard a usable model.
            if best_state is None:
                raise
            self.stopped_by_budget_ = (
                f"stopped by the time budget after {len(self.history_)} of {self.epochs} epoch(s); "
                "the best dev epoch was kept"
            )
        # Training is over: export and quantisation must not be cut short by the budget, or a model that
        # finished training would be thrown away for serving preparation.
        self.hooks = dataclasses.replace(self.hooks, deadline=None)
        self.train_seconds_ = time.perf_counter() - started
        self.samples_per_s_ = step * self.batch_size / max(self.train_seconds_, 1e-9)
        if best_state is not None:
            model.load_state_dict(best_state)
        model.to("cpu").eval()
        self.dev_accuracy_ = best_acc if best_acc >= 0 else None
        self._tick(0.92, "preparing the serving model")
        self._prepare_serving(model, dev_texts, dev_y)
        self._tick(1.0, "done")
        return self

    def _tensors(self, texts: list[str]) -> list[Any]:
        import torch

        feeds = self.tokenizer_(texts)
        return [torch.from_numpy(feeds[n]).to(self.device_) for n in self.tokenizer_.input_names]

    def _torch_logits(self, model: Any, texts: list[str], batch_size: int = 128) -> np.ndarray:
        import torch

        was_training = model.training
        model.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                out.append(model(*self._tensors(texts[start : start + batch_size])).float().cpu().numpy())
        model.train(was_training)
        return np.concatenate(out) if out else np.zeros((0, self.n_classes_), dtype=np.float32)

    # ---- serving -------------------------------------------------------------------------------------------
    def _prepare_serving(self, model: Any, dev_texts: list[str], dev_y: np.ndarray) -> None:
        from harness.text.encoder import cache_root
        from harness.text.onnx import export_onnx, onnx_session, quantize_onnx_int8

        self.serving_note_: str | None = None
        self._session = None
        self._model = None
        wanted = self.serve_backend
        if wanted == "auto":
            wanted = "onnx-int8" if self.device_ == "cpu" else "torch"
        if wanted.startswith("onnx"):
            root = cache_root() / "finetuned"
            root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=root))
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(folder), True)
            try:
                fp32 = folder / "model.onnx"
                export_onnx(model, self.tokenizer_.input_names, fp32, output_name="logits")
                self.onnx_path_: Path | None = fp32
                if wanted == "onnx-int8":
                    int8 = folder / "model.int8.onnx"
                    quantize_onnx_int8(fp32, int8)
                    self._session, self.serving_backend_, self.onnx_path_ = (
                        onnx_session(int8),
                        "onnx-int8",
                        int8,
                    )
                    if dev_texts and self.dev_accuracy_ is not None:
                        int8_acc = float(np.mean(self._logits(dev_texts).argmax(1) == dev_y))
                        self.int8_dev_accuracy_ = int8_acc
                        if self.dev_accuracy_ - int8_acc > self.max_int8_dev_drop:
                            self.serving_note_ = (
                                f"int8 lost {self.dev_accuracy_ - int8_acc:.3f} dev accuracy; serving fp32"
                            )
                            wanted = "onnx"
                if wanted == "onnx":
                    self._session, self.serving_backend_, self.onnx_path_ = onnx_session(fp32), "onnx", fp32
                self.tokenizer_.save(folder)
                return
            except Exception as exc:  # export impossible for this architecture: serve in torch
                self.serving_note_ = f"ONNX export failed ({type(exc).__name__}); serving with torch"
                self._session = None
        self._model = model.to(self.device_).eval()
        self.serving_backend_ = "torch"
        self.onnx_path_ = None

    def __getstate__(self) -> dict[str, Any]:
        """Sent between processes (a worker, a Ray node) with the bytes of its ONNX file instead of its
        session and temporary folder: the receiving process writes them to its own cache and serves from
        there, so a fine-tune trained on a GPU node is timed and served on the driver."""
        state = self.__dict__.copy()
        state.pop("_cleanup", None)
        if state.pop("_session", None) is not None and self.onnx_path_ is not None:
            state["_onnx_bytes"] = self.onnx_path_.read_bytes()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        blob = state.pop("_onnx_bytes", None)
        self.__dict__.update(state)
        self._session = None
        if blob is None or self.onnx_path_ is None:
            return
        from harness.text.encoder import cache_root
        from harness.text.onnx import onnx_session

        root = cache_root() / "finetuned"
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir=root))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(folder), True)
        path = folder / self.onnx_path_.name
        path.write_bytes(blob)
        self.onnx_path_ = path
        self._session = onnx_session(path)

    def _logits(self, texts: list[str]) -> np.ndarray:
        if self._session is None:
            return self._torch_logits(self._model, texts)
        # int8: one text per call so a prediction never depends on its batch-mates (see encoder.FastEncoder)
        step = 1 if self.serving_backend_ == "onnx-int8" else 64
        out = [
            self._session.run(None, self.tokenizer_(texts[i : i + step]))[0]
            for i in range(0, len(texts), step)
        ]
        return np.concatenate(out) if out else np.zeros((0, self.n_classes_), dtype=np.float32)

    def predict(self, batch: pl.DataFrame) -> Predictions:
        proba = softmax(self._logits(self._texts(batch)))
        return Predictions(labels=proba.argmax(axis=1), proba=proba)

    def size_bytes(self) -> int:
        if self.onnx_path_ is not None:
            return int(self.onnx_path_.stat().st_size)
        assert self._model is not None  # no ONNX file: served by the torch model
        return int(sum(p.numel() * p.element_size() for p in self._model.state_dict().values()))

    def details(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            **self._fit_details(),
            "encoder": self.model_path_.name
            if self.model_path_.name != "model"
            else self.model_path_.parent.name,
            "device": self.device_,
            "train_rows": self.train_rows_,
            "max_seq_length": self.max_seq_length,
            "epochs_run": len(self.history_),
            "warmup_steps": self.warmup_steps_,
            "train_samples_per_s": round(self.samples_per_s_, 2),
            "history": self.history_,
            "estimated_train_s": None
            if self.estimated_train_s_ is None
            else round(self.estimated_train_s_, 1),
            "stopped_by_budget": self.stopped_by_budget_,
            "dev_accuracy": None if self.dev_accuracy_ is None else round(self.dev_accuracy_, 4),
            "serving_backend": self.serving_backend_,
        }
        if getattr(self, "int8_dev_accuracy_", None) is not None:
            facts["int8_dev_accuracy"] = round(self.int8_dev_accuracy_, 4)
        if self.serving_note_:
            facts["serving_note"] = self.serving_note_
        return facts


def _length_bucketed_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffled batches of similar-length texts: shuffle, sort within pools of 50 batches, shuffle batches.
    Dynamic padding then pads to ~the batch's own length — faster on short texts, same epoch contents."""
    order = rng.permutation(len(lengths))
    pool = batch_size * 50
    batches: list[np.ndarray] = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _linear_warmup_decay(warmup_steps: int, total_steps: int) -> Any:
    """LR multiplier: 0 → 1 over `warmup_steps`, then linearly to 0 at `total_steps`.
    Warmup is in steps, not a ratio (transformers 5.x rejects `warmup_ratio`)."""

    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor
