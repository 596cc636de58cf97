"""Data audit before any model: duplicates and near-duplicates (MinHash LSH), train/test contamination (beyond
what chance puts in both splits), target leakage, label conflicts, coverage, entities repeated over rows.
Returns `Finding`s; blocking ones stop a run unless acknowledged in the spec.

Public API: `Finding`, `audit_table`, `audit_splits`, `audit_parquet`, `audit_qa`, `unacknowledged_blocking`,
`check_blocking`, `check_acknowledged`, `render_report`, `find_near_duplicates`, `deduplicate`,
`effective_rows`.
"""

from harness.audit._table import audit_parquet, audit_splits, audit_table, deduplicate, effective_rows
from harness.audit.findings import (
    Finding,
    Severity,
    check_acknowledged,
    check_blocking,
    resolve,
    sort_findings,
    unacknowledged_blocking,
)
from harness.audit.minhash import NearDuplicates, find_near_duplicates, find_near_duplicates_between
from harness.audit.qa import audit_qa
from harness.audit.report import render_report

__all__ = [
    "Finding",
    "NearDuplicates",
    "Severity",
    "audit_parquet",
    "audit_qa",
    "audit_splits",
    "audit_table",
    "check_acknowledged",
    "check_blocking",
    "deduplicate",
    "effective_rows",
    "find_near_duplicates",
    "find_near_duplicates_between",
    "render_report",
    "resolve",
    "sort_findings",
    "unacknowledged_blocking",
]
