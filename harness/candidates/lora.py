"""LoRA: fine-tune low-rank adapters of the local generator on the training QA pairs, then answer closed
book.

The classic "teach the model the facts" option. It needs a GPU to be practical (`requires_gpu = True`: the
runner does not run it on a CPU machine and the gate records why). By construction it cannot know facts
that reached the corpus after training — the unseen-document test slice measures exactly that — and it
learns the wrong teacher answers along with the right ones."""

from __future__ import annotations

import time
from typing import Any, ClassVar, Self

import numpy as np

from harness.candidates.progress import EpochProgress
from harness.candidates.prompt_only import PromptOnlyCandidate
from harness.dataset import Split
from harness.types import Family


class LoRACandidate(PromptOnlyCandidate):
    """Closed book like prompt-only (its serving path is inherited), plus LoRA adapters trained on the Q/A."""

    name: ClassVar[str] = "lora-generator"
    family: ClassVar[Family] = Family.FINETUNE
    skills: ClassVar[tuple[str, ...]] = ("pytorch", "transformers")
    complexity: ClassVar[int] = 5
    requires_gpu: ClassVar[bool] = True
    needs_generator: ClassVar[bool] = True
    conformance_slow: ClassVar[bool] = True

    def __init__(
        self,
        *,
        epochs: int = 3,
        batch_size: int = 8,
        learning_rate: float = 2e-4,
        rank: int = 8,
        alpha: int = 16,
        max_length: int = 96,
        max_dev_examples: int = 128,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.rank = rank
        self.alpha = alpha
        self.max_length = max_length
        self.max_dev_examples = max_dev_examples

    # long: one training loop read top to bottom (adapter, epochs of batches, dev answer loss, budget)
    def fit(self, train: Split, dev: Split) -> Self:
        import torch
        from peft import LoraConfig, get_peft_model

        from harness.text.generate import Generator, closed_book_prompt

        self._start_fit(train)
        assert self.generator_path is not None, "LoRA needs models.generator_path"
        torch.manual_seed(self.seed)
        self._tick(0.0, "loading the generator")
        gen = Generator(self.generator_path, device=self.device)
        tok = gen.tokenizer
        config = LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha,
            lora_dropout=0.0,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(gen.model, config)
        questions = self._questions(train.X)
        texts = [
            f"{closed_book_prompt(q)} {a}{tok.eos_token or ''}"
            for q, a in zip(questions, train.y, strict=True)
        ]
        prompt_lengths = [len(tok(closed_book_prompt(q))["input_ids"]) for q in questions]
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=self.learning_rate
        )
        rng = np.random.default_rng(self.seed)
        steps_per_epoch = int(np.ceil(len(texts) / self.batch_size))
        step = 0
        started = time.perf_counter()
        model.train()
        tok.padding_side = "right"

        def batch_loss(rows: Any, texts: list[str], prompt_lengths: list[int]) -> Any:
            enc = tok(
                [texts[i] for i in rows],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.max_length,
            ).to(gen.device)
            labels = enc["input_ids"].clone()
            labels[enc["attention_mask"] == 0] = -100
            for j, i in enumerate(rows):  # learn the answer, not the prompt
                labels[j, : prompt_lengths[i]] = -100
            return model(**enc, labels=labels).loss

        dev_questions = self._questions(dev.X)[: self.max_dev_examples] if len(dev) else []
        dev_texts = [
            f"{closed_book_prompt(q)} {a}{tok.eos_token or ''}"
            for q, a in zip(dev_questions, dev.y[: len(dev_questions)], strict=True)
        ]
        dev_prompt_lengths = [len(tok(closed_book_prompt(q))["input_ids"]) for q in dev_questions]
        progress = EpochProgress(
            self._tick,
            self._check,
            epochs=self.epochs,
            steps_per_epoch=steps_per_epoch,
            start=0.02,
            end=1.0,
            evaluates=bool(dev_texts),
        )
        progress.begin()
        self.history_: list[dict[str, float]] = []
        for epoch in range(1, self.epochs + 1):
            order = rng.permutation(len(texts))
            running = 0.0
            for b, start in enumerate(range(0, len(order), self.batch_size), start=1):
                loss = batch_loss(order[start : start + self.batch_size], texts, prompt_lengths)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                step += 1
                running += float(loss.detach())
                progress.step(epoch, b, running / b)
            record = {"epoch": epoch, "train_loss": round(running / steps_per_epoch, 4)}
            if dev_texts:  # the answer tokens' loss on dev questions, teacher-forced
                t_dev = time.perf_counter()
                model.eval()
                with torch.inference_mode():
                    dev_losses = [
                        float(
                            batch_loss(
                                range(i, min(i + self.batch_size, len(dev_texts))),
                                dev_texts,
                                dev_prompt_lengths,
                            )
                        )
                        for i in range(0, len(dev_texts), self.batch_size)
                    ]
                model.train()
                record["dev_loss"] = round(float(np.mean(dev_losses)), 4)
                progress.evaluated(
                    epoch, time.perf_counter() - t_dev, f"dev answer loss {record['dev_loss']:.4f}"
                )
            self.history_.append(record)
        tok.padding_side = "left"
        model.eval()
        self.train_seconds_ = time.perf_counter() - started
        self.adapter_bytes_ = int(
            sum(p.numel() * p.element_size() for n, p in model.named_parameters() if "lora_" in n)
        )
        gen.model = model
        self.generator_ = gen
        self.steps_ = step
        return self

    def details(self) -> dict[str, Any]:
        return {
            **self.generator_.details(),
            "lora_rank": self.rank,
            "lora_adapter_bytes": self.adapter_bytes_,
            "steps": self.steps_,
            "history": self.history_,
            "fine_tune_seconds": round(self.train_seconds_, 2),
            "retrieval": "none (closed book)",
        }
