"""The data audit on the fraud generator and on small frames with planted problems."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from harness.audit import (
    Finding,
    audit_parquet,
    audit_splits,
    audit_table,
    check_blocking,
    render_report,
    unacknowledged_blocking,
)
from harness.data import build_task, make_splits
from harness.dataset import Split
from harness.errors import BlockedByAudit
from harness.spec import spec_from_dict


def _spec(target: str = "is_fraud", audit: dict | None = None, task: str | None = None, **data: object):
    raw = {
        "title": "audit test",
        "data": {"path": "x.parquet", "target": target, **data},
        "audit": audit or {},
    }
    return spec_from_dict(raw | ({"task": task} if task else {}))


def _fraud_spec(audit: dict | None = None, split: str = "stratified"):
    return _spec("is_fraud", audit, id_column="transaction_id", time_column="event_time", split=split)


def _codes(findings: list[Finding]) -> dict[str, Finding]:
    return {f.code: f for f in findings}


# ---- the fraud generator -----------------------------------------------------------------------------------
def test_fraud_planted_problems_are_caught(fraud_df, fraud_generator):
    planted = fraud_generator.PLANTED
    spec = _fraud_spec()
    found = _codes(audit_table(fraud_df, build_task(fraud_df, spec), spec))
    leak = found[f"leakage:{planted['leaky_column']}"]
    assert leak.severity == "blocking" and leak.evidence["value"] >= 0.98
    dup = found["duplicates:rows"]
    assert dup.evidence["fraction"] == pytest.approx(planted["exact_duplicate_fraction"], abs=0.002)
    near = found["near_duplicates:rows"]
    assert near.evidence["fraction"] == pytest.approx(planted["near_duplicate_fraction"], abs=0.004)
    missing = found[f"missing:{planted['missing_column']}"]
    assert missing.evidence["fraction"] == pytest.approx(planted["missing_fraction"], abs=0.01)
    assert found["imbalance:is_fraud"].severity == "warning"
    assert [f.code for f in unacknowledged_blocking(list(found.values()), spec)] == [
        "leakage:chargeback_flag"
    ]


def test_fraud_clean_data_has_no_blocking_finding(fraud_df):
    spec = _fraud_spec({"dedupe": True, "drop_columns": ["chargeback_flag"]})
    clean = fraud_df.drop("chargeback_flag").unique(maintain_order=True)
    findings = audit_table(clean, build_task(clean, spec), spec)
    assert not [f for f in findings if f.severity == "blocking"]
    splits = make_splits(clean, build_task(clean, spec), spec)
    assert not [f for f in audit_splits(splits.train, splits.test, splits.train.task, spec) if f.blocks]
    check_blocking(findings, spec)  # does not raise


def test_fraud_duplicates_shared_across_a_row_split_are_contamination(fraud_df):
    spec = _fraud_spec()
    task = build_task(fraud_df, spec)
    splits = make_splits(fraud_df, task, spec)
    found = _codes(audit_splits(splits.train, splits.test, task, spec))
    exact = found["contamination:exact"]
    assert exact.evidence["by_id"] > 0  # double-ingested transaction ids on both sides
    assert exact.severity == "warning" and "dedupe = true" in exact.fix
    assert "contamination:near_duplicates" in found


def test_options_unblock(fraud_df):
    task = build_task(fraud_df, _fraud_spec())
    for audit, how in (
        ({"acknowledge": ["leakage:chargeback_flag"]}, "acknowledged"),
        ({"drop_columns": ["chargeback_flag"]}, "dropped by drop_columns"),
    ):
        spec = _fraud_spec(audit)
        findings = audit_table(fraud_df, task, spec)
        leak = _codes(findings)["leakage:chargeback_flag"]
        assert leak.resolved and not leak.blocks
        assert how == ("acknowledged" if leak.acknowledged else leak.action)
        check_blocking(findings, spec)
    spec = _fraud_spec({"dedupe": True, "acknowledge": ["leakage:chargeback_flag"]})
    assert _codes(audit_table(fraud_df, task, spec))["duplicates:rows"].action == "dropped by dedupe"


def test_blocked_message_is_one_line_with_both_ways_out(fraud_df):
    spec = _fraud_spec()
    findings = audit_table(fraud_df, build_task(fraud_df, spec), spec)
    with pytest.raises(BlockedByAudit) as info:
        check_blocking(findings, spec)
    message = str(info.value)
    assert "\n" not in message
    assert "leakage:chargeback_flag" in message
    assert "acknowledge" in message and "drop_columns = ['chargeback_flag']" in message


def test_lazy_parquet_audit_matches_eager(fraud_df, tmp_path):
    path = tmp_path / "fraud.parquet"
    fraud_df.write_parquet(path)
    spec = _fraud_spec()
    lazy = _codes(audit_parquet(path, spec))
    eager = _codes(audit_table(fraud_df, build_task(fraud_df, spec), spec))
    assert set(lazy) == set(eager)
    for key in ("duplicate_rows", "effective_rows"):
        assert lazy["duplicates:rows"].evidence[key] == eager["duplicates:rows"].evidence[key]


def test_large_table_is_sampled_but_duplicates_counted_exactly(fraud_df):
    spec = _fraud_spec({"sample_rows": 2000})
    found = _codes(audit_table(fraud_df.lazy(), None, spec))
    assert found["duplicates:rows"].evidence["rows"] == fraud_df.height
    assert found["leakage:chargeback_flag"].evidence["rows_sampled"] <= 2000


# ---- small planted frames ----------------------------------------------------------------------------------
def _planted_frame(n: int = 2000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    label = (rng.random(n) < 0.3).astype(np.int64)
    start = datetime(2024, 1, 1)
    event = [start + timedelta(hours=int(h)) for h in rng.integers(0, 5000, n)]
    return pl.DataFrame(
        {
            "order_ref": [
                f"{'F' if y else 'L'}-{i:06d}" for i, y in enumerate(label)
            ],  # id encodes the label
            "x": rng.normal(size=n) + 0.5 * label,
            "country": rng.choice(["US", "DE", "FR"], n),
            "constant": np.ones(n),
            "free_id": [f"u{rng.integers(10**9)}" for _ in range(n)],
            "event_time": event,
            "resolved_at": [t + timedelta(days=3) for t in event],  # recorded after the label
            "amount": np.where(rng.random(n) < 0.01, -5.0, rng.uniform(1, 100, n)),
            "label": label,
        }
    )


def test_planted_frame_problems():
    df = _planted_frame()
    spec = _spec("label", {"value_ranges": {"amount": [0, 1000]}}, time_column="event_time")
    found = _codes(audit_table(df, build_task(df, spec), spec))
    ident = found["leakage:order_ref"]
    # an id-like column is left out of the features (harness.data.task), so it cannot leak into a model: a
    # warning that names it, not a block
    assert ident.severity == "warning" and "encodes" in ident.title
    assert ident.evidence["used_as_feature"] is False
    assert found["constant:constant"].severity == "warning"
    assert found["high_cardinality:free_id"].severity == "warning"
    assert "leakage:free_id" not in found  # unique random ids do not look predictive held out
    assert found["out_of_range:amount"].evidence["rows_out_of_range"] == int((df["amount"] < 0).sum())
    assert found["leakage:resolved_at"].evidence["fraction"] == 1.0
    assert "leakage:x" not in found


def test_label_conflicts_and_rare_classes():
    rng = np.random.default_rng(3)
    n = 600
    df = pl.DataFrame(
        {"a": rng.integers(0, 1000, n), "b": rng.normal(size=n), "y": rng.choice(["p", "q"], n)}
    )
    conflict = df.head(5).with_columns(
        pl.when(pl.col("y") == "p").then(pl.lit("q")).otherwise(pl.lit("p")).alias("y")
    )
    rare = df.head(3).with_columns(pl.lit("r").alias("y"), pl.col("b") + 100)
    df = pl.concat([df, conflict, rare])
    spec = _spec("y")
    found = _codes(audit_table(df, build_task(df, spec), spec))
    assert found["label_conflict:rows"].evidence["conflicting_groups"] == 5
    assert found["rare_classes:y"].evidence["rare_classes"] == {"r": 3}


def test_regression_leakage_uses_r2(tiny_regression_df):
    df = tiny_regression_df.with_columns((pl.col("y") * 2 + 1).alias("y_copy"))
    spec = _spec("y", task="regression")
    found = _codes(audit_table(df, build_task(df, spec), spec))
    assert found["leakage:y_copy"].evidence["statistic"] == "R²"
    assert "leakage:noise" not in found and "leakage:x_num" not in found


def test_heavy_contamination_blocks_and_names_the_fix(tiny_classification_df):
    spec = _spec("label", id_column="row_id")
    task = build_task(tiny_classification_df, spec)
    train_df, test_df = tiny_classification_df[:300], tiny_classification_df[300:]
    test_df = pl.concat([test_df[:70], train_df[:30]])  # 30% of test copied from train
    train = Split("train", task, train_df.select(task.feature_columns), np.zeros(300))
    test = Split("test", task, test_df.select(task.feature_columns), np.zeros(100))
    found = _codes(audit_splits(train, test, task, spec))
    assert found["contamination:exact"].severity == "blocking"
    assert found["contamination:exact"].evidence["fraction_of_test"] == pytest.approx(0.3)
    with pytest.raises(BlockedByAudit, match="dedupe = true"):
        check_blocking(list(found.values()), spec)
    acknowledged = _spec("label", {"acknowledge": ["contamination:exact"]}, id_column="row_id")
    check_blocking(audit_splits(train, test, task, acknowledged), acknowledged)


def test_text_columns_near_duplicates_conflicts_and_contamination():
    rng = np.random.default_rng(5)
    words = [
        "order",
        "arrived",
        "broken",
        "box",
        "wet",
        "late",
        "refund",
        "courier",
        "damaged",
        "fine",
        "great",
        "slow",
        "cheap",
        "screen",
        "cable",
    ]
    base = [" ".join(rng.choice(words, 9)) + f" ticket {i}" for i in range(200)]
    texts = base + [
        t + "!" for t in base[:40]
    ]  # 40 near-duplicates (punctuation only → identical normalised)
    texts += [t + " pls" for t in base[40:70]]  # 30 small edits
    labels = [i % 2 for i in range(200)] + [i % 2 for i in range(40)] + [1 - (i % 2) for i in range(40, 70)]
    df = pl.DataFrame({"review": texts, "label": labels})
    spec = _spec("label", text_columns=["review"])
    task = build_task(df, spec)
    found = _codes(audit_table(df, task, spec))
    assert found["duplicates:review"].evidence["duplicate_texts"] == 40
    assert found["near_duplicates:review"].evidence["redundant_rows"] == 30
    assert found["label_conflict:review"].evidence["conflicting_groups"] == 30
    train = Split("train", task, df[:200].select(task.feature_columns), np.zeros(200))
    test = Split("test", task, df[200:].select(task.feature_columns), np.zeros(70))
    split_found = _codes(audit_splits(train, test, task, spec))
    assert split_found["contamination:exact:review"].evidence["test_rows_shared"] == 40
    assert split_found["contamination:near_duplicates:review"].evidence["test_rows_shared"] == 30
    assert split_found["contamination:near_duplicates:review"].severity == "blocking"


def test_report_renders_codes_and_verdict(fraud_df):
    spec = _fraud_spec()
    findings = audit_table(fraud_df, build_task(fraud_df, spec), spec)
    console = Console(width=160, record=True)
    console.print(render_report(findings))
    text = console.export_text()
    assert "leakage:chargeback_flag" in text and "BLOCKS THE RUN" in text and "[audit] acknowledge" in text
    assert all(isinstance(f.to_dict()["evidence"], dict) for f in findings)
