"""LLM-judged faithfulness for knowledge QA, scored by a local judge model of another family.

Faithfulness asks: is the candidate's answer supported by the passage it retrieved? A model grading its own
family's output is biased towards it, so the judge must be of another model family than the generator
(`check_judge_family`, run before any training by `validate_models`). The judge is a local causal LM
(`[models] judge_path`), loaded offline with `harness.text.generate.load_causal_lm` — never from a hub.

Prompt (`FAITHFULNESS_PROMPT`): ragas' faithfulness verdict instruction (its `NLIStatementPrompt`: "can be
directly inferred based on the context"), reworded from 1/0 JSON verdicts per extracted statement to one
yes/no verdict per answer. ragas' own metric needs an LLM that writes JSON (claim extraction, then verdicts);
small local judges do not reliably, and importing it pulls in its LLM client stack, so the wording is reused,
not the code.

Score: one forward pass per prompt, then the softmax over the logits of the " yes" and " no" tokens at the
next position, P(yes) / (P(yes) + P(no)). Why not parse generated text: greedy generation turns a 51/49
judgement into a hard 1, fails on any off-format reply, and costs several decoding steps; the two-token
probability is graded, always defined, deterministic (no sampling) and one pass — a calibrated-ish score whose
per-row mean is bootstrapped like every other metric.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from harness.errors import InputError
from harness.measure.scored import MetricFunction, MetricUnavailable, Scored

if TYPE_CHECKING:
    from harness.dataset import Predictions, Split
    from harness.spec import DecisionSpec

WHERE = "models.judge_path"
FAMILY_FIX = "point [models] judge_path at a model of another family"
DEFAULT_BATCH_ROWS = 8
DEFAULT_MAX_JUDGE_TOKENS = 1024  # cap even for long-context judges: CPU cost grows with prompt length
FAITHFULNESS_TOP_DOCS = (
    1  # the open-book generator answers from the top passage only (harness.candidates.rag)
)

FAITHFULNESS_PROMPT = (
    "Your task is to judge the faithfulness of an answer based on a given context. Reply yes if the answer "
    "can be directly inferred based on the context or no if the answer can not be directly inferred based "
    "on the context.\nContext:\n{context}\nQuestion: {question}\nAnswer: {answer}\n"
    "Can the answer be directly inferred from the context? Reply:"
)
_PROBE = "Reply:"  # the yes/no token ids are the tokens that follow it in the prompt's own tokenisation


def faithfulness_prompt(question: str, answer: str, context: str) -> str:
    return FAITHFULNESS_PROMPT.format(
        question=question.strip(), answer=answer.strip(), context=context.strip()
    )


# ---- model family ----
def _config(path: str | Path, where: str) -> dict[str, Any]:
    from harness.text.encoder import resolve_model_path

    folder = resolve_model_path(path, where=where)
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))


def model_family(model_type: str) -> str:
    """The family of a `model_type`: versions and variants folded ("qwen2_moe", "qwen3" → "qwen")."""
    name = model_type.lower()
    name = re.sub(r"(_moe|_text)$", "", name)
    name = re.sub(r"\d+(\.\d+)?$", "", name) or name
    return {"mixtral": "mistral"}.get(name, name)


def check_judge_family(judge_path: str | Path, generator_path: str | Path) -> None:
    """`InputError` when the judge is no model folder, or is of the generator's family (same folded
    `model_type`, or an architecture in common)."""
    judge = _config(judge_path, WHERE)
    generator = _config(generator_path, "models.generator_path")
    types = dict.fromkeys([str(judge["model_type"]), str(generator["model_type"])])
    same_arch = set(judge.get("architectures") or ()) & set(generator.get("architectures") or ())
    if len({model_family(t) for t in types}) == 1 or same_arch:
        shown = " / ".join(types)  # "gpt2", or "qwen2 / qwen3" when versions differ
        raise InputError(
            f"judge and generator are the same model family ({shown}): a model grading itself is biased",
            fix=FAMILY_FIX,
        )


def validate_models(spec: DecisionSpec) -> None:
    """Early checks of `[models]` (call before any training): the judge is a model folder of another family
    than the generator, and a faithfulness-optimised run has a judge."""
    if spec.metric == "faithfulness" and not spec.models.judge_path:
        raise InputError(
            "metric 'faithfulness' needs a local judge model",
            where="metric",
            fix="set [models] judge_path to a causal LM of another family than the generator",
        )
    if not spec.models.judge_path:
        return
    judge = spec.resolve(spec.models.judge_path)
    if spec.models.generator_path:
        check_judge_family(judge, spec.resolve(spec.models.generator_path))
    else:
        _config(judge, WHERE)


# ---- the judge ----
class Judge:
    """A local causal LM that scores yes/no verdicts in one deterministic forward pass per prompt."""

    def __init__(
        self,
        path: str | Path,
        device: str | None = "auto",
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_tokens: int = DEFAULT_MAX_JUDGE_TOKENS,
    ) -> None:
        from harness.text.generate import load_causal_lm

        self.path = Path(path)
        self.tokenizer, self.model, self.device = load_causal_lm(path, device, where=WHERE)
        # right padding: the verdict is read at each row's last real token, so no position ids to shift
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"  # if anything must go, keep the question at the end
        self.batch_rows = batch_rows
        self.max_tokens = min(max_tokens, self._model_max_tokens())
        self.yes_id, self.no_id = self._verdict_token_id(" yes"), self._verdict_token_id(" no")
        if self.yes_id == self.no_id:
            raise InputError(
                f"the judge's tokenizer cannot tell ' yes' from ' no' ({str(self.path)!r})",
                where=WHERE,
                fix="use a judge with a general-purpose tokenizer (e.g. a Llama, Qwen or Phi checkpoint)",
            )

    def _model_max_tokens(self) -> int:
        cfg = self.model.config
        for name in ("max_position_embeddings", "n_positions", "n_ctx"):
            value = getattr(cfg, name, None)
            if isinstance(value, int) and value > 0:
                return value
        return DEFAULT_MAX_JUDGE_TOKENS

    def _verdict_token_id(self, word: str) -> int:
        """The first token `word` adds after the probe, as the judge's tokenizer splits it in context
        (BPE and SentencePiece differ on the leading space)."""
        tok = self.tokenizer
        base = tok(_PROBE, add_special_tokens=False)["input_ids"]
        full = tok(_PROBE + word, add_special_tokens=False)["input_ids"]
        common = 0
        while common < min(len(base), len(full)) and base[common] == full[common]:
            common += 1
        return int(full[common] if common < len(full) else full[-1])

    def _fit(self, question: str, answer: str, context: str) -> str:
        """The prompt, with the context cut (by tokens) so the whole prompt fits the judge."""
        tok = self.tokenizer
        frame = len(tok(faithfulness_prompt(question, answer, ""))["input_ids"])
        budget = max(self.max_tokens - frame - 2, 0)
        ids = tok(context.strip(), add_special_tokens=False)["input_ids"]
        if len(ids) > budget:
            context = tok.decode(ids[:budget], skip_special_tokens=True)
        return faithfulness_prompt(question, answer, context)

    def yes_probability(self, prompts: Sequence[str]) -> np.ndarray:
        """P(" yes") / (P(" yes") + P(" no")) as the next token of each prompt."""
        import torch

        out = np.empty(len(prompts), dtype=np.float64)
        for start in range(0, len(prompts), self.batch_rows):
            batch = list(prompts[start : start + self.batch_rows])
            enc = self.tokenizer(
                batch, return_tensors="pt", padding=True, truncation=True, max_length=self.max_tokens
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**enc).logits
            last = enc["attention_mask"].sum(dim=1) - 1
            rows = logits[torch.arange(len(batch), device=logits.device), last]
            pair = rows[:, [self.yes_id, self.no_id]].float()
            out[start : start + len(batch)] = torch.softmax(pair, dim=-1)[:, 0].cpu().numpy()
        return out

    def faithfulness(
        self, questions: Sequence[str], answers: Sequence[str], contexts: Sequence[str]
    ) -> np.ndarray:
        """Per-row score in [0, 1]: how strongly the judge says the answer follows from its context."""
        if not (len(questions) == len(answers) == len(contexts)):
            raise ValueError(f"{len(questions)} questions, {len(answers)} answers, {len(contexts)} contexts")
        prompts = [
            self._fit(str(q), "" if a is None else str(a), str(c))
            for q, a, c in zip(questions, answers, contexts, strict=True)
        ]
        return self.yes_probability(prompts)


_JUDGES: dict[tuple[str, str], Judge] = {}


def get_judge(path: str | Path, device: str | None = "auto") -> Judge:
    """One loaded judge per (folder, device) per process: every candidate of a run shares it."""
    key = (str(Path(path).resolve()), device or "auto")
    if key not in _JUDGES:
        _JUDGES[key] = Judge(path, device)
    return _JUDGES[key]


# ---- the metric ----
def faithfulness_rows(s: Scored) -> np.ndarray:
    rows = s.extra.get("faithfulness")
    if rows is None:
        raise MetricUnavailable("needs a judge and retrieved passages (extra['faithfulness'])")
    return np.asarray(rows, dtype=np.float64)


FUNCTIONS: dict[str, MetricFunction] = {"faithfulness": MetricFunction.per_row_mean(faithfulness_rows)}


def with_faithfulness(
    preds: Predictions, test: Split, spec: DecisionSpec, metrics: Sequence[str]
) -> tuple[Predictions, list[str]]:
    """`preds` with per-row judge scores in `extra["faithfulness"]` and "faithfulness" added to `metrics`, so
    `score_qa` bootstraps it with the same paired resamples as the other metrics.

    Only for candidates that retrieved: faithfulness is "does the answer follow from what the system read".
    A closed-book candidate read nothing, and judging it against the gold document would measure correctness
    (already exact match / ROUGE-L), not faithfulness — so it gets none rather than a misleading one.
    """
    retrieved, corpus = preds.extra.get("retrieved"), test.extra.get("corpus")
    if not spec.models.judge_path or retrieved is None or corpus is None:
        return preds, list(metrics)
    contexts = [
        "\n\n".join(corpus.text(str(d)) for d in list(ids)[:FAITHFULNESS_TOP_DOCS] if str(d) in corpus)
        for ids in retrieved
    ]
    questions = test.X.get_column(test.task.feature_columns[0]).cast(pl.String).fill_null("").to_list()
    judge = get_judge(spec.resolve(spec.models.judge_path), spec.models.device)
    rows = judge.faithfulness(questions, preds.extra.get("answers") or [], contexts)
    return replace(preds, extra={**preds.extra, "faithfulness": rows}), [*metrics, "faithfulness"]
