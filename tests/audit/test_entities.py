"""Entity repeats: planted panels (an entity seen several times, no group column) get the group-split
suggestion; i.i.d. tables, natural duplicates of low-cardinality columns and real i.i.d. tables do not."""

from __future__ import annotations

import polars as pl
import pytest

from harness.audit import audit_table
from harness.audit.entities import entity_findings
from harness.data import build_task
from harness.spec import spec_from_dict
from tests.audit.tables import iid, low_cardinality, panel

STABLE = ("sex", "birth_year", "race", "region")


def _spec(target: str = "y", **data: object):
    return spec_from_dict({"title": "entity test", "data": {"path": "x.csv", "target": target, **data}})


def _entities(df: pl.DataFrame, target: str = "y", **data: object) -> list:
    spec = _spec(target, **data)
    return entity_findings(df, build_task(df, spec), spec)


# ---- planted panels ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_panel_without_id_gets_a_group_split_suggestion(seed: int) -> None:
    (found,) = _entities(panel(seed=seed))
    assert found.code == "entity_repeats:combination" and found.severity == "warning"
    columns = found.evidence["columns"]
    assert set(columns) <= set(STABLE) and "birth_year" in columns and len(columns) >= 2
    assert found.evidence["rows_per_entity_median"] == 6
    assert found.evidence["share_of_rows_in_repeated_entities"] >= 0.9
    assert (
        found.evidence["target_likeness_within"] - found.evidence["target_likeness_one_column_apart"] >= 0.3
    )
    assert "[data] group_column" in found.fix and "birth_year" in found.fix


def test_classification_panel_and_a_wave_column() -> None:
    (found,) = _entities(panel(classification=True, wave=True))
    assert found.code == "entity_repeats:combination"
    assert "wave" not in found.evidence["columns"]  # it changes within a person: not part of who they are


def test_an_entity_id_column_is_named_directly() -> None:
    (found,) = _entities(panel(entity_id=True, wave=True))
    assert found.code == "entity_repeats:person_id"
    assert "group_column = 'person_id'" in found.fix
    assert found.evidence["apparent_entities"] == 300 and found.evidence["rows_per_entity_median"] == 6
    assert set(found.evidence["constant_within_entity"]) >= {"sex", "birth_year", "race", "region"}
    assert "wave" in found.evidence["different_within_entity"]


def test_a_file_sorted_by_entity_shows_blocks_of_rows() -> None:
    """Sex and race cannot tell 300 people apart, but the file keeps each person's rows together and the wave
    counts up within them."""
    df = panel(shuffle=False, wave=True).drop("birth_year", "region")
    (found,) = _entities(df)
    assert found.code == "entity_repeats:row_blocks"
    assert found.evidence["apparent_entities"] == 300 and found.evidence["counting_up_within_block"] == [
        "wave"
    ]
    assert "'wave' starts again" in found.fix
    assert _entities(df.sample(fraction=1.0, shuffle=True, seed=3)) == []  # shuffled: no evidence left


def test_declared_group_column_or_time_split() -> None:
    df = panel(entity_id=True, wave=True)
    assert _entities(df, group_column="person_id") == []
    (found,) = _entities(df, time_column="wave")
    assert found.severity == "info" and "split is by time" in found.fix


def test_audit_table_reports_it() -> None:
    df = panel(entity_id=True)
    spec = _spec()
    codes = {f.code for f in audit_table(df, build_task(df, spec), spec)}
    assert "entity_repeats:person_id" in codes


# ---- no entities -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iid_rows_are_not_entities(seed: int) -> None:
    assert _entities(iid(seed=seed)) == []


def test_natural_duplicates_of_low_cardinality_columns_are_not_entities() -> None:
    df = low_cardinality()
    assert df.height - df.unique().height > 2000  # many identical rows, none of them an entity
    assert _entities(df, target="label") == []


@pytest.mark.parametrize("loader", ["load_diabetes", "load_breast_cancer", "load_wine", "load_iris"])
def test_real_iid_tables_are_not_entities(loader: str) -> None:
    from sklearn import datasets

    frame = pl.from_pandas(getattr(datasets, loader)(as_frame=True).frame)
    assert _entities(frame, target="target") == []
