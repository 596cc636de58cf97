"""Train / dev / test splits: stratified, random, by group or by time, seeded and deterministic.

The test split is held out for the final measurement only; dev is what candidates may tune and early-stop on.
Only the split itself is computed here; every statistic a model learns is fit on train by the candidates.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from harness.data.task import encode_target
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.types import TaskKind

if TYPE_CHECKING:
    from harness.spec import DecisionSpec

# Every class needs one row in each of train, dev and test.
MIN_ROWS_PER_CLASS = 3
# Above this many groups a random group split keeps the class balance by itself (and is much faster).
MAX_GROUPS_FOR_STRATIFIED = 20_000


@dataclass
class Splits:
    train: Split
    dev: Split
    test: Split
    strategy: str  # "stratified" | "random" | "group" | "time"
    notes: list[str] = field(default_factory=list)
    # beside a golden test file, on time-ordered data: the latest window of the data file, held out like the
    # golden rows (never trained, tuned or early-stopped on) and reported beside them
    rolling: Split | None = None

    def __iter__(self) -> Iterator[Split]:  # `for split in splits`
        return iter((self.train, self.dev, self.test))


def resolve_strategy(task: Task, spec: DecisionSpec) -> str:
    """The split strategy the spec asks for, with 'auto' made concrete and impossible requests refused."""
    data = spec.data
    strategy = data.split
    if strategy == "auto":
        if data.group_column:
            return "group"
        if data.time_column:
            return "time"
        return "stratified" if task.is_classification else "random"
    if strategy == "group" and not data.group_column:
        raise InputError(
            "split = 'group' needs data.group_column", where="[data] split", fix="set data.group_column"
        )
    if strategy == "time" and not data.time_column:
        raise InputError(
            "split = 'time' needs data.time_column", where="[data] split", fix="set data.time_column"
        )
    if strategy == "stratified" and not task.is_classification:
        raise InputError(
            "split = 'stratified' needs a classification target",
            where="[data] split",
            fix="use split = 'random'",
        )
    return strategy


def make_splits(df: pl.DataFrame, task: Task, spec: DecisionSpec, *, n_golden: int = 0) -> Splits:
    """Split a table into train/dev/test under the spec's strategy, fractions and seed (QA data carries a
    corpus and is split by `harness.data.qa`; `harness.data.kinds.make_splits` dispatches by kind).

    `n_golden` > 0: the last `n_golden` rows are the golden test file (`data.test_path`) and are the
    test split as they are; the rest is split into train and dev only."""
    if n_golden:
        return _golden_splits(df, task, spec, n_golden)
    data = spec.data
    n = df.height
    n_test = max(1, round(n * data.test_fraction))
    n_dev = max(1, round(n * data.dev_fraction))
    if n - n_test - n_dev < 2:
        raise InputError(
            f"{n:,} rows are too few for train/dev/test splits",
            where="[data]",
            fix="add rows, or lower data.test_fraction and data.dev_fraction",
        )
    y = encode_target(df, task)
    strategy = resolve_strategy(task, spec)
    if task.is_classification and strategy in ("stratified", "group"):
        _check_class_counts(y, task, strategy)

    if strategy == "stratified" and min(n_test, n_dev) < task.n_classes:
        raise InputError(
            f"a dev split of {n_dev:,} and a test split of {n_test:,} rows cannot hold all "
            f"{task.n_classes:,} classes",
            where="[data]",
            fix="raise data.dev_fraction / data.test_fraction, add rows, or merge rare classes",
        )
    try:
        if strategy == "stratified":
            train_idx, dev_idx, test_idx = _stratified(y, n_test, n_dev, spec.seed)
        elif strategy == "random":
            train_idx, dev_idx, test_idx = _stratified(None, n_test, n_dev, spec.seed, n=n)
        elif strategy == "group":
            groups = _column_values(df, data.group_column, "group_column")
            train_idx, dev_idx, test_idx = _by_group(
                y, groups, task, data.test_fraction, data.dev_fraction, spec.seed
            )
        else:
            times = _column_values(df, data.time_column, "time_column")
            train_idx, dev_idx, test_idx = _by_time(times, n_test, n_dev)
    except ValueError as exc:  # sklearn's own refusal (e.g. too few rows of a class to stratify)
        raise InputError(
            f"cannot make a {strategy} split: {' '.join(str(exc).split())}",
            where="[data] split",
            fix="add rows, change data.test_fraction / data.dev_fraction, or pick another split strategy",
        ) from None

    notes = [
        f"{strategy} split (seed {spec.seed}): train {len(train_idx):,} / dev {len(dev_idx):,} / "
        f"test {len(test_idx):,} rows"
    ]
    return _assemble(df, y, task, spec, strategy, (train_idx, dev_idx, test_idx), notes)


def _golden_splits(df: pl.DataFrame, task: Task, spec: DecisionSpec, n_golden: int) -> Splits:
    """Test = the golden rows; train/dev from the rest under the same strategy (dev is a `dev_fraction` share
    of the rest, by group or latest in time as the strategy says)."""
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    y = encode_target(df, task)
    strategy = resolve_strategy(task, spec)
    n_rest = df.height - n_golden
    n_dev = max(1, round(n_rest * spec.data.dev_fraction))
    if n_rest - n_dev < 2:
        raise InputError(
            f"{n_rest:,} training rows are too few for train/dev splits", where="[data] path", fix="add rows"
        )
    rest = np.arange(n_rest)
    try:
        if strategy in ("stratified", "random"):
            stratify = y[rest] if strategy == "stratified" else None
            train_idx, dev_idx = train_test_split(
                rest, test_size=n_dev, stratify=stratify, random_state=spec.seed
            )
        elif strategy == "group":
            groups = _column_values(df, spec.data.group_column, "group_column")[rest]
            splitter = GroupShuffleSplit(n_splits=1, test_size=spec.data.dev_fraction, random_state=spec.seed)
            train_idx, dev_idx = next(splitter.split(rest, groups=groups))
        else:  # time: train, then dev, then the latest window as the rolling test beside the golden file
            times = _column_values(df, spec.data.time_column, "time_column")[rest]
            order = np.argsort(times, kind="stable")
            n_roll = max(1, round(n_rest * spec.data.test_fraction))
            if n_rest - n_dev - n_roll < 2:
                raise ValueError(f"{n_rest:,} rows leave too few for training beside a rolling test window")
            cut = n_rest - n_dev - n_roll
            train_idx, dev_idx, rolling_idx = order[:cut], order[cut : cut + n_dev], order[cut + n_dev :]
    except ValueError as exc:
        raise InputError(
            f"cannot make a {strategy} train/dev split: {' '.join(str(exc).split())}",
            where="[data] split",
            fix="add rows, change data.dev_fraction, or pick another split strategy",
        ) from None
    train_idx, dev_idx = np.sort(train_idx), np.sort(dev_idx)
    test_idx = np.arange(n_rest, df.height)
    notes = [
        f"{strategy} train/dev split (seed {spec.seed}): train {len(train_idx):,} / dev {len(dev_idx):,}; "
        f"test = the golden file, {len(test_idx):,} rows"
    ]
    splits = _assemble(df, y, task, spec, strategy, (train_idx, dev_idx, test_idx), notes)
    if strategy == "time":
        rolling_idx = np.sort(rolling_idx)
        splits.rolling = make_split("rolling", df, y, task, spec, rolling_idx)
        notes.append(f"rolling test = the latest {len(rolling_idx):,} rows by {spec.data.time_column}")
    return splits


def _assemble(
    df: pl.DataFrame,
    y: np.ndarray,
    task: Task,
    spec: DecisionSpec,
    strategy: str,
    idx: Indices,
    notes: list[str],
) -> Splits:
    """The checks and caps every split goes through, then the three `Split`s."""
    train_idx, dev_idx, test_idx = idx
    if task.is_classification:
        _check_every_class_present(y, task, strategy, train_idx, dev_idx, test_idx, notes)
    train_idx, dev_idx = _cap_labelled(train_idx, dev_idx, y, task, spec, notes)
    if task.kind is TaskKind.BINARY and task.positive_index is not None:
        rates = [float(np.mean(y[i] == task.positive_index)) for i in (train_idx, dev_idx, test_idx)]
        notes.append("positive rate train / dev / test: " + " / ".join(f"{r:.2%}" for r in rates))
    return Splits(
        train=make_split("train", df, y, task, spec, train_idx),
        dev=make_split("dev", df, y, task, spec, dev_idx),
        test=make_split("test", df, y, task, spec, test_idx),
        strategy=strategy,
        notes=notes,
    )


# ---- strategies ------------------------------------------------------------------------------------------

Indices = tuple[np.ndarray, np.ndarray, np.ndarray]


def _stratified(y: np.ndarray | None, n_test: int, n_dev: int, seed: int, *, n: int | None = None) -> Indices:
    """Stratified on `y` (or plain random when `y` is None) via sklearn's train_test_split, twice."""
    from sklearn.model_selection import train_test_split  # lazy: keeps `import harness.data` light

    index = np.arange(len(y) if y is not None else int(n or 0))
    rest, test = train_test_split(index, test_size=n_test, stratify=y, random_state=seed)
    train, dev = train_test_split(
        rest, test_size=n_dev, stratify=None if y is None else y[rest], random_state=seed + 1
    )
    return np.sort(train), np.sort(dev), np.sort(test)


def _by_group(
    y: np.ndarray, groups: np.ndarray, task: Task, test_fraction: float, dev_fraction: float, seed: int
) -> Indices:
    """No group in two splits. Classification keeps the class balance with StratifiedGroupKFold (one fold is
    held out, so the realised fraction is 1/round(1/fraction)); regression, and classification with very many
    groups (where random groups balance the classes anyway and StratifiedGroupKFold's per-group loop is slow),
    use GroupShuffleSplit."""
    from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold

    index = np.arange(len(y))
    n_groups = len(np.unique(groups))
    if n_groups < 3:
        raise InputError(
            f"group split needs at least 3 groups; the group column has {n_groups}",
            where="[data] group_column",
            fix="pick a group column with more distinct values, or use split = 'stratified'",
        )

    def hold_out(idx: np.ndarray, fraction: float, salt: int) -> tuple[np.ndarray, np.ndarray]:
        n_groups_here = len(np.unique(groups[idx]))
        if task.is_classification and n_groups_here <= MAX_GROUPS_FOR_STRATIFIED:
            n_folds = min(max(2, round(1 / fraction)), n_groups_here)
            splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed + salt)
            with warnings.catch_warnings():  # "least populated class has fewer members than n_splits"
                warnings.simplefilter("ignore", UserWarning)
                keep, held = next(splitter.split(idx, y[idx], groups[idx]))
        else:
            splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed + salt)
            keep, held = next(splitter.split(idx, groups=groups[idx]))
        return idx[keep], idx[held]

    rest, test = hold_out(index, test_fraction, 0)
    train, dev = hold_out(rest, dev_fraction / (1 - test_fraction), 1)
    return np.sort(train), np.sort(dev), np.sort(test)


def _by_time(times: np.ndarray, n_test: int, n_dev: int) -> Indices:
    """Sorted by time (ties keep file order): the latest rows are test, the slice before them dev.
    Each split keeps chronological order."""
    order = np.argsort(times, kind="stable")
    n = len(order)
    return order[: n - n_test - n_dev], order[n - n_test - n_dev : n - n_test], order[n - n_test :]


def _cap_labelled(
    train_idx: np.ndarray,
    dev_idx: np.ndarray,
    y: np.ndarray,
    task: Task,
    spec: DecisionSpec,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """`constraints.labelled_examples` caps every labelled row a candidate uses — train *and* dev (tuning and
    early stopping see labels too); dev keeps its share of the cap."""
    cap = spec.constraints.labelled_examples
    if cap is None or cap >= len(train_idx) + len(dev_idx):
        return train_idx, dev_idx
    share = len(dev_idx) / (len(train_idx) + len(dev_idx))
    n_dev = min(len(dev_idx), max(1, round(cap * share)))
    n_train = max(2, cap - n_dev)
    if n_train < len(train_idx):
        train_idx = _cap_train(train_idx, y, task, n_train, spec.seed, notes, what="training")
    if n_dev < len(dev_idx):
        dev_idx = _cap_train(dev_idx, y, task, n_dev, spec.seed + 3, notes, what="dev")
    notes.append(
        f"labelled rows used: {len(train_idx) + len(dev_idx):,} (constraints.labelled_examples = {cap:,})"
    )
    return train_idx, dev_idx


def _cap_train(
    train_idx: np.ndarray,
    y: np.ndarray,
    task: Task,
    cap: int,
    seed: int,
    notes: list[str],
    *,
    what: str = "training",
) -> np.ndarray:
    """Keep `cap` rows of a split (stratified when possible): the team only has that many labels."""
    from sklearn.model_selection import train_test_split

    stratify = y[train_idx] if task.is_classification else None
    if stratify is not None:
        counts = np.bincount(stratify, minlength=task.n_classes)
        if counts.min() < 2 or cap < task.n_classes:
            stratify = None
    kept, _ = train_test_split(train_idx, train_size=cap, stratify=stratify, random_state=seed + 2)
    how = "stratified" if stratify is not None else "random"
    notes.append(f"{what} capped at {cap:,} rows ({how} sample of {len(train_idx):,})")
    return np.sort(kept)


# ---- checks and assembly ---------------------------------------------------------------------------------


def _check_class_counts(y: np.ndarray, task: Task, strategy: str) -> None:
    counts = np.bincount(y, minlength=task.n_classes)
    worst = int(np.argmin(counts))
    if counts[worst] < MIN_ROWS_PER_CLASS:
        raise InputError(
            f"class {task.classes[worst]!r} of target {task.target!r} has {counts[worst]} row(s); "
            f"a {strategy} train/dev/test split needs at least {MIN_ROWS_PER_CLASS} of every class",
            where="[data] target",
            fix="add labelled rows of that class, merge it into another class, or remove its rows",
        )


def _check_every_class_present(
    y: np.ndarray,
    task: Task,
    strategy: str,
    train_idx: np.ndarray,
    dev_idx: np.ndarray,
    test_idx: np.ndarray,
    notes: list[str],
) -> None:
    """Train must see every class; binary dev/test need both classes or their metrics are undefined."""
    for name, idx in (("train", train_idx), ("dev", dev_idx), ("test", test_idx)):
        missing = [
            task.classes[k] for k in np.flatnonzero(np.bincount(y[idx], minlength=task.n_classes) == 0)
        ]
        if not missing:
            continue
        if name == "train" or task.kind is TaskKind.BINARY:
            raise InputError(
                f"the {strategy} split leaves the {name} split without class(es) {missing}",
                where="[data] split",
                fix="raise data.test_fraction / data.dev_fraction, add rows of that class, "
                "or use split = 'stratified'",
            )
        notes.append(
            f"{name} split has no rows of class(es) {missing}; per-class metrics for them are undefined"
        )


def _column_values(df: pl.DataFrame, name: str | None, key: str) -> np.ndarray:
    assert name is not None
    col = df.get_column(name)
    if col.null_count():
        raise InputError(
            f"{key} {name!r} is missing in {col.null_count():,} rows",
            where=f"[data] {key}",
            fix=f"fill {name!r} in every row, or remove those rows",
        )
    return col.to_numpy()


def make_split(
    name: str, df: pl.DataFrame, y: np.ndarray, task: Task, spec: DecisionSpec, idx: np.ndarray
) -> Split:
    """The rows `idx` as a `Split`: feature columns, `y[idx]`, ids / groups / times / row numbers in extra."""
    rows = df[idx]
    extra: dict[str, Any] = {"row_index": idx.astype(np.int64)}
    for key, column in (
        ("ids", spec.data.id_column),
        ("groups", spec.data.group_column),
        ("times", spec.data.time_column),
    ):
        if column is not None and column in df.columns:
            extra[key] = rows.get_column(column).to_numpy()
    return Split(name=name, task=task, X=rows.select(task.feature_columns), y=y[idx], extra=extra)
