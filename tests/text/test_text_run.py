"""A text-classification decision through the real runner: OOS metrics measured and named in the ADR."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from harness.fmt import fmt_metric, metric_label
from harness.runner import RunOptions, run
from harness.spec import spec_from_toml

SPEC = """
title = "Tiny intent router"
task = "multiclass"
metric = "{metric}"
seed = 0

[data]
path = "intents.csv"
target = "intent"
text_columns = ["text"]
oos_label = "oos"

[candidates]
include = ["zero-rule", "tfidf-logreg"]

[audit]  # as the bundled example: templated tickets repeat, paraphrases recur in production
dedupe = true
acknowledge = ["contamination:near_duplicates:text"]
"""


@pytest.mark.parametrize("metric", ["macro_f1", "oos_recall"])
def test_intent_run_reports_out_of_scope_behaviour(
    tmp_path: Path, intents_module: ModuleType, metric: str
) -> None:
    intents_module.generate(per_intent=20, seed=1).write_csv(tmp_path / "intents.csv")
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(SPEC.format(metric=metric))
    spec = spec_from_toml(spec_path.read_text(), source=spec_path)
    result = run(spec, options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr"))
    tfidf = next(m for m in result.measurements if m.candidate == "tfidf-logreg")
    assert tfidf.ok, tfidf.reason
    assert next(iter(tfidf.metrics)) == metric  # the optimizing metric comes first
    for name in ("in_scope_accuracy", "oos_recall", "macro_f1"):
        value = tfidf.metrics[name]
        assert 0.0 <= value.ci_low <= value.value <= value.ci_high <= 1.0
    assert tfidf.metrics["in_scope_accuracy"].value > 0.5  # the planted intents are learnable
    assert result.decision is not None and result.decision.metric == metric
    # the ADR's evidence row for the model names its OOS behaviour with the measured numbers
    text = result.adr_path.read_text()
    evidence = text.split("### Evidence", 1)[1].split("### Reproducibility", 1)[0]
    row = next(line for line in evidence.splitlines() if line.startswith(("| tfidf-logreg |", "| **tfidf")))
    cells = [c.strip() for c in row.strip("|").split("|")]
    header = next(line for line in evidence.splitlines() if line.startswith("| Candidate |"))
    assert f"| {metric_label(metric)} (95% CI) |" in header
    main = tfidf.metrics[metric]
    assert cells[2] == f"{fmt_metric(main.value)} ({fmt_metric(main.ci_low)}–{fmt_metric(main.ci_high)})"
    others = dict(part.rsplit(" ", 1) for part in cells[3].split(" · "))
    for name in ("in_scope_accuracy", "oos_recall", "oos_precision"):
        if name != metric:
            assert others[metric_label(name)] == fmt_metric(tfidf.metrics[name].value), (name, cells[3])
