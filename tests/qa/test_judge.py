"""LLM-judged faithfulness on tiny random-weight judges: scores are probabilities, one per row, deterministic;
the judge must be a model of another family than the generator; a QA run reports faithfulness only with a
judge. Random weights make the numbers meaningless, so properties are asserted, not values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.errors import InputError
from harness.measure.judge import Judge, check_judge_family, validate_models
from harness.spec import DecisionSpec

WORDS = ["yes", "no", "answer", "context", "question", "price", "weight", "kg", "the", "is", "reply", "can"]


def _tiny_lm(out: Path, arch: str, *, max_positions: int = 512) -> Path:
    """A 1-layer causal LM with random weights and a word-level tokenizer that knows "yes" and "no"."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    vocab = {t: i for i, t in enumerate(["[UNK]", "[PAD]", "[EOS]", *WORDS, ":", "?", ".", "$"])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]"
    )
    ids = {"eos_token_id": vocab["[EOS]"], "pad_token_id": vocab["[PAD]"], "bos_token_id": vocab["[EOS]"]}
    torch.manual_seed(1)
    if arch == "gpt2":
        config = GPT2Config(
            vocab_size=len(vocab), n_layer=1, n_head=2, n_embd=16, n_positions=max_positions, **ids
        )
        model = GPT2LMHeadModel(config)
    else:
        config = LlamaConfig(
            vocab_size=len(vocab),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=max_positions,
            **ids,
        )
        model = LlamaForCausalLM(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def llama_judge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_lm(tmp_path_factory.mktemp("judge") / "llama", "llama", max_positions=64)


@pytest.fixture(scope="module")
def gpt2_judge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 64 learned positions: an untruncated long context would be an index error, not a silent pass
    return _tiny_lm(tmp_path_factory.mktemp("judge") / "gpt2", "gpt2", max_positions=64)


ROWS = (
    ["what is the price ?", "how heavy ?", "what weight ?", "price ?", "is it ?"],
    ["$ 12", "2 kg", "no", "", "yes"],
    ["the price is $ 12 .", "the weight is 2 kg .", "", "price " * 400, "context"],  # row 4: over 64 tokens
)


@pytest.mark.parametrize("fixture", ["llama_judge_dir", "gpt2_judge_dir"])
def test_scores_are_deterministic_probabilities(fixture: str, request: pytest.FixtureRequest) -> None:
    judge = Judge(request.getfixturevalue(fixture), device="cpu")
    judge.batch_rows = 2  # rows of different lengths share a padded batch
    scores = judge.faithfulness(*ROWS)
    assert scores.shape == (5,) and np.all((scores >= 0) & (scores <= 1))
    np.testing.assert_array_equal(scores, judge.faithfulness(*ROWS))
    judge.batch_rows = 1  # right padding: a row's score does not depend on its batch neighbours
    np.testing.assert_allclose(scores, judge.faithfulness(*ROWS), atol=1e-5)
    assert len(judge.faithfulness([], [], [])) == 0


def test_judge_needs_yes_and_no_tokens(tiny_generator_dir: Path) -> None:
    with pytest.raises(InputError, match="cannot tell ' yes' from ' no'"):
        Judge(tiny_generator_dir, device="cpu")  # its word-level vocabulary has neither word


def test_same_family_is_refused(
    gpt2_judge_dir: Path, llama_judge_dir: Path, tiny_generator_dir: Path
) -> None:
    with pytest.raises(InputError) as err:
        check_judge_family(gpt2_judge_dir, tiny_generator_dir)
    assert str(err.value) == (
        "judge and generator are the same model family (gpt2): a model grading itself is biased"
        " — fix: point [models] judge_path at a model of another family"
    )
    check_judge_family(llama_judge_dir, tiny_generator_dir)  # another family: fine


def test_judge_that_is_not_a_model(tmp_path: Path, tiny_generator_dir: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(
        InputError, match=r"^models\.judge_path: .* is not a model folder \(no config\.json\)"
    ):
        check_judge_family(tmp_path, tiny_generator_dir)


def _with_models(spec: DecisionSpec, **models: Any) -> DecisionSpec:
    return spec.model_copy(update={"models": spec.models.model_copy(update=models)})


def test_validate_models(qa_spec: DecisionSpec, tmp_path: Path, llama_judge_dir: Path) -> None:
    validate_models(qa_spec)  # no judge: nothing to check
    validate_models(_with_models(qa_spec, judge_path=str(llama_judge_dir)))
    with pytest.raises(InputError, match=r"models\.judge_path: .* not found"):
        validate_models(_with_models(qa_spec, judge_path=str(tmp_path / "missing")))
    with pytest.raises(InputError, match="'faithfulness' needs a local judge"):
        validate_models(qa_spec.model_copy(update={"metric": "faithfulness"}))


def _measure(candidate: Any, test: Any, spec: DecisionSpec) -> Any:
    from harness.measure.measurement import measure_candidate

    return measure_candidate(
        candidate,
        test,
        metric="exact_match",
        spec=spec,
        seed=0,
        n_boot=200,
        n_latency_calls=5,
        latency_max_s=0.5,
        throughput_batch_rows=8,
        throughput_min_s=0.05,
    )


def test_measure_candidate_reports_faithfulness_only_with_a_judge(
    qa_splits: Any, qa_spec: DecisionSpec, llama_judge_dir: Path, tiny_generator_dir: Path
) -> None:
    from harness.candidates.bm25 import BM25Candidate

    _, _, splits = qa_splits
    model = BM25Candidate.from_spec(qa_spec).fit(splits.train, splits.dev)
    without = _measure(model, splits.test, qa_spec)
    assert "faithfulness" not in without.metrics
    judged = _with_models(qa_spec, judge_path=str(llama_judge_dir), generator_path=str(tiny_generator_dir))
    m = _measure(model, splits.test, judged).metrics
    f = m["faithfulness"]
    assert 0 <= f.ci_low <= f.value <= f.ci_high <= 1
    assert m["exact_match"].value == without.metrics["exact_match"].value  # other metrics untouched


def test_closed_book_gets_no_faithfulness(
    qa_splits: Any, qa_spec: DecisionSpec, llama_judge_dir: Path
) -> None:
    from harness.dataset import Predictions
    from harness.measure.judge import with_faithfulness

    _, _, splits = qa_splits
    preds = Predictions(extra={"answers": ["x"] * len(splits.test)})  # no "retrieved": nothing was read
    spec = _with_models(qa_spec, judge_path=str(llama_judge_dir))
    out, metrics = with_faithfulness(preds, splits.test, spec, ["exact_match"])
    assert out is preds and metrics == ["exact_match"]
