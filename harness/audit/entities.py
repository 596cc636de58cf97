"""Entity repeats: rows that are one entity (a person, a firm, a state) observed several times, while the spec
names no `data.group_column`. A row-wise split then puts the same entity in train and test, and the test score
measures how well a model recognises entities it has seen, not how well it predicts new ones.

Three kinds of evidence, each held against what chance would give:

- **an id-like column**: many values, most rows' value repeats 2–30 times, and the rows of one value look like
  one entity's: two other columns are constant within them far more often than in random groups of the same
  sizes (sex, school, ethnicity; one is enough for a column named like an id, customer_id), or a column takes
  a different value in each where random groups would repeat one (year, wave, age) and its own groups are less
  alike in the target (else it is the entity and the first column the time). A declared `data.id_column` that
  repeats needs no more evidence.
- **a combination of stable columns** (no id at all): rows that agree on a set of columns (sex, birth year,
  race, region) are more alike in the target than rows that agree on all of them but any one — an effect of
  the whole combination that no single column explains, as an entity's own level would be. Natural
  duplicates of low-cardinality features do not show it: their likeness in the target comes from the
  columns' effects, which pairs differing in only one column mostly share.
- **blocks of consecutive rows** (a file sorted by entity, no id): neighbouring rows agree on some columns
  far more often than random pairs (or a year-like column counts up and starts again), in short blocks, and
  rows of one block are more alike in the target than rows with the same values in other blocks. A file
  sorted by a feature has each value in one long block, so there is nothing to compare and no finding.

Likeness is a pooled within-group correlation of the target (numbers as standardised ranks, classes as
centred one-hot vectors: 0 is chance, 1 identical), from per-group sums: no pairwise loop. An effect counts
when it is at least 0.2 and three standard errors (the groups, not the rows, are the unit). Rows that are
exact copies of each other are duplicates (`duplicates:rows`), not entities. At most 50,000 rows are searched
(whole entities of an id-like column; a random subset for combinations; the first rows for blocks).

The three searches are `_entity_id.py`, `_entity_combination.py` and `_entity_blocks.py`, their statistics
`_entity_stats.py`; this module picks the strongest evidence and words the finding.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from harness.audit._entity_blocks import _Blocks, _row_blocks
from harness.audit._entity_combination import _Combination, _combination
from harness.audit._entity_id import _id_column, _IdColumn
from harness.audit._entity_stats import MIN_ENTITIES, _is_discrete, _target_vectors
from harness.audit.findings import Finding
from harness.dataset import Task
from harness.spec import DecisionSpec


def entity_findings(rows: pl.DataFrame, task: Task, spec: DecisionSpec) -> list[Finding]:
    """Evidence that rows repeat entities while the spec names no `data.group_column` (on the audit rows,
    in file order). At most one finding: an id-like column, else a combination of columns, else blocks."""
    data = spec.data
    if data.group_column or rows.height < 4 * MIN_ENTITIES:
        return []
    columns = [c for c in rows.columns if c not in {task.target, *task.text_columns}]
    discrete = [c for c in columns if _is_discrete(rows.get_column(c))]
    stable_candidates = [c for c in discrete if c not in (data.id_column, data.time_column)]
    time_split = data.split == "time" or (data.split == "auto" and data.time_column is not None)
    z = None
    if task.target and task.target in rows.columns:
        z = _target_vectors(rows.get_column(task.target), task)
    ids = [
        found
        for column in discrete
        if column != data.time_column
        and (found := _id_column(rows, column, columns, column == data.id_column, z, spec.seed)) is not None
    ]
    if ids:
        ids.sort(key=lambda f: f.strength, reverse=True)
        return [_id_finding(ids[0], [f.column for f in ids[1:]], time_split)]
    if z is None:
        return []
    combination = _combination(rows, stable_candidates, z, spec.seed, data.id_column)
    if combination is not None and combination.convincing:
        return [_combination_finding(combination, task.target, time_split)]
    blocks = _row_blocks(rows, [c for c in discrete if c != data.id_column], z, data.id_column)
    if blocks is not None and blocks.convincing:
        return [_blocks_finding(blocks, task.target, time_split)]
    return []


def _names(columns: list[str], limit: int = 4) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def _split_note(time_split: bool) -> str:
    if not time_split:
        return ""
    return (
        "; the split is by time, so the same entities appear before and after the cut: right only if the "
        "model will score entities it has already seen"
    )


def _id_finding(found: _IdColumn, others: list[str], time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    evidence: dict[str, Any] = {"column": found.column, **shape}
    if found.stable:
        evidence["constant_within_entity"] = {c: {"within": w, "chance": p} for c, w, p in found.stable}
    if found.varying:
        evidence["different_within_entity"] = {c: {"within": w, "chance": p} for c, w, p in found.varying}
    if found.target_likeness is not None:
        evidence["target_likeness_within_entity"] = round(found.target_likeness, 3)
    if others:
        evidence["other_id_like_columns"] = others
    why = []
    if found.declared:
        why.append("it is data.id_column")
    if found.stable:
        why.append(f"{_names([c for c, _, _ in found.stable])} constant within each")
    if found.varying:
        why.append(f"{_names([c for c, _, _ in found.varying])} different in each of its rows")
    return Finding(
        code=f"entity_repeats:{found.column}",
        severity="info" if time_split else "warning",
        title=f"{found.column!r} looks like an entity id: {shape['apparent_entities']:,} values with "
        f"{shape['rows_per_entity_median']:g} rows each (median) hold {share:.0%} of rows; " + "; ".join(why),
        evidence=evidence,
        fix=f"set [data] group_column = {found.column!r} so each entity's rows stay in one split (a row-wise "
        "split puts the same entity in train and test and rewards memorising it)" + _split_note(time_split),
    )


def _derive_fix(how: str, time_split: bool) -> str:
    return (
        f"add a column that identifies the entity ({how}) and set [data] group_column to it, so each "
        "entity's rows stay in one split; if the rows really are different entities, acknowledge this finding"
        + _split_note(time_split)
    )


def _combination_finding(found: _Combination, target: str, time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    names = _names(found.columns, limit=len(found.columns))
    return Finding(
        code="entity_repeats:combination",
        severity="info" if time_split else "warning",
        title=f"rows look like repeated entities: the combination of {names} recurs in "
        f"{shape['apparent_entities']:,} groups of {shape['rows_per_entity_median']:g} rows (median) holding "
        f"{share:.0%} of rows, alike in {target!r} ({found.within:.2f}) far beyond rows that differ in one "
        f"of these columns ({found.apart:.2f})",
        evidence={
            "columns": list(found.columns),
            **shape,
            "target_likeness_within": round(found.within, 3),
            "target_likeness_one_column_apart": round(found.apart, 3),
            "entity_effect": round(found.effect, 3),
        },
        fix=_derive_fix(f"e.g. the combination of {names}", time_split),
    )


def _blocks_finding(found: _Blocks, target: str, time_split: bool) -> Finding:
    shape = found.grouping.shape()
    share = shape["share_of_rows_in_repeated_entities"]
    signs = []
    if found.stable:
        signs.append(f"mostly share {_names(found.stable)}")
    if found.counting:
        signs.append(f"count up in {_names(found.counting)}")
    compared = "the same values" if found.stable else f"the same {found.counting[0]!r}"
    where = (
        f"wherever {found.counting[0]!r} starts again"
        if found.counting
        else f"wherever {_names(found.stable)} change"
    )
    return Finding(
        code="entity_repeats:row_blocks",
        severity="info" if time_split else "warning",
        title=f"rows look like repeated entities stored one after another: {shape['apparent_entities']:,} "
        f"blocks of {shape['rows_per_entity_median']:g} consecutive rows (median, {share:.0%} of rows) "
        f"{' and '.join(signs)}, alike in {target!r} ({found.within:.2f}) far beyond rows with {compared} in "
        f"other blocks ({found.apart:.2f})",
        evidence={
            **shape,
            "stable_between_neighbours": list(found.stable),
            "counting_up_within_block": list(found.counting),
            "target_likeness_within_block": round(found.within, 3),
            "target_likeness_other_blocks": round(found.apart, 3),
            "target_likeness_next_row_same_block": round(found.neighbours_within, 3),
            "target_likeness_next_row_across_edge": round(found.neighbours_across, 3),
            "entity_effect": round(found.effect, 3),
        },
        fix=_derive_fix(f"e.g. a number that goes up by one {where}", time_split),
    )
