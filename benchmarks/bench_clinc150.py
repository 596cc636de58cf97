"""CLINC150 (Larson et al., EMNLP 2019): every text family on the Full setting, OOS as the 151st class.

Reads `data_full.json` (train/val/test + oos_train/oos_val/oos_test, lists of [text, intent]) from
`../shared/datasets/clinc150` beside the project (or --data-dir); prints "skipped: not found" and exits 0
when it is absent. Trains on train + oos_train, selects on val + oos_val, scores test + oos_test once, and
prints in-scope accuracy and OOS recall (95% bootstrap CIs) beside the paper's Table 2 (Full, oos-train), plus
accuracy, macro-F1, single-query latency p50/p95/p99, batch throughput, size and train time.

    .venv/bin/python benchmarks/bench_clinc150.py    # every family; fine-tune last (~11+ min/epoch, 2 cores)
    .venv/bin/python benchmarks/bench_clinc150.py --only tfidf-logreg knn-faiss --max-train 3000
    nohup .venv/bin/python benchmarks/bench_clinc150.py --json /tmp/clinc.jsonl > /tmp/clinc.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.dataset import Split, Task  # noqa: E402
from harness.measure.oos import oos_scores  # noqa: E402
from harness.measure.quality import score  # noqa: E402
from harness.types import TaskKind  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "clinc150"
OOS = "oos"
# Larson et al. 2019, Table 2, "Full" data, oos-train: (in-scope accuracy %, OOS recall %)
PAPER: dict[str, tuple[float, float]] = {
    "BERT": (96.9, 40.3),
    "MLP": (93.5, 47.4),
    "SVM": (91.0, 14.5),
    "FastText": (89.0, 9.7),
}
ORDER = (
    "zero-shot-similarity",
    "tfidf-logreg",
    "knn-faiss",
    "mlp-embeddings",
    "lightgbm-text",
    "finetune-minilm",
)


def load_clinc(folder: Path) -> dict[str, list[tuple[str, str]]]:
    raw = json.loads((folder / "data_full.json").read_text(encoding="utf-8"))
    return {
        "train": [tuple(r) for r in raw["train"] + raw["oos_train"]],
        "dev": [tuple(r) for r in raw["val"] + raw["oos_val"]],
        "test": [tuple(r) for r in raw["test"] + raw["oos_test"]],
    }


def make_splits(
    data: dict[str, list[tuple[str, str]]], max_train: int | None, seed: int
) -> tuple[Split, Split, Split]:
    classes = tuple([*sorted({label for _, label in data["train"]} - {OOS}), OOS])
    index = {c: i for i, c in enumerate(classes)}
    task = Task(TaskKind.MULTICLASS, "intent", ("text",), text_columns=("text",), classes=classes)
    rows = data["train"]
    if max_train and len(rows) > max_train:
        pick = np.sort(np.random.default_rng(seed).choice(len(rows), size=max_train, replace=False))
        rows = [rows[i] for i in pick]

    def split(name: str, items: list[tuple[str, str]]) -> Split:
        return Split(
            name,
            task,
            pl.DataFrame({"text": [t for t, _ in items]}),
            np.array([index[lab] for _, lab in items]),
        )

    return split("train", rows), split("dev", data["dev"]), split("test", data["test"])


def build(name: str, args: argparse.Namespace) -> Any:
    if name == "tfidf-logreg":
        from harness.candidates.text_lexical import TfidfLogReg

        return TfidfLogReg(c_grid=(10.0,))
    if name == "knn-faiss":
        from harness.candidates.knn_retrieval import KnnRetrieval

        return KnnRetrieval()
    if name == "mlp-embeddings":
        from harness.candidates.text_neural import EmbeddingMLP

        return EmbeddingMLP()
    if name == "lightgbm-text":
        from harness.candidates.text_gbt import LightGBMText

        return LightGBMText(n_estimators=args.gbt_rounds)
    if name == "zero-shot-similarity":
        from harness.candidates.zero_shot import ZeroShotSimilarity

        return ZeroShotSimilarity(oos_label=OOS)
    if name == "finetune-minilm":
        from harness.candidates.finetune_classifier import FineTunedClassifier

        return FineTunedClassifier(epochs=args.finetune_epochs, max_seq_length=args.finetune_max_seq_length)
    raise SystemExit(f"unknown candidate {name!r}; choose from {', '.join(ORDER)}")


def _progress_printer(name: str, every_s: float = 60.0) -> Any:
    last = [time.perf_counter()]

    def report(fraction: float, message: str) -> None:
        if time.perf_counter() - last[0] >= every_s or "dev accuracy" in message:
            last[0] = time.perf_counter()
            print(f"  … {name}: {fraction * 100:4.1f}% {message}", flush=True)

    return report


def latency_ms(candidate: Any, x: pl.DataFrame, n: int) -> dict[str, float]:
    for i in range(5):
        candidate.predict(x[i : i + 1])
    times = []
    for i in range(n):
        row = x[i % x.height : i % x.height + 1]
        start = time.perf_counter()
        candidate.predict(row)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95, p99 = np.percentile(times, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}


def run_one(name: str, splits: tuple[Split, Split, Split], args: argparse.Namespace) -> dict[str, Any]:
    train, dev, test = splits
    oos_index = train.task.classes.index(OOS)
    candidate = build(name, args)
    candidate.hooks.on_progress = _progress_printer(name)
    started = time.perf_counter()
    candidate.fit(train, dev)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    preds = candidate.predict(test.X)
    batch_s = time.perf_counter() - started
    quality = score(test.task, test.y, preds, ["accuracy", "macro_f1"], seed=0, n_boot=args.n_boot)
    oos = oos_scores(test.y, preds.labels, oos_index, seed=0, n_boot=args.n_boot)
    details = {k: v for k, v in candidate.details().items() if k not in ("top_terms", "descriptions")}
    return {
        "candidate": name,
        "family": str(candidate.family),
        "train_rows": len(train),
        "train_s": train_s,
        "throughput_rows_per_s": test.X.height / batch_s,
        "latency": latency_ms(candidate, test.X, args.latency_queries),
        "size_mb": candidate.size_bytes() / 1e6,
        "metrics": {k: v.model_dump() for k, v in {**quality, **oos}.items()},
        "details": details,
    }


def pct(metric: dict[str, Any]) -> str:
    lo, hi = metric.get("ci_low"), metric.get("ci_high")
    ci = f" [{lo * 100:.1f}–{hi * 100:.1f}]" if lo is not None and hi is not None else ""
    return f"{metric['value'] * 100:5.1f}{ci}"


def print_row(r: dict[str, Any]) -> None:
    m = r["metrics"]
    print(
        f"{r['candidate']:22s} {r['family']:9s} in-scope {pct(m['in_scope_accuracy']):20s} "
        f"OOS recall {pct(m['oos_recall']):20s} acc {m['accuracy']['value'] * 100:5.1f} "
        f"macro-F1 {m['macro_f1']['value'] * 100:5.1f} | p50 {r['latency']['p50_ms']:6.2f} ms "
        f"p95 {r['latency']['p95_ms']:6.2f} p99 {r['latency']['p99_ms']:6.2f} | "
        f"{r['throughput_rows_per_s']:7.0f} rows/s | {r['size_mb']:6.1f} MB | train {r['train_s']:7.1f} s",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--only", nargs="*", default=list(ORDER), help=f"candidates, from: {', '.join(ORDER)}"
    )
    parser.add_argument("--max-train", type=int, default=None, help="subsample the training set (quick runs)")
    parser.add_argument("--finetune-epochs", type=int, default=3)
    parser.add_argument("--finetune-max-seq-length", type=int, default=48)
    parser.add_argument("--gbt-rounds", type=int, default=200)
    parser.add_argument("--latency-queries", type=int, default=300)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="append one JSON line per candidate here")
    args = parser.parse_args()

    if not (args.data_dir / "data_full.json").is_file():
        print(f"skipped: not found ({args.data_dir / 'data_full.json'})")
        return 0
    splits = make_splits(load_clinc(args.data_dir), args.max_train, args.seed)
    print(
        f"CLINC150 Full + oos_train: train {len(splits[0])}, dev {len(splits[1])}, test {len(splits[2])}, "
        f"{splits[0].task.n_classes} classes (OOS = {OOS!r})",
        flush=True,
    )
    print("paper (Larson et al. 2019, Table 2, Full, oos-train): in-scope accuracy / OOS recall")
    for model, (acc, rec) in PAPER.items():
        print(f"  {model:10s} {acc:5.1f} / {rec:5.1f}")
    print(
        "measured (95% bootstrap CIs; latency = one query, full path: tokenize + encode + search/predict):",
        flush=True,
    )
    results = []
    for name in [n for n in ORDER if n in args.only]:
        result = run_one(name, splits, args)
        results.append(result)
        print_row(result)
        if args.json:
            with args.json.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(result) + "\n")
    ft = next((r for r in results if r["candidate"] == "finetune-minilm"), None)
    if ft:
        gap = PAPER["BERT"][0] - ft["metrics"]["in_scope_accuracy"]["value"] * 100
        print(
            f"fine-tuned MiniLM in-scope accuracy is {gap:.1f} points below BERT's {PAPER['BERT'][0]} "
            "(target: ≤ 2)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
