"""The Ray executor on a real two-node Ray cluster on loopback (`ray.cluster_utils.Cluster`): the trials run
as Ray tasks and the run reaches the same decision, with the same scores, as the local executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.runner import RunOptions, run
from tests.test_executor import _spec

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # every Ray process binds 127.0.0.1
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    yield c
    ray.shutdown()
    c.shutdown()


def test_ray_cluster_reaches_the_local_decision(tmp_path: Path, cluster) -> None:
    include = ["zero-rule", "linear", "xgboost"]
    local = run(
        _spec(tmp_path, include, time_budget_s=120),
        options=RunOptions(runs_dir=tmp_path / "local", adr_dir=tmp_path / "a1"),
    )
    from harness import events as ev

    seen: list[ev.Event] = []
    on_ray = run(
        _spec(tmp_path, include, time_budget_s=120),
        options=RunOptions(
            runs_dir=tmp_path / "ray", adr_dir=tmp_path / "a2", executor="ray", address=cluster.address
        ),
        on_event=seen.append,
    )
    # the trials' own progress (tuning, fitting) streams back from the Ray workers, each under its candidate,
    # before that candidate is reported finished
    order = [(type(e).__name__, getattr(e, "name", None)) for e in seen]
    for name in ("linear", "xgboost"):
        finished = order.index(("CandidateFinished", name))
        assert ("CandidateProgress", name) in order[:finished]
    assert on_ray.decision.recommended == local.decision.recommended
    scores = {m.candidate: round(m.metrics["roc_auc"].value, 6) for m in local.measurements if m.ok}
    assert {m.candidate: round(m.metrics["roc_auc"].value, 6) for m in on_ray.measurements if m.ok} == scores
    assert on_ray.adr_path is not None and on_ray.adr_path.exists()
