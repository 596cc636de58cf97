"""QA metrics: exact match, ROUGE-L, answer-string presence, retrieval recall@k and MRR, with the same paired
percentile-bootstrap CIs as every other metric (`harness.measure.quality.score`).

Answer metrics are ragas' non-LLM metrics (`ExactMatch`, `StringPresence`, `RougeScore` rougeL F1),
computed once per test row; the bootstrap then resamples the per-row scores. Exact match and presence
compare SQuAD-normalised strings (case, punctuation and articles ignored: "$129.99" = "129.99") — ragas
compares raw strings, which would score a trailing full stop as a miss. Retrieval metrics compare
`preds.extra["retrieved"]` (doc ids, best first) with the gold document id per question; ragas has no
rank-aware id metric (its `IDBasedContextRecall` is recall@k for one gold id, MRR it lacks), so both are
computed here, in two lines each.

LLM-judged metrics (faithfulness) need a local judge of another model family than the generator; none is
wired here yet, so they are never reported rather than judged by the model under test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from harness.dataset import Predictions, Task
from harness.errors import InputError
from harness.measure.quality import score
from harness.measure.scored import MetricFunction, Scored
from harness.results import MetricValue
from harness.text.passages import normalize_answer

DEFAULT_RECALL_K = 5
ANSWER_METRICS = ("exact_match", "rouge_l", "answer_presence")
RETRIEVAL_METRICS = ("recall_at_k", "mrr")


# ---- per-row scores ----
def _ragas(metric: Any, pairs: list[dict[str, str]]) -> np.ndarray:
    """ragas' sync batch API runs its own event loop; inside a running loop (a notebook, an async UI) it
    must run in a worker thread instead."""

    def run() -> list[float]:
        return [float(r.value) for r in metric.batch_score(pairs)]

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return np.asarray(run(), dtype=np.float64)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return np.asarray(pool.submit(run).result(), dtype=np.float64)


def _metrics_module() -> Any:
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    # never ragas.testset: it fetches a tiktoken file at import
    import ragas.metrics.collections as collections

    return collections


def _answers(s: Scored) -> list[str]:
    answers = s.extra.get("answers")
    if answers is None or len(answers) != s.n:
        raise InputError("QA predictions need extra['answers'], one per question", where="predictions")
    return ["" if a is None else str(a) for a in answers]


def exact_match_rows(s: Scored) -> np.ndarray:
    pairs = [
        {"reference": normalize_answer(t), "response": normalize_answer(p)}
        for t, p in zip(s.y_true, _answers(s), strict=True)
    ]
    return s.cached("em", lambda: _ragas(_metrics_module().ExactMatch(), pairs))


def answer_presence_rows(s: Scored) -> np.ndarray:
    pairs = [
        {"reference": normalize_answer(t), "response": normalize_answer(p)}
        for t, p in zip(s.y_true, _answers(s), strict=True)
    ]
    return s.cached("presence", lambda: _ragas(_metrics_module().StringPresence(), pairs))


def rouge_l_rows(s: Scored) -> np.ndarray:
    pairs = [{"reference": str(t), "response": p} for t, p in zip(s.y_true, _answers(s), strict=True)]
    return s.cached("rouge_l", lambda: _ragas(_metrics_module().RougeScore(rouge_type="rougeL"), pairs))


def _ranks(s: Scored) -> np.ndarray:
    """1-based rank of the gold document in each retrieved list; 0 when it was not retrieved."""
    retrieved, gold = s.extra.get("retrieved"), s.extra.get("gold_doc_ids")
    if retrieved is None or gold is None:
        raise InputError("retrieval metrics need retrieved doc ids and gold doc ids", where="predictions")
    ranks = []
    for ids, g in zip(retrieved, gold, strict=True):
        ids = [str(d) for d in ids]
        ranks.append(ids.index(str(g)) + 1 if str(g) in ids else 0)
    return np.asarray(ranks, dtype=np.int64)


def recall_at_k_rows(s: Scored) -> np.ndarray:
    k = int(s.extra.get("recall_k", DEFAULT_RECALL_K))
    ranks = _ranks(s)
    return ((ranks > 0) & (ranks <= k)).astype(np.float64)


def mrr_rows(s: Scored) -> np.ndarray:
    ranks = _ranks(s).astype(np.float64)
    return np.divide(1.0, ranks, out=np.zeros_like(ranks), where=ranks > 0)


FUNCTIONS: dict[str, MetricFunction] = {  # the registry's QA entries (harness.measure.catalog)
    "exact_match": MetricFunction.per_row_mean(exact_match_rows),
    "rouge_l": MetricFunction.per_row_mean(rouge_l_rows),
    "answer_presence": MetricFunction.per_row_mean(answer_presence_rows),
    "recall_at_k": MetricFunction.per_row_mean(recall_at_k_rows),
    "mrr": MetricFunction.per_row_mean(mrr_rows),
}


# ---- public ----
def score_qa(
    task: Task,
    answers_true: Sequence[str] | np.ndarray,
    preds: Predictions,
    metrics: Sequence[str],
    seed: int,
    n_boot: int = 1000,
    *,
    gold_doc_ids: Sequence[str] | np.ndarray | None = None,
    k: int = DEFAULT_RECALL_K,
    optimizing: str | None = None,
) -> dict[str, MetricValue]:
    """QA metrics with bootstrap 95% CIs. Retrieval metrics are left out (not reported as 0) when the
    candidate retrieves nothing (closed book) or the data has no gold document ids."""
    y = np.asarray([str(a) for a in answers_true], dtype=object)
    has_retrieval = preds.extra.get("retrieved") is not None and gold_doc_ids is not None
    wanted = [m for m in dict.fromkeys([*([optimizing] if optimizing else []), *metrics])]
    if not has_retrieval:
        wanted = [m for m in wanted if m not in RETRIEVAL_METRICS]
    if not wanted:
        return {}
    extra = dict(preds.extra, recall_k=k)
    if gold_doc_ids is not None:
        extra["gold_doc_ids"] = [str(d) for d in gold_doc_ids]
    n_answers = len(preds.extra.get("answers") or [])
    # QA predictions carry no label array; give `len(preds)` something to count
    scored = replace(preds, labels=np.zeros(n_answers, dtype=np.int64), extra=extra)
    opt = optimizing if optimizing in wanted else None
    return score(task, y, scored, wanted, seed=seed, n_boot=n_boot, optimizing=opt)


def score_qa_slices(
    task: Task,
    answers_true: Sequence[str] | np.ndarray,
    preds: Predictions,
    metrics: Sequence[str],
    seed: int,
    slices: dict[str, np.ndarray],
    n_boot: int = 1000,
    *,
    gold_doc_ids: Sequence[str] | np.ndarray | None = None,
    k: int = DEFAULT_RECALL_K,
    optimizing: str | None = None,
) -> dict[str, dict[str, MetricValue]]:
    """`score_qa` on each boolean row mask (e.g. {"unseen": test.extra["unseen_doc"]}); empty ones skipped.
    `optimizing` keeps that metric's resamples, for paired comparisons on the same slice."""
    y = np.asarray([str(a) for a in answers_true], dtype=object)
    out: dict[str, dict[str, MetricValue]] = {}
    for name, mask in slices.items():
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(rows) == 0:
            continue
        extra = {
            key: [value[i] for i in rows]
            for key, value in preds.extra.items()
            if key in ("answers", "retrieved")
        }
        gold = None if gold_doc_ids is None else [gold_doc_ids[int(i)] for i in rows]
        out[name] = score_qa(
            task,
            y[rows],
            Predictions(extra=extra),
            metrics,
            seed,
            n_boot,
            gold_doc_ids=gold,
            k=k,
            optimizing=optimizing,
        )
    return out
