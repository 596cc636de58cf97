"""Architecture Decision Records in MADR 4.0 (https://adr.github.io/madr/), rendered from a run record.

This module renders a record's text, one function per section; the store keeps the log on disk (`store`:
numbering, never overwriting; `reading`; `location`: finding the log; `changes`: status, supersede; `index`)
and its names are re-exported here. The whole text is rendered (and encoded) before the disk is touched, so
a failure writes nothing. The run's spec is embedded as a fenced TOML block, which `spec_from_adr` reads back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from harness import fmt
from harness.adr.changes import migrate, set_status, supersede  # noqa: F401 - re-exported: the store
from harness.adr.evidence import flip_lines, monitoring_lines, risk_lines
from harness.adr.evidence import more_information as more_on_evidence
from harness.adr.formats import (  # noqa: F401 - re-exported: the record formats
    header_list,
    record_head,
    split_front_matter,
)
from harness.adr.index import (  # noqa: F401 - re-exported: the store
    INDEX_FILE,
    INDEX_MARKER,
    MADR_URL,
    index_path,
    update_index,
)
from harness.adr.location import find_adr_dir, is_adr_tools_log  # noqa: F401 - re-exported: the store
from harness.adr.options import (  # noqa: F401 - FAMILY_WORDS, VERDICT_WORDS …: used by other modules
    FAMILY_SHORT,
    FAMILY_WORDS,
    NO_JUSTIFIED_MODEL,
    VERDICT_WORDS,
    _considered,
    _evidence,
    _Option,
    _options,
    _pros_and_cons,
)
from harness.adr.reading import (  # noqa: F401 - re-exported: the store
    SPEC_MARKER,
    AdrInfo,
    list_adrs,
    resolve_record,
    same_decision,
    spec_from_adr,
)
from harness.adr.sections import _audit, _context, _drivers, _front_matter, _outcome, _record_file
from harness.adr.store import (  # noqa: F401 - re-exported: the store
    ASSETS_DIR,
    next_number,
    slugify,
    write_adr,
)
from harness.errors import InputError
from harness.fmt import fmt_seconds, portable
from harness.record import RunRecord, spec_toml_of
from harness.results import Decision


def _chart_links(number: int | None, charts: Iterable[str]) -> dict[str, str]:
    from harness.adr.charts import CHARTS

    if number is None:
        return {}
    return {CHARTS[c][0]: f"{ASSETS_DIR}/{number:04d}-{c}.svg" for c in charts if c in CHARTS}


def _more_information(
    record: RunRecord,
    decision: Decision,
    options: list[_Option],
    supersedes: str | None,
    charts: dict[str, str] | None = None,
    number: int | None = None,
) -> list[str]:
    lines: list[str] = []
    package = f"packages/{number or 0:04d}-{slugify(record.spec['title'])}"  # harness.package writes it
    if supersedes:
        lines += [f"This record supersedes {_adr_link(supersedes)}.", ""]
    from harness.adr import rigor

    sections = [
        ("Evaluation protocol", rigor.protocol_lines(record)),
        ("Golden file and rolling window", rigor.golden_rolling_lines(record, decision)),
        ("Paired comparisons", rigor.comparison_lines(record, decision)),
        ("Tuning", rigor.tuning_lines(record, decision)),
        ("Latency", rigor.latency_lines(record, decision)),
        ("Seeds", rigor.seed_lines(record, decision)),
    ]
    sections += more_on_evidence(record, charts or {})
    for title, body in sections:
        if body:
            lines += [f"### {title}", "", *body, ""]
    lines += ["### Evidence", ""]
    lines += _evidence(record, decision, options)
    p = record.provenance
    libraries = ", ".join(f"{name} {version or 'not installed'}" for name, version in p.libraries.items())
    seeds = ", ".join(f"{k} = {v}" for k, v in record.seeds.items()) or "none recorded"
    data = (
        f"{fmt.code(portable(record.data.path))}, {record.data.rows:,} rows × {record.data.n_columns} columns"
    )
    if record.data.sha256:
        data += f", sha256 {fmt.code(record.data.sha256)}"
    timings = ", ".join(f"{step} {fmt_seconds(s)} s" for step, s in record.timings.items())
    spec_toml = spec_toml_of(record)
    fence = fmt.fence(spec_toml)
    lines += [
        "",
        "### Reproducibility",
        "",
        f"* Run: {fmt.code(record.run_id)}, recorded in {fmt.code(_record_file(record))} "
        f"at {record.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"* Command: {fmt.code(portable(record.command))}",
        *(
            []
            if number is None
            else [
                f"* Claims: [{ASSETS_DIR}/{number:04d}-claims.json]({ASSETS_DIR}/{number:04d}-claims.json) — "
                f"`harness verify {number}` re-runs this decision on the same data and checks each of them",
                f"* Decision package: [{package}/]({package}/README.md) — framework recommendation, training "
                "approach (and, for text and QA, fine-tuning vs RAG), with the benchmark methodology",
            ]
        ),
        f"* Data: {data}",
        f"* Code version: {fmt.code(p.code_version)}",
        f"* Python: {p.python} on {p.platform}, {p.cpu_count or '?'} CPUs",
        f"* Seeds: {seeds}",
        f"* Libraries: {libraries or 'none recorded'}",
    ]
    if timings:
        lines.append(f"* Step timings: {timings}")
    lines += [
        "",
        "The full spec (archbench reads this block back with `spec_from_adr`):",
        "",
        SPEC_MARKER,
        f"{fence}toml",
        spec_toml.rstrip("\n"),
        fence,
        "",
        f"This record follows [MADR 4.0]({MADR_URL}); archbench generated it from the run record above.",
    ]
    return lines


def _adr_link(ref: str) -> str:
    name = Path(ref).name
    match = re.match(r"^(\d{1,4})(?:-.*\.md)?$", name)
    if not match:
        return fmt.code(ref)
    label = f"ADR-{int(match.group(1)):04d}"
    return f"[{label}]({name})" if name.endswith(".md") else label


# ---- public API -------------------------------------------------------------------------------------------


def render_adr(
    record: RunRecord,
    *,
    status: str = "proposed",
    date: dt.date | None = None,
    supersedes: str | None = None,
    number: int | None = None,
    charts: Iterable[str] = (),
) -> str:
    """The whole MADR 4.0 text of a run's decision. Pure: touches no file. `charts` (names from
    `harness.adr.charts`) are linked as `assets/NNNN-<name>.svg` when the record's `number` is known."""
    if record.decision is None:
        raise InputError(
            "the run has no decision (it was cancelled before any candidate finished)",
            where=f"run {record.run_id}",
            fix="re-run and let at least one candidate finish",
        )
    if not status.strip() or "\n" in status:
        raise InputError(
            f"invalid ADR status {status!r}", fix="use proposed, accepted, rejected or deprecated"
        )
    spec = record.decision_spec()
    decision = record.decision
    options = _options(record, decision)
    parts: list[str] = [
        # front matter, title and the header list log4brains reads, from the same values
        record_head(
            _front_matter(record, spec, status.strip(), date or dt.date.today(), supersedes), spec.title
        ),
        "",
        "## Context and Problem Statement",
        "",
        *_context(record, spec, decision.metric),
        "",
        "## Decision Drivers",
        "",
        *_drivers(spec, decision.metric, record.constraints_stated),
        "",
        "## Considered Options",
        "",
        *_considered(options),
        "",
        "## Decision Outcome",
        "",
        *_outcome(record, spec, decision, options),
        "",
        "## Pros and Cons of the Options",
        "",
        *_pros_and_cons(spec, decision, options, record.evidence),
        "",
        "## Data audit",
        "",
        *_audit(record, spec),
        "",
        "## Risks and failure modes",
        "",
        *risk_lines(record),
        "",
        "## What would change this decision",
        "",
        *flip_lines(record),
        "",
        "## Monitoring",
        "",
        *monitoring_lines(record),
        "",
        "## More Information",
        "",
        *_more_information(record, decision, options, supersedes, _chart_links(number, charts), number),
    ]
    return "\n".join(parts) + "\n"
