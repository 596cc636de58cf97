"""Fine-tuned bi-encoder: adapt the sentence encoder to this corpus's questions, then serve it as RAG does.

Training pairs are (question, gold fact chunk) from the training split — the chunk of the gold document
whose line holds the answer, as RAG indexes it; the loss is sentence-transformers'
`MultipleNegativesRankingLoss` (the other chunks of a batch are the negatives). A plain torch loop instead
of `SentenceTransformerTrainer`: the trainer goes through `datasets.Dataset.from_dict`, which raises
PicklingError with datasets 5.2 + pyarrow 26 here, and transformers 5 refuses its `warmup_ratio`. Batches
never hold one chunk twice, so no positive is also used as a negative.

Serving is the RAG path (`DenseReader`) with the fine-tuned encoder, exported like the base encoder. Its
weakness is the point of the comparison: what it learned is tied to the documents it saw; the
unseen-document slice of the test split shows whether it still generalises."""

from __future__ import annotations

import copy
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._qa import QACandidate, folder_size_bytes
from harness.candidates.progress import EpochProgress
from harness.dataset import Predictions, Split
from harness.errors import InputError
from harness.text.passages import answer_in, answer_lines
from harness.types import Family


class FineTunedBiEncoderCandidate(QACandidate):
    name: ClassVar[str] = "finetune-biencoder"
    family: ClassVar[Family] = Family.FINETUNE
    skills: ClassVar[tuple[str, ...]] = ("pytorch", "sentence_transformers", "faiss")
    complexity: ClassVar[int] = 4
    conformance_slow: ClassVar[bool] = True

    def __init__(
        self,
        *,
        epochs: int = 1,
        batch_size: int = 32,
        learning_rate: float = 3e-5,
        warmup_fraction: float = 0.1,
        max_seq_length: int = 64,
        max_train_pairs: int | None = None,
        serving_backend: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warmup_fraction = warmup_fraction
        self.max_seq_length = max_seq_length
        self.max_train_pairs = max_train_pairs
        self.serving_backend = serving_backend

    # long: one training loop read top to bottom (pairs, epochs of batches, dev recall@1, budget, re-index)
    def fit(self, train: Split, dev: Split) -> Self:
        import torch
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

        from harness.candidates.rag import DenseReader
        from harness.text.encoder import load_sentence_encoder

        corpus = self._start_fit(train)
        questions, docs, self.unsupported_pairs_ = _training_pairs(train, corpus)
        rng = np.random.default_rng(self.seed)
        if self.max_train_pairs is not None and len(questions) > self.max_train_pairs:
            keep = np.sort(rng.choice(len(questions), self.max_train_pairs, replace=False))
            questions, docs = [questions[i] for i in keep], [docs[i] for i in keep]
        torch.manual_seed(self.seed)
        self._tick(0.0, "loading the encoder")
        # a private copy: the loader caches one shared instance per path that other candidates use unchanged
        model = copy.deepcopy(load_sentence_encoder(self.encoder_path, self.device))
        model.max_seq_length = self.max_seq_length
        loss_fn = MultipleNegativesRankingLoss(model)
        epochs = [_unique_doc_batches(docs, self.batch_size, rng) for _ in range(self.epochs)]
        batches = [b for epoch_batches in epochs for b in epoch_batches]
        if not batches:
            raise InputError(
                "no training pairs", where=self.name, fix="add QA pairs with a supporting document"
            )
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate)
        warmup = max(1, round(self.warmup_fraction * len(batches)))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (len(batches) - step) / len(batches)),
        )
        started = time.perf_counter()
        encode_input = (
            getattr(model, "preprocess", None) or model.tokenize
        )  # `tokenize` is deprecated in ST 6
        dev_questions, dev_docs, _ = _training_pairs(dev, corpus) if len(dev) else ([], [], 0)
        progress = EpochProgress(
            self._tick,
            self._check,
            epochs=self.epochs,
            steps_per_epoch=[len(b) for b in epochs],
            start=0.02,
            end=0.8,
            evaluates=bool(dev_questions),
        )
        progress.begin()
        model.train()
        losses = []
        self.history_: list[dict[str, float]] = []
        for epoch, epoch_batches in enumerate(epochs, start=1):
            running = 0.0
            for step, rows in enumerate(epoch_batches, start=1):
                features = [
                    _to(encode_input([questions[i] for i in rows]), model.device),
                    _to(encode_input([docs[i] for i in rows]), model.device),
                ]
                loss = loss_fn(features, None)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                losses.append(float(loss.detach()))
                running += losses[-1]
                progress.step(epoch, step, running / step)
            record = {"epoch": epoch, "train_loss": round(running / max(1, len(epoch_batches)), 4)}
            if dev_questions:
                t_dev = time.perf_counter()
                record["dev_recall_at_1"] = _dev_recall_at_1(model, dev_questions, dev_docs)
                said = f"dev recall@1 {record['dev_recall_at_1']:.4f} among {len(set(dev_docs)):,} dev chunks"
                progress.evaluated(epoch, time.perf_counter() - t_dev, said)
            self.history_.append(record)
        model.eval()
        self.train_seconds_ = time.perf_counter() - started
        self.model_dir_ = tempfile.mkdtemp(prefix="archbench-biencoder-")
        weakref.finalize(self, shutil.rmtree, self.model_dir_, ignore_errors=True)
        model.save(self.model_dir_)
        del model, optimizer, loss_fn
        self._tick(0.85, "indexing with the fine-tuned encoder")
        # A fine-tuned model is new every run: its ONNX export lives (and dies) with the model's temp folder
        # instead of piling up ~100 MB per run in the shared export cache, and is not kept in the shared pool.
        from harness.text.encoder import FastEncoder

        encoder = FastEncoder(
            self.model_dir_,
            backend=self.serving_backend,  # type: ignore[arg-type]
            device=self.device,
            cache_dir=Path(self.model_dir_) / "onnx-export",
        )
        self.reader_ = DenseReader(encoder, corpus, seed=self.seed)
        self.train_pairs_ = len(questions)
        self.steps_ = len(batches)
        self.loss_first_last_ = (
            round(losses[0], 4),
            round(float(np.mean(losses[-max(1, len(losses) // 5) :])), 4),
        )
        self._tick(1.0, "fine-tuned")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        questions = self._questions(batch)
        if not questions:
            return Predictions(extra={"answers": [], "retrieved": []})
        reader = self.reader_
        retrieved, answers = reader.search(questions, self.top_k)
        return Predictions(extra={"answers": answers, "retrieved": retrieved})

    def __getstate__(self) -> dict[str, Any]:
        """Sent between processes (a worker, a Ray node) with the files of its fine-tuned model instead of
        the path of a temporary folder that only the training process has: the receiving process unpacks
        them into its own folder and serves from there."""
        state = self.__dict__.copy()
        reader = state.get("reader_")
        if reader is not None:
            folder = Path(self.model_dir_)
            state["_model_files"] = {
                f.relative_to(folder).as_posix(): f.read_bytes() for f in folder.rglob("*") if f.is_file()
            }
            state["_encoder_backend"] = reader.encoder.backend
            detached = copy.copy(reader)
            detached.encoder = None  # rebuilt from the unpacked files
            state["reader_"] = detached
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        files = state.pop("_model_files", None)
        backend = state.pop("_encoder_backend", None)
        self.__dict__.update(state)
        if files is None:
            return
        from harness.text.encoder import FastEncoder

        self.model_dir_ = tempfile.mkdtemp(prefix="archbench-biencoder-")
        weakref.finalize(self, shutil.rmtree, self.model_dir_, ignore_errors=True)
        for name, blob in files.items():
            path = Path(self.model_dir_) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        self.reader_.encoder = FastEncoder(
            self.model_dir_,
            backend=backend or self.serving_backend,  # type: ignore[arg-type]
            device=self.device,
            cache_dir=Path(self.model_dir_) / "onnx-export",
        )

    def size_bytes(self) -> int:
        return self.reader_.size_bytes()

    def details(self) -> dict[str, Any]:
        from harness.text.encoder import resolve_model_path

        base = resolve_model_path(self.encoder_path)
        base_name = base.name if base.name != "model" else base.parent.name
        return {
            **self.reader_.details(),
            "encoder": f"{base_name}, fine-tuned",  # stable, unlike the temp folder name
            "fine_tuned_model_bytes": folder_size_bytes(self.model_dir_),
            "train_pairs": self.train_pairs_,
            "train_pairs_without_supporting_line": self.unsupported_pairs_,
            "steps": self.steps_,
            "epochs": self.epochs,
            "history": self.history_,
            "loss_first_last": list(self.loss_first_last_),
            "fine_tune_seconds": round(self.train_seconds_, 2),
            "reader": "extractive fact line",
            "top_k": self.top_k,
        }


def _dev_recall_at_1(model: Any, questions: list[str], chunks: list[str], max_pairs: int = 256) -> float:
    """Share of dev questions whose nearest chunk, among the distinct chunks of the dev pairs, is their own:
    the score the training loss stands for, cheap enough to take after every epoch."""
    import torch

    questions, chunks = questions[:max_pairs], chunks[:max_pairs]
    distinct = list(dict.fromkeys(chunks))
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        q = model.encode(questions, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        c = model.encode(distinct, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    model.train(was_training)
    gold = np.array([distinct.index(chunk) for chunk in chunks])
    return round(float(np.mean((q @ c.T).argmax(axis=1) == gold)), 4)


def _to(features: dict[str, Any], device: Any) -> dict[str, Any]:
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}


def _training_pairs(train: Split, corpus: Any) -> tuple[list[str], list[str], int]:
    """(question, positive chunk) pairs — the chunk (title + fact line) of the gold document whose line
    holds the answer — and how many pairs had no such line (wrong teacher answers are left out this way)."""
    from harness.candidates.rag import chunk_text

    questions = train.X.get_column(train.task.feature_columns[0]).cast(pl.String).fill_null("").to_list()
    gold = train.extra.get("doc_ids")
    out_q, out_c, unsupported = [], [], 0
    for i, question in enumerate(questions):
        doc_ids = [str(gold[i])] if gold is not None else list(corpus.ids)
        chunk = None
        for doc_id in doc_ids:
            text = corpus.text(doc_id)
            line = next((ln for ln in answer_lines(text) if answer_in(str(train.y[i]), ln)), None)
            if line is not None:
                chunk = chunk_text(text, doc_id, line)
                break
        if chunk is None:
            unsupported += 1
        elif question.strip():
            out_q.append(question)
            out_c.append(chunk)
    return out_q, out_c, unsupported


def _unique_doc_batches(docs: list[str], batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches in which no document appears twice (in-batch negatives must be true negatives)."""
    order = rng.permutation(len(docs))
    batches: list[list[int]] = []
    open_batches: list[tuple[list[int], set[str]]] = []
    for i in order:
        for rows, seen in open_batches:
            if docs[i] not in seen and len(rows) < batch_size:
                rows.append(int(i))
                seen.add(docs[i])
                break
        else:
            open_batches.append(([int(i)], {docs[i]}))
        full = [b for b in open_batches if len(b[0]) >= batch_size]
        batches += [b[0] for b in full]
        open_batches = [b for b in open_batches if len(b[0]) < batch_size]
    batches += [rows for rows, _ in open_batches if len(rows) >= 2]
    return batches
