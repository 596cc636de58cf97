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


def test_text_families_train_on_the_cluster_and_come_back_to_be_timed(
    tmp_path: Path, cluster, monkeypatch, request
) -> None:
    """A text decision on Ray: the encoder families fit in Ray workers, their fitted models (encoder by
    configuration, FAISS index, classifier) come back and are timed here, and the decision and every score
    are the ones the in-process run gets."""
    from harness.spec import spec_from_toml
    from harness.text.encoder import clear_caches
    from tests.conftest import load_generator

    monkeypatch.setenv("ARCHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    clear_caches()  # this test's encoders live in its own cache folder: none shared with other tests
    request.addfinalizer(clear_caches)
    load_generator("intents").generate(per_intent=12, seed=2).write_csv(tmp_path / "intents.csv")
    spec_path = tmp_path / "decision.toml"
    spec_path.write_text(
        'title = "Intent router on a cluster"\ntask = "multiclass"\nseed = 0\n'
        '[data]\npath = "intents.csv"\ntarget = "intent"\ntext_columns = ["text"]\noos_label = "oos"\n'
        '[candidates]\ninclude = ["zero-rule", "tfidf-logreg", "knn-faiss"]\ntime_budget_s = 300\n'
        '[audit]\ndedupe = true\nacknowledge = ["contamination:near_duplicates:text"]\n'
        "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    spec = spec_from_toml(spec_path.read_text(), source=spec_path)
    here = run(spec, options=RunOptions(runs_dir=tmp_path / "here", adr_dir=tmp_path / "a1"))
    on_ray = run(
        spec,
        options=RunOptions(
            runs_dir=tmp_path / "ray", adr_dir=tmp_path / "a2", executor="ray", address=cluster.address
        ),
    )
    assert here.record.protocol["executor"] == "inline" and on_ray.record.protocol["executor"] == "ray"
    knn = next(m for m in on_ray.measurements if m.candidate == "knn-faiss")
    assert knn.ok, knn.reason
    assert knn.latency is not None and knn.details.get("timed_on")  # timed here, after coming back
    assert on_ray.decision.recommended == here.decision.recommended
    scores = {m.candidate: round(m.metrics["macro_f1"].value, 6) for m in here.measurements if m.ok}
    assert {m.candidate: round(m.metrics["macro_f1"].value, 6) for m in on_ray.measurements if m.ok} == scores
