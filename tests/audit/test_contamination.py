"""Train/test contamination against what chance puts in both splits, and `dedupe = true` removing real copies
(new ids included, and training rows that copy a golden test row)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from harness.audit import audit_splits, audit_table, check_blocking
from harness.data import build_task, make_splits, prepare
from harness.dataset import Split
from harness.errors import BlockedByAudit
from harness.spec import load_spec, spec_from_dict
from tests.audit.tables import low_cardinality


def _spec(target: str, task: str | None = None):
    raw = {"title": "contamination test", "data": {"path": "x.csv", "target": target}}
    return spec_from_dict(raw | ({"task": task} if task else {}))


def _codes(findings: list) -> dict:
    return {f.code: f for f in findings}


def _split(df: pl.DataFrame, target: str, spec, n_test: int, seed: int = 0) -> tuple[Split, Split, object]:
    task = build_task(df, spec)
    order = np.random.default_rng(seed).permutation(df.height)
    test_df, train_df = df[order[:n_test]], df[order[n_test:]]
    train = Split("train", task, train_df.select(task.feature_columns), np.zeros(train_df.height))
    test = Split("test", task, test_df.select(task.feature_columns), np.zeros(test_df.height))
    return train, test, task


def continuous(n: int = 1000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return pl.DataFrame(
        {
            "a": x[:, 0],
            "b": x[:, 1],
            "c": x[:, 2],
            "d": x[:, 3],
            "y": x @ [1.0, -0.5, 0.2, 0.0] + rng.normal(size=n),
        }
    )


def test_natural_duplicates_of_low_cardinality_columns_are_not_contamination() -> None:
    df = low_cardinality()
    spec = _spec("label")
    train, test, task = _split(df, "label", spec, n_test=1200)
    exact = _codes(audit_splits(train, test, task, spec))["contamination:exact"]
    assert exact.severity == "info" and not exact.blocks
    observed, expected = exact.evidence["observed_fraction"], exact.evidence["expected_fraction"]
    assert observed > 0.3  # a third of the test rows have an identical row in train ...
    assert abs(observed - expected) < 0.05  # ... as a third of the training rows have one in train
    assert "not contamination" in exact.title and "12 low-cardinality columns" in exact.title
    assert f"{observed:.1%}" in exact.title
    check_blocking(audit_splits(train, test, task, spec), spec)  # does not raise


def test_copies_beyond_chance_in_a_low_cardinality_table_still_block() -> None:
    df = low_cardinality()
    spec = _spec("label")
    train, test, task = _split(df, "label", spec, n_test=1000)
    copied = pl.concat([test.X[:700], train.X[:300]])  # 30% of the test rows copied from train
    test = Split("test", task, copied, np.zeros(copied.height))
    exact = _codes(audit_splits(train, test, task, spec))["contamination:exact"]
    assert exact.severity == "blocking"
    # the copies replace rows that chance alone finds in train more than half the time: 30% × (1 - 57%) beyond
    assert exact.evidence["observed_fraction"] - exact.evidence["expected_fraction"] > 0.08
    assert exact.evidence["excess_fraction"] == pytest.approx(exact.evidence["fraction_of_test"])
    assert "beyond chance" in exact.title


def test_continuous_table_with_copied_test_rows_blocks_as_before() -> None:
    df = continuous()
    spec = _spec("y", task="regression")
    train, test, task = _split(df, "y", spec, n_test=200)
    copied = pl.concat([test.X[:160], train.X[:40]])  # 20% of the test rows copied from train
    test = Split("test", task, copied, np.zeros(copied.height))
    found = _codes(audit_splits(train, test, task, spec))
    exact = found["contamination:exact"]
    assert exact.severity == "blocking" and exact.evidence["fraction_of_test"] == pytest.approx(0.2)
    assert "expected_fraction" not in exact.evidence  # no chance baseline: numbers do not collide by chance
    with pytest.raises(BlockedByAudit, match="dedupe = true"):
        check_blocking(list(found.values()), spec)


# ---- dedupe = true removes real copies ---------------------------------------------------------------------
def _write(tmp_path: Path, train: pl.DataFrame, audit: dict, test: pl.DataFrame | None = None):
    train.write_csv(tmp_path / "train.csv")
    data = ['path = "train.csv"', 'target = "y"', 'id_column = "row_id"', "split = 'random'"]
    if test is not None:
        test.write_csv(tmp_path / "test.csv")
        data.append('test_path = "test.csv"')
    audit_lines = [f"{k} = {'true' if v else 'false'}" for k, v in audit.items()]
    text = 'title = "dedupe test"\ntask = "regression"\n[data]\n' + "\n".join(data)
    (tmp_path / "decision.toml").write_text(text + "\n[audit]\n" + "\n".join(audit_lines) + "\n")
    return load_spec(tmp_path / "decision.toml")


def _audit(spec) -> dict:
    prepared = prepare(spec)
    findings = list(
        audit_table(
            prepared.delivered if prepared.delivered is not None else prepared.df, prepared.task, spec
        )
    )
    splits = make_splits(prepared.df, prepared.task, spec, n_golden=prepared.golden_rows)
    findings += audit_splits(splits.train, splits.test, prepared.task, spec)
    return _codes(findings)


def _with_copies(n: int = 1000, copies: int = 250) -> pl.DataFrame:
    """A continuous table where `copies` rows are copied again under new row ids (a re-ingested batch)."""
    df = continuous(n).with_row_index("row_id")
    again = df[:copies].with_columns(pl.col("row_id") + 10_000)
    return pl.concat([df, again.with_columns(pl.col("row_id").cast(df.schema["row_id"]))])


def test_dedupe_drops_copies_that_were_given_new_ids(tmp_path: Path) -> None:
    df = _with_copies()
    before = _audit(_write(tmp_path, df, {}))
    assert before["duplicates:rows"].evidence["duplicate_rows"] == 250  # the id does not hide a copy
    assert before["contamination:exact"].blocks and "dedupe = true" in before["contamination:exact"].fix
    after = _audit(_write(tmp_path, df, {"dedupe": True}))
    assert after["duplicates:rows"].action == "dropped by dedupe"
    assert "contamination:exact" not in after


def test_dedupe_drops_training_rows_that_copy_the_golden_test_file(tmp_path: Path) -> None:
    df = continuous(1200).with_row_index("row_id")
    train, test = df[:1000], df[1000:]
    test = pl.concat([test[:160], train[:40].with_columns(pl.col("row_id") + 20_000)])  # 20% copied
    before = _audit(_write(tmp_path, train, {}, test))
    assert before["contamination:exact"].blocks
    spec = _write(tmp_path, train, {"dedupe": True}, test)
    prepared = prepare(spec)
    assert prepared.golden_rows == 200 and prepared.n_rows == 1000 - 40 + 200  # the golden file is kept whole
    assert any("copy a row of the golden test file" in note for note in prepared.notes)
    assert "contamination:exact" not in _audit(spec)
