"""The decision package: the documents written beside an ADR, one folder per decision
(`adr/packages/NNNN-<slug>/`), rendered from the finished run's record and spec.

* `README.md` — the index: the ADR, the Benchmark Methodology (the plan), the documents, the decision log;
* `framework-recommendation.md` — a weighted scorecard (spec `[package] weights`) over quality, latency,
  cost, team-skill fit and maintenance, every score explained from measured numbers;
* `finetune-vs-rag.md` — text classification and QA decisions only;
* `training-approach.md` — data, machine and measured time, evaluation protocol, retraining cadence.

`render_package` is pure (name → Markdown); `write_package` writes the folder atomically. A run without a
decision (cancelled, or no candidate finished) has no package: both raise `InputError`, as `render_adr` does,
and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from harness.package import finetune_rag, framework, index, training
from harness.package.context import PACKAGES_DIR, build_context, is_text_decision, package_dir
from harness.package.write import write_folder
from harness.record import RunRecord
from harness.spec import DecisionSpec

__all__ = ["PACKAGES_DIR", "is_text_decision", "package_dir", "render_package", "write_package"]


def render_package(
    record: RunRecord, spec: DecisionSpec, *, adr_path: Path, plan_path: Path | None = None
) -> dict[str, str]:
    """The package's files (name → Markdown text); touches no file. Links are relative to the package
    folder beside `adr_path` (the ADR's number names the folder); `plan_path` is the Benchmark Methodology
    the run followed (None: no plan)."""
    from harness.adr.index import index_path

    adr_path = Path(adr_path)
    ctx = build_context(
        record, spec, adr_path=adr_path, plan_path=plan_path, log_index=index_path(adr_path.parent)
    )
    files = {framework.FILE: framework.render(ctx)}
    if ctx.is_text_decision:
        files[finetune_rag.FILE] = finetune_rag.render(ctx)
    files[training.FILE] = training.render(ctx)
    return {index.FILE: index.render(ctx, list(files)), **files}


def write_package(
    record: RunRecord, spec: DecisionSpec, *, adr_path: Path, plan_path: Path | None = None
) -> Path:
    """Render the package and write it as `adr/packages/NNNN-<slug>/` beside the ADR, atomically (a temp
    folder renamed into place; a package already there is replaced whole). Returns the folder."""
    files = render_package(record, spec, adr_path=adr_path, plan_path=plan_path)
    return write_folder(package_dir(Path(adr_path)), files)
