"""A local causal language model behind one small interface: load offline, prompt, greedy-decode, first line.

Used by prompt-only (closed book), RAG with a generator (open book) and LoRA (fine-tuned, closed book).
The model is always a local folder saved with `save_pretrained` (`[models] generator_path`); nothing is
downloaded. Greedy decoding keeps the answers deterministic, so runs are reproducible and candidates
comparable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import InputError
from harness.text.device import quiet_progress_bars, resolve_device, set_offline_env

DEFAULT_MAX_NEW_TOKENS = 24
DEFAULT_MAX_PROMPT_TOKENS = 768

CLOSED_BOOK_PROMPT = "Answer the question with the exact value only.\nQuestion: {question}\nAnswer:"
OPEN_BOOK_PROMPT = (
    "Answer the question with the exact value from the context only.\nContext:\n{context}\n"
    "Question: {question}\nAnswer:"
)


def closed_book_prompt(question: str) -> str:
    return CLOSED_BOOK_PROMPT.format(question=question.strip())


def open_book_prompt(question: str, context: str) -> str:
    return OPEN_BOOK_PROMPT.format(question=question.strip(), context=context.strip())


def load_causal_lm(
    path: str | Path, device: str | None = "auto", *, where: str = "models.generator_path"
) -> tuple:
    """(tokenizer, model, device) from a local folder; a folder that is no causal LM is an `InputError`."""
    set_offline_env()
    quiet_progress_bars()
    from harness.text.encoder import resolve_model_path

    folder = resolve_model_path(path, where=where)
    dev = resolve_device(device)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(
            f"{str(folder)!r} is not a causal language model ({type(exc).__name__}: {str(exc)[:120]})",
            where=where,
            fix="point it at a local causal LM folder (e.g. a GPT-2, Llama or Qwen checkpoint)",
        ) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    tokenizer.padding_side = "left"  # decoder-only: pad on the left so generation continues the prompt
    # transformers wraps `to` in functools.wraps(Module.to), which mypy reads as an unbound call
    model.to(dev).eval()  # type: ignore[arg-type]
    return tokenizer, model, dev


class Generator:
    """Greedy generation from a local causal LM; `generate(prompts)` → the first line of each continuation."""

    def __init__(
        self,
        path: str | Path,
        *,
        device: str | None = "auto",
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS,
    ) -> None:
        self.path = Path(path)
        self.tokenizer, self.model, self.device = load_causal_lm(path, device)
        self.max_new_tokens = max_new_tokens
        self.max_prompt_tokens = max_prompt_tokens

    def generate(self, prompts: Sequence[str]) -> list[str]:
        import torch

        if not prompts:
            return []
        tok = self.tokenizer
        enc = tok(
            list(prompts),
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.max_prompt_tokens,
        ).to(self.device)
        with torch.inference_mode():
            out = self.model.generate(
                **enc,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id,
                eos_token_id=tok.eos_token_id,
            )
        new_tokens = out[:, enc["input_ids"].shape[1] :]
        texts = tok.batch_decode(new_tokens, skip_special_tokens=True)
        return [first_line(t) for t in texts]

    def size_bytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.model.parameters())

    def details(self) -> dict[str, Any]:
        cfg = self.model.config
        return {
            "generator": self.path.name,
            "generator_family": getattr(cfg, "model_type", "?"),
            "generator_parameters": int(sum(p.numel() for p in self.model.parameters())),
            "generator_device": self.device,
            "max_new_tokens": self.max_new_tokens,
        }


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""
