"""Benchmark: the knowledge-QA decision on the generated product catalog — BM25 vs RAG vs fine-tuned
bi-encoder (vs prompt-only / RAG with a generator / LoRA when a local generator is given) — and the table
it rests on.

Generates `datasets/product_qa` (default 150 SKUs, seed 0) into a temporary folder, splits it by time (the
fresh SKUs are asked about only in the test split), fits each candidate, measures it with the harness's
own `measure_candidate` (quality with bootstrap CIs, p50/p95/p99 single-query latency on the full path,
batch throughput, size, cost), scores the unseen-SKU slice, and runs `decide` with the example
`decision.toml`.

Run: `.venv/bin/python benchmarks/bench_qa.py [--n-skus 150] [--generator DIR] [--json out.json]`
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.text.device import set_offline_env  # noqa: E402

set_offline_env()


def _generator_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "product_qa_generate", ROOT / "datasets/product_qa/generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-skus", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--generator", default=None, help="local causal LM folder (prompt-only, rag-generate, LoRA)"
    )
    parser.add_argument("--finetune-epochs", type=int, default=1)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--json", default=None, help="write the measurements and decision here")
    args = parser.parse_args()

    from harness.candidates.bm25 import BM25Candidate
    from harness.candidates.finetune_biencoder import FineTunedBiEncoderCandidate
    from harness.candidates.lora import LoRACandidate
    from harness.candidates.prompt_only import PromptOnlyCandidate
    from harness.candidates.rag import RAGCandidate, RAGGenerateCandidate
    from harness.data.qa import load_qa
    from harness.decide import decide
    from harness.measure.measurement import measure_candidate, predict_in_batches
    from harness.measure.qa import score_qa_slices
    from harness.results import Measurement
    from harness.spec import load_spec, spec_from_dict
    from harness.text.device import resolve_device

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench_qa_"))
    planted = _generator_module().generate(tmp, n_skus=args.n_skus, seed=args.seed)
    raw = load_spec(ROOT / "datasets/product_qa/decision.toml").to_dict()
    raw["data"].update(path=str(tmp / "qa.csv"), corpus_path=str(tmp / "corpus"))
    raw["seed"] = args.seed
    if args.generator:
        raw["models"]["generator_path"] = str(Path(args.generator).resolve())
    spec = spec_from_dict(raw)
    metric = spec.metric_for(spec.task)
    _, task, splits = load_qa(spec)
    print(
        f"data: {planted['n_pairs']} QA pairs, {planted['n_skus']} SKUs "
        f"({len(planted['fresh_skus'])} fresh), "
        f"{len(planted['wrong_teacher_answers'])} wrong teacher answers, near-dup share "
        f"{planted['near_duplicate_share']:.0%}"
    )
    for note in splits.notes:
        print("  ", note)

    candidates: list[Any] = [
        BM25Candidate.from_spec(spec),
        RAGCandidate.from_spec(spec),
        FineTunedBiEncoderCandidate(
            seed=spec.seed,
            epochs=args.finetune_epochs,
            device=spec.models.device,
            encoder_path=spec.models.encoder_path,
        ),
    ]
    for cls in (PromptOnlyCandidate, RAGGenerateCandidate, LoRACandidate):
        candidates.append(cls.from_spec(spec))
    on_gpu = resolve_device(spec.models.device) == "cuda"

    measurements: list[Measurement] = []
    unseen: dict[str, dict[str, Any]] = {}
    test = splits.test
    for cand in candidates:
        base = {
            "candidate": cand.name,
            "family": cand.family,
            "skills": list(cand.skills),
            "complexity": cand.complexity,
            "requires_gpu": cand.requires_gpu,
        }
        if not cand.applicable(task):
            measurements.append(
                Measurement(**base, status="skipped", reason="no [models] generator_path configured")
            )
            continue
        if cand.requires_gpu and not on_gpu:
            measurements.append(
                Measurement(**base, status="skipped", reason="requires a GPU; this machine has none")
            )
            continue
        print(f"-- {cand.name}: fit", flush=True)
        t0 = time.perf_counter()
        cand.fit(splits.train, splits.dev)
        fit_s = time.perf_counter() - t0
        print(f"-- {cand.name}: measure (fit {fit_s:.1f} s)", flush=True)
        m = measure_candidate(
            cand,
            test,
            metric=metric,
            spec=spec,
            seed=spec.seed,
            n_boot=args.n_boot,
            n_latency_calls=300,
            latency_max_s=5.0,
        )
        m.train_time_s = fit_s
        m.train_rows = len(splits.train)
        preds = predict_in_batches(cand, test)
        sliced = score_qa_slices(
            task,
            test.y,
            preds,
            ["exact_match", "recall_at_k"],
            spec.seed,
            {"unseen": test.extra["unseen_doc"], "seen": ~test.extra["unseen_doc"]},
            n_boot=args.n_boot,
            gold_doc_ids=test.extra["doc_ids"],
        )
        unseen[cand.name] = {s: {k: v.value for k, v in vals.items()} for s, vals in sliced.items()}
        m.details["exact_match_unseen_docs"] = unseen[cand.name].get("unseen", {}).get("exact_match")
        measurements.append(m)
        del cand

    decision = decide(measurements, spec, metric=metric)
    _print_table(measurements, unseen, metric)
    print(f"\ndecision ({metric}): {decision.because}")
    for v in decision.verdicts:
        print(f"  {v.candidate:20s} {v.verdict:14s} {'; '.join(v.reasons + v.violations)[:200]}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "measurements": [m.model_dump(mode="json") for m in measurements],
                    "slices": unseen,
                    "decision": decision.model_dump(mode="json"),
                    "planted": planted,
                },
                indent=2,
            )
        )


def _print_table(measurements: list[Any], slices: dict[str, Any], metric: str) -> None:
    head = (
        f"\n{'candidate':20s} {'family':9s} {'EM [95% CI]':19s} {'EM unseen':>9s} {'EM seen':>7s} "
        f"{'ROUGE-L':>7s} {'present':>7s} {'R@5':>5s} {'MRR':>5s} {'p50 ms':>7s} {'p95 ms':>7s} "
        f"{'p99 ms':>7s} {'rows/s':>7s} "
        f"{'MB':>6s} {'fit s':>6s} {'$/1k':>8s}"
    )
    print(head)
    print("-" * len(head.strip()))
    for m in measurements:
        if not m.ok:
            print(f"{m.candidate:20s} {m.family:9s} {m.status}: {m.reason}")
            continue
        g = m.metrics

        def val(name: str, g: dict = g) -> str:
            return f"{g[name].value:.3f}" if name in g else "—"

        em = g["exact_match"]
        s = slices.get(m.candidate, {})

        def em_of(name: str, s: dict = s) -> float:
            return s.get(name, {}).get("exact_match", float("nan"))

        print(
            f"{m.candidate:20s} {m.family:9s} {em.value:.3f} [{em.ci_low:.3f}, {em.ci_high:.3f}] "
            f"{em_of('unseen'):9.3f} {em_of('seen'):7.3f} "
            f"{val('rouge_l'):>7s} {val('answer_presence'):>7s} {val('recall_at_k'):>5s} {val('mrr'):>5s} "
            f"{m.latency.p50_ms:7.2f} {m.latency.p95_ms:7.2f} {m.latency.p99_ms:7.2f} "
            f"{m.throughput_rows_per_s:7.0f} "
            f"{m.size_bytes / 1e6:6.1f} {m.train_time_s:6.1f} {m.cost_usd_per_1k:8.5f}"
        )


if __name__ == "__main__":
    main()
