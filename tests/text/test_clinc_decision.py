"""A real multiclass text set (CLINC150, Larson et al. 2019, from ../shared; skipped when absent): the
decision follows the paired accuracy — the recommendation is never significantly worse than another
candidate that passes the gates, and it significantly beats the baselines."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from harness.runner import RunOptions, run
from harness.spec import load_spec

CLINC = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "clinc150" / "data_full.json"
N_INTENTS = 25


@pytest.mark.slow
@pytest.mark.skipif(not CLINC.exists(), reason="CLINC150 is not in ../shared/datasets/clinc150")
def test_the_recommendation_follows_the_paired_accuracy_on_clinc150(tmp_path: Path) -> None:
    raw = json.loads(CLINC.read_text(encoding="utf-8"))
    intents = sorted({label for _text, label in raw["train"]})[:N_INTENTS]

    def rows(part: str, per_intent: int) -> pl.DataFrame:
        kept: dict[str, int] = {}
        out = []
        for text, label in raw[part]:
            if label in intents and kept.get(label, 0) < per_intent:
                kept[label] = kept.get(label, 0) + 1
                out.append({"text": text, "intent": label})
        return pl.DataFrame(out)

    pl.concat([rows("train", 25), rows("val", 5)]).write_csv(tmp_path / "train.csv")
    rows("test", 30).write_csv(tmp_path / "test.csv")  # 750 golden test rows
    (tmp_path / "decision.toml").write_text(
        'title = "CLINC150 intents"\nmetric = "accuracy"\n'
        '[data]\npath = "train.csv"\ntest_path = "test.csv"\ntarget = "intent"\ntext_columns = ["text"]\n'
        '[candidates]\ninclude = ["tfidf-logreg", "mlp-embeddings", "knn-faiss", "zero-shot-similarity"]\n'
    )
    options = RunOptions(runs_dir=tmp_path, write_adr=False)
    result = run(load_spec(tmp_path / "decision.toml"), options=options)
    decision = result.decision
    assert decision is not None and decision.method == "paired bootstrap"
    chosen = decision.recommended
    by_name = {m.candidate: m for m in result.measurements if m.ok}
    assert {"zero-rule", "tfidf-logreg", "mlp-embeddings", "knn-faiss"} <= set(by_name)
    # never significantly worse than the leader on the paired test
    against_leader = {c.candidate: c for c in decision.comparisons if c.role == "leader"}
    assert chosen == decision.leader or not against_leader[chosen].significant
    # the leader is what the numbers say
    best = max(by_name.values(), key=lambda m: m.metrics["accuracy"].value)
    assert decision.leader == best.candidate
    # a model that beats the zero rule on 25 balanced intents by a wide margin is recommended and justified
    assert by_name[chosen].metrics["accuracy"].value > 0.5 > by_name["zero-rule"].metrics["accuracy"].value
    if decision.best_baseline != chosen:
        assert decision.justified
