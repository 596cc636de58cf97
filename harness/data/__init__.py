"""Data: load a table, work out the task, split it. See `load`, `task`, `split` and `prepare`."""

from harness.data.load import NUMERIC_GARBAGE_SHARE, check_numeric_garbage, data_fingerprint, load_table
from harness.data.prepare import PreparedData, prepare
from harness.data.split import Splits, make_splits, resolve_strategy
from harness.data.task import build_task, build_task_with_notes, encode_target

__all__ = [
    "NUMERIC_GARBAGE_SHARE",
    "PreparedData",
    "Splits",
    "build_task",
    "build_task_with_notes",
    "check_numeric_garbage",
    "data_fingerprint",
    "encode_target",
    "load_table",
    "make_splits",
    "prepare",
    "resolve_strategy",
]
