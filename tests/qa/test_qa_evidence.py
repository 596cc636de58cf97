"""QA evidence through a real run: questions about documents no training question covers are a slice and a
named failure mode with measured numbers, and the freshness constraint is the stale-knowledge response."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.runner import RunOptions, run
from harness.spec import spec_from_dict
from tests.qa.conftest import make_spec

pytestmark = [pytest.mark.slow, pytest.mark.text]


def test_unseen_documents_are_a_measured_failure_mode(qa_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("rank_bm25")
    pytest.importorskip("faiss")
    spec = spec_from_dict(
        {
            **make_spec(qa_dir).to_dict(),
            "constraints": {"knowledge_freshness_days": 7},
            "candidates": {"include": ["bm25", "rag-faiss"]},
        }
    )
    result = run(spec, options=RunOptions(runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr"))
    ev = result.record.evidence
    chosen = ev.slices_of(ev.chosen)
    labels = {s.label: s for s in chosen.slices}
    unseen = labels["gold document unseen in training"]
    assert unseen.rows > 0 and unseen.score is not None
    ood = next(f for f in ev.failure_modes if f.kind == "out_of_distribution")
    assert ood.measured and f"{unseen.rows:,} test questions" in ood.evidence
    stale = next(f for f in ev.failure_modes if f.kind == "stale")
    assert "every 7 days" in stale.response
    assert "Questions about unseen documents" in result.adr_path.read_text()
