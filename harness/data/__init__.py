"""Data: load a table, work out the task, split it. See `load`, `task`, `split`, `kinds` and `prepare`."""

from harness.data.kinds import (
    QA,
    TABULAR,
    TEXT,
    Kind,
    build_task,
    build_task_with_notes,
    kind_of,
    make_splits,
)
from harness.data.load import NUMERIC_GARBAGE_SHARE, check_numeric_garbage, data_fingerprint, load_table
from harness.data.prepare import PreparedData, prepare
from harness.data.split import Splits, resolve_strategy
from harness.data.task import encode_target

__all__ = [
    "NUMERIC_GARBAGE_SHARE",
    "QA",
    "TABULAR",
    "TEXT",
    "Kind",
    "PreparedData",
    "Splits",
    "build_task",
    "build_task_with_notes",
    "check_numeric_garbage",
    "data_fingerprint",
    "encode_target",
    "kind_of",
    "load_table",
    "make_splits",
    "prepare",
    "resolve_strategy",
]
