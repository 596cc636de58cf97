"""Tiny random-weight language models built from a config (no download), for CPU tests of generator paths."""

from __future__ import annotations

from pathlib import Path


def build_tiny_gpt2(out: Path) -> Path:
    """A 1-layer GPT-2 with random weights and a word-level tokenizer, saved to `out`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = [
        "answer",
        "the",
        "question",
        "with",
        "exact",
        "value",
        "only",
        "from",
        "context",
        "price",
        "weight",
        "warranty",
        "kg",
        "years",
        "how",
        "much",
    ]
    vocab = {
        tok: i for i, tok in enumerate(["[UNK]", "[PAD]", "[EOS]", *sorted(set(words)), ":", "?", ".", "$"])
    }
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]"
    )
    config = GPT2Config(
        vocab_size=len(vocab),
        n_layer=1,
        n_head=2,
        n_embd=16,
        n_positions=512,
        eos_token_id=vocab["[EOS]"],
        pad_token_id=vocab["[PAD]"],
        bos_token_id=vocab["[EOS]"],
    )
    import torch

    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    return out
