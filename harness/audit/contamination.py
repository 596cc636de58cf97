"""Train/test contamination: test rows (or texts) found in train, exactly or as a near-duplicate.

When the feature space is small (few columns with few values: were the columns independent, over 1% of rows
would equal another by chance), equal rows are natural, so the share found is held against the share of
training rows equal to another training row (the same question asked leave-one-out within train, `chance.py`),
and only the excess counts: a shared id always counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from harness.audit._frame import EXAMPLES, example_rows, row_key
from harness.audit.chance import ChanceBaseline, exact_chance, near_chance
from harness.audit.duplicates import near_duplicate_row_clusters
from harness.audit.findings import Finding
from harness.audit.minhash import find_near_duplicates_between, normalize_texts
from harness.spec import AuditOptions


def _contamination_finding(
    code: str,
    what: str,
    shared: int,
    n_test: int,
    options: AuditOptions,
    evidence: dict,
    fix: str,
    *,
    fixed_by_dedupe: bool = False,
) -> Finding | None:
    if shared == 0 or n_test == 0:
        return None
    fraction = shared / n_test
    blocking = fraction >= options.contamination_blocking_fraction
    return Finding(
        code=code,
        severity="blocking" if blocking else "warning",
        title=f"{shared:,} test rows ({fraction:.1%}) {what}",
        evidence={
            "test_rows_shared": shared,
            "test_rows": n_test,
            "fraction_of_test": fraction,
            "blocking_fraction": options.contamination_blocking_fraction,
            **evidence,
        },
        fix=fix,
        fixed_by_dedupe=fixed_by_dedupe,
    )


def _chance_finding(code: str, what: str, observed: int, n_test: int, chance: ChanceBaseline) -> Finding:
    """Test rows found in train no more often than chance puts them there: information, not contamination."""
    share = observed / n_test
    return Finding(
        code=code,
        severity="info",
        title=f"{share:.1%} of test rows {what}, as expected from {chance.describe()} "
        f"({chance.expected_fraction:.1%} within train): not contamination",
        evidence={
            "test_rows_shared": 0,
            "test_rows": n_test,
            "fraction_of_test": 0.0,
            **chance.evidence(observed, n_test, 0),
        },
        fix="nothing to fix: with so few distinct feature rows, equal rows in train and test are expected "
        "(dedupe would drop real observations)",
    )


def exact_contamination(
    train_x: pl.DataFrame,
    test_x: pl.DataFrame,
    options: AuditOptions,
    dedupe_done: bool,
    train_ids: np.ndarray | None = None,
    test_ids: np.ndarray | None = None,
) -> Finding | None:
    """Test rows whose feature vector, or id, also occurs in train. With a small feature space (few columns
    with few values) equal feature rows are expected by chance: only those beyond the share found within
    train count (a shared id always counts)."""
    columns = [c for c in test_x.columns if c in train_x.columns]
    by_features = np.zeros(test_x.height, dtype=bool)
    if columns:
        train_keys = train_x.select(row_key(columns).alias("k")).get_column("k")
        test_keys = test_x.select(row_key(columns).alias("k")).get_column("k")
        by_features = test_keys.is_in(train_keys.implode()).to_numpy()
    by_id = np.zeros(test_x.height, dtype=bool)
    if train_ids is not None and test_ids is not None and len(test_ids) == test_x.height:
        by_id = np.isin(test_ids, train_ids)
    shared = by_features | by_id
    what = "also appear in train (same features or same id)"
    evidence: dict = {"by_features": int(by_features.sum()), "by_id": int(by_id.sum())}
    counted = int(shared.sum())
    chance = exact_chance(train_x, columns) if by_features.any() else None
    if chance is not None:
        feature_only = int((by_features & ~by_id).sum())
        excess, beyond_noise = chance.judge(feature_only, test_x.height - int(by_id.sum()))
        counted = int(by_id.sum()) + (excess if beyond_noise else 0)
        evidence |= chance.evidence(int(by_features.sum()), test_x.height, excess if beyond_noise else 0)
        if counted == 0:
            return _chance_finding(
                "contamination:exact", "also appear in train", feature_only, test_x.height, chance
            )
        what = (
            f"appear in train beyond chance ({evidence['observed_fraction']:.1%} found vs "
            f"{chance.expected_fraction:.1%} expected from {chance.describe()})"
        )
        if by_id.any():
            what += f", {int(by_id.sum()):,} of them by a shared id"
    evidence["examples"] = example_rows(test_x, np.flatnonzero(shared), columns)
    fix = (
        "split by data.group_column so copies stay together, or acknowledge it"
        if dedupe_done
        else "set [audit] dedupe = true to drop exact copies before splitting, or split by data.group_column"
    )
    return _contamination_finding(
        "contamination:exact",
        what,
        counted,
        test_x.height,
        options,
        evidence,
        fix,
        fixed_by_dedupe=not dedupe_done,
    )


def near_contamination(
    train_x: pl.DataFrame, test_x: pl.DataFrame, features: Sequence[str], options: AuditOptions
) -> Finding | None:
    """Test rows with a near-duplicate (not an exact copy) in train; with a small feature space, only those
    beyond the share of training rows with a near-duplicate in train."""
    features = [c for c in features if c in train_x.columns and c in test_x.columns]
    if not features:
        return None
    both = pl.concat([train_x.select(features), test_x.select(features)], how="vertical_relaxed")
    clusters = near_duplicate_row_clusters(both, features, options.near_duplicate_numeric_tolerance)
    n_train = train_x.height
    in_train = np.zeros(clusters.labels.max() + 1 if len(clusters.labels) else 0, dtype=bool)
    in_train[clusters.labels[:n_train]] = True
    exact_in_train = np.zeros(clusters.exact_feature_groups.max() + 1 if n_train else 0, dtype=bool)
    exact_in_train[clusters.exact_feature_groups[:n_train]] = True
    test_labels = clusters.labels[n_train:]
    near_only = in_train[test_labels] & ~exact_in_train[clusters.exact_feature_groups[n_train:]]
    observed = int(near_only.sum())
    what = "have a near-duplicate in train"
    evidence: dict = {}
    counted = observed
    chance = (
        near_chance(train_x.select(features), features, options.near_duplicate_numeric_tolerance)
        if observed
        else None
    )
    if chance is not None:
        excess, beyond_noise = chance.judge(observed, test_x.height)
        counted = excess if beyond_noise else 0
        evidence |= chance.evidence(observed, test_x.height, counted)
        if counted == 0:
            return _chance_finding(
                "contamination:near_duplicates",
                "have a near-duplicate in train",
                observed,
                test_x.height,
                chance,
            )
        what = (
            f"have a near-duplicate in train beyond chance ({observed / test_x.height:.1%} found vs "
            f"{chance.expected_fraction:.1%} expected from {chance.describe()})"
        )
    evidence["examples"] = example_rows(test_x, np.flatnonzero(near_only), features)
    return _contamination_finding(
        "contamination:near_duplicates",
        what,
        counted,
        test_x.height,
        options,
        evidence,
        "split by data.group_column so near-copies stay in one split, or acknowledge it",
    )


def text_contamination(
    train_texts: pl.Series, test_texts: pl.Series, column: str, options: AuditOptions, seed: int
) -> list[Finding]:
    """Test texts equal (normalised) to a train text, and test texts with a near-duplicate in train."""
    findings: list[Finding] = []
    train_norm, test_norm = normalize_texts(train_texts), normalize_texts(test_texts)
    exact = test_norm.is_in(train_norm.implode()).to_numpy() & (test_norm != "").to_numpy()
    exact_finding = _contamination_finding(
        f"contamination:exact:{column}",
        f"have a {column!r} text identical to a train text",
        int(exact.sum()),
        len(test_norm),
        options,
        {"examples": [str(test_texts[int(i)]) for i in np.flatnonzero(exact)[:EXAMPLES]]},
        "de-duplicate texts before splitting, or split by a group column",
    )
    if exact_finding:
        findings.append(exact_finding)
    near = find_near_duplicates_between(
        train_norm,
        test_norm,
        threshold=options.near_duplicate_threshold,
        num_perm=options.num_perm,
        shingle_size=options.shingle_size,
        shingle_unit=options.shingle_unit,
        seed=seed,
    )
    near_rows = np.zeros(len(test_norm), dtype=bool)
    near_rows[near.pairs[:, 1]] = True
    near_rows &= ~exact
    examples = [
        {"train": str(train_texts[int(i)]), "test": str(test_texts[int(j)])}
        for i, j in near.pairs[near_rows[near.pairs[:, 1]]][:EXAMPLES]
    ]
    found = _contamination_finding(
        f"contamination:near_duplicates:{column}",
        f"have a near-duplicate {column!r} text in train (Jaccard ≥ {options.near_duplicate_threshold})",
        int(near_rows.sum()),
        len(test_norm),
        options,
        {"examples": examples},
        "keep one text per near-duplicate cluster before splitting, or split by a group column",
    )
    if found:
        findings.append(found)
    return findings
