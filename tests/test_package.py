"""The decision package, rendered from real (small) runs: every number a document states is one the run
record holds (or one this test derives from it independently), the spec's weights change the ranking, the
Fine-tuning vs RAG document is written only for text and QA decisions, and the folder is written
atomically."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness import fmt
from harness.errors import InputError
from harness.package import PACKAGES_DIR, render_package, write_package
from harness.package.context import build_context
from harness.package.finetune_rag import VOLUMES
from harness.package.scoring import MAX_COMPLEXITY, score_candidates
from harness.record import RunRecord
from harness.runner import RunOptions, run
from harness.spec import DecisionSpec, spec_from_dict, spec_from_toml
from harness.types import SkillLevel, TaskKind
from tests.conftest import load_generator, make_tiny_classification_df

pytestmark = pytest.mark.slow

DOCS = ("README.md", "framework-recommendation.md", "training-approach.md")


# ---- two small real runs, shared by the tests ------------------------------------------------------------


@pytest.fixture(scope="module")
def fast_timing() -> Iterator[None]:
    """Latency timed with fewer calls: these tests check what the documents say about the numbers, not the
    numbers' precision."""
    import harness.measure.measurement as measurement

    with pytest.MonkeyPatch.context() as mp:
        fast = functools.partial(
            measurement.time_candidates, n_latency_calls=60, latency_max_s=0.6, throughput_min_s=0.05
        )
        mp.setattr(measurement, "time_candidates", fast)
        yield


def _run(spec: DecisionSpec, out: Path) -> SimpleNamespace:
    options = RunOptions(runs_dir=out / "runs", adr_dir=out / "adr", executor="inline")
    result = run(spec, options=options)
    assert result.decision is not None and result.adr_path is not None
    plan = (result.record.plan or {}).get("path") if hasattr(result.record, "plan") else None
    return SimpleNamespace(
        record=result.record,
        spec=spec,
        adr_path=result.adr_path,
        plan_path=(out / "adr" / plan) if plan else None,
    )


@pytest.fixture(scope="module")
def tabular(tmp_path_factory: pytest.TempPathFactory, fast_timing: None) -> SimpleNamespace:
    out = tmp_path_factory.mktemp("package-tabular")
    make_tiny_classification_df(600).write_csv(out / "tab.csv")
    spec = spec_from_dict(
        {
            "title": "Tiny tabular",
            "data": {"path": str(out / "tab.csv"), "target": "label", "id_column": "row_id"},
            "constraints": {"latency_p99_ms": 50, "hardware_usd_per_hour": 1.0},
            "team_skills": {"sklearn": "expert", "xgboost": "basic"},
            "candidates": {"include": ["zero-rule", "linear", "xgboost"], "tuning_trials": 2, "cv_folds": 2},
            "evidence": {"learning_curves": True, "robustness": False},
        }
    )
    return _run(spec, out)


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory, fast_timing: None) -> Iterator[SimpleNamespace]:
    pytest.importorskip("faiss")
    pytest.importorskip("sentence_transformers")
    out = tmp_path_factory.mktemp("package-text")
    load_generator("intents").generate(per_intent=12, seed=1).write_csv(out / "intents.csv")
    spec = spec_from_dict(
        {
            "title": "Tiny intents",
            "task": "multiclass",
            "data": {
                "path": str(out / "intents.csv"),
                "target": "intent",
                "text_columns": ["text"],
                "oos_label": "oos",
            },
            "constraints": {"knowledge_freshness_days": 30, "hardware_usd_per_hour": 1.0},
            "team_skills": {"sklearn": "proficient", "faiss": "basic"},
            "candidates": {"include": ["zero-rule", "tfidf-logreg", "knn-faiss"], "tuning_trials": 2},
            "audit": {"dedupe": True, "acknowledge": ["contamination:near_duplicates:text"]},
            "evidence": {"learning_curves": True, "robustness": False},
        }
    )
    with pytest.MonkeyPatch.context() as mp:  # ONNX exports to a private cache, never ~/.cache
        mp.setenv("ARCHBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("archbench-cache")))
        yield _run(spec, out)
        from harness.text.encoder import clear_caches

        clear_caches()


def _render(r: SimpleNamespace, spec: DecisionSpec | None = None, record: RunRecord | None = None):
    return render_package(record or r.record, spec or r.spec, adr_path=r.adr_path, plan_path=r.plan_path)


# ---- the claim check: numbers in a document against numbers the record holds ---------------------------

# A number: optional sign, digits with separators, decimals, an exponent, a percent sign; not part of a word
# (p99, F1, L6) nor of a dotted version (2.4.6).
NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]\d+)?%?(?!\w|[.,]\d)")
# What the documents say that is no measurement: scale bounds (0 to 1, complexity 1 of 5), the monthly
# volumes the unit cost is multiplied by, and the floors fmt prints instead of a tiny number ("< 0.001" MB).
CONSTANTS = {"0", "1", str(MAX_COMPLEXITY), *(fmt.fmt_int(v) for v in VOLUMES), "0.001", "0.01", "0.000001"}


def _strip(markdown: str) -> str:
    """Remove what is not a claim: code spans (run ids, hashes, paths, versions), link targets, list numbers,
    table rules."""
    text = re.sub(r"(`+)(?:(?!\1).)+\1", " ", markdown)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"(?m)^\s*\d+\. ", "", text)
    return re.sub(r"(?m)^\|[-:| ]+\|$", "", text)


def numbers_in(markdown: str) -> list[str]:
    return [m.group(0).lstrip("+").replace("−", "-") for m in NUMBER.finditer(_strip(markdown))]


def _formatted(value: float) -> set[str]:
    """Every way the package's formatting (harness.fmt) can print `value`."""
    if isinstance(value, bool) or not math.isfinite(value):
        return set()
    forms = {
        fmt.fmt_metric(value),
        fmt.fmt_ms(value),
        fmt.fmt_int(value),
        fmt.fmt_sig(value, 2),
        fmt.fmt_sig(value),
        fmt.fmt_usd(value),
        fmt.fmt_budget(value),
        fmt.cost_cell(value),
        fmt.fmt_seconds(value),
        f"{value:+,.3f}".lstrip("+"),
        f"{value:.0%}",
        f"{value:.1%}",
    }
    if value >= 0 and float(value).is_integer():
        forms.add(fmt.fmt_mb(int(value)))
    return forms


_BULK = {
    "resamples",
    "edges",
    "shares",
    "round_p99_ms",
    "class_prior",
    "curve",
    "C_tried",
}  # arrays no doc cites


def _leaves(value: Any, key: str = "") -> Iterator[float | str]:
    if key in _BULK:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v, key)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield float(value)
    elif isinstance(value, str):
        yield value


def cited(record: RunRecord) -> list[Any]:
    """The parts of the record the documents draw on (the whole record would allow too much: hundreds of
    slice, calibration and comparison numbers no document cites)."""
    data = record.model_dump(mode="json")
    evidence = data.get("evidence") or {}
    measurements = [
        {**m, "details": {"tuning": m["details"].get("tuning", {})}} for m in data["measurements"]
    ]
    decision = dict(data["decision"])
    decision.pop("comparisons", None)  # the documents quote the decision's sentences, not its statistics
    return [
        data["data"],
        data["task"],
        data["splits"],
        data["protocol"],
        data["seed_runs"],
        data["provenance"]["cpu_count"],
        measurements,
        decision,
        evidence.get("learning_curves", []),
        evidence.get("failure_modes", []),
        (evidence.get("monitoring") or {}).get("signals", []),
    ]


def derived_values(record: RunRecord, spec: DecisionSpec, adr_path: Path) -> Iterable[float]:
    """Numbers the documents compute from the record, recomputed here independently of harness.package."""
    yield int(adr_path.name[:4])
    counts = record.task.class_counts
    total = sum(counts.values())
    yield total
    yield len(record.task.classes)
    yield from (n / total for n in counts.values() if total)
    weights = spec.package.weights.raw()
    yield from weights.values()
    yield from (w / sum(weights.values()) for w in weights.values())
    for m in record.measurements:
        if m.cost_usd_per_1k is not None:
            yield from (m.cost_usd_per_1k * v / 1000 for v in VOLUMES)
    scores = independent_scores(record, spec)
    for per in scores["scores"].values():
        yield from per.values()
    yield from scores["totals"].values()
    yield from scores["used"].values()


def allowed_numbers(r: SimpleNamespace, spec: DecisionSpec | None = None) -> set[str]:
    spec = spec or r.spec
    allowed = set(CONSTANTS)
    allowed.add(r.adr_path.name[:4])  # the ADR's number, as its file name writes it
    sources = [*cited(r.record), spec.to_dict(), spec.package.weights.raw()]
    for source in sources:
        for leaf in _leaves(source):
            if isinstance(
                leaf, str
            ):  # the record's own sentences (reasons, failure modes), quoted as written
                allowed |= set(numbers_in(leaf))
            else:
                allowed |= _formatted(leaf)
    for value in derived_values(r.record, spec, r.adr_path):
        allowed |= _formatted(float(value))
    return allowed


def unsupported(markdown: str, allowed: set[str]) -> list[str]:
    return [n for n in numbers_in(markdown) if n not in allowed]


# ---- the scores, recomputed from the record without harness.package --------------------------------------


def independent_scores(record: RunRecord, spec: DecisionSpec) -> dict[str, Any]:
    d = record.decision
    assert d is not None
    up = fmt.greater_is_better(d.metric)
    survivors = [v for v in d.verdicts if v.rank is not None]
    ms = {v.candidate: record.measurement(v.candidate) for v in survivors}

    def between(x: float, worst: float, best: float) -> float:
        return 1.0 if best == worst else min(1.0, max(0.0, (x - worst) / (best - worst)))

    def log_rank(x: float, xs: list[float]) -> float:  # smaller is better
        lo, hi = min(xs), max(xs)
        return 1.0 if hi == lo else between(-math.log(x), -math.log(hi), -math.log(lo))

    sign = 1 if up else -1
    q = {n: sign * m.metrics[d.metric].value for n, m in ms.items()}
    base = sign * record.measurement(d.best_baseline).metrics[d.metric].value
    scores: dict[str, dict[str, float]] = {
        "quality": {},
        "latency": {},
        "cost": {},
        "skills": {},
        "maintenance": {},
    }
    for n, m in ms.items():
        perfect = 1.0 if up else 0.0  # the room above the baseline, up to a perfect score
        scores["quality"][n] = (
            (1.0 if q[n] >= base else 0.0) if base >= perfect else between(q[n], base, perfect)
        )
        p99s = [x.latency.p99_ms for x in ms.values()]
        budget = spec.constraints.latency_p99_ms
        scores["latency"][n] = (
            min(1.0, max(0.0, 1 - m.latency.p99_ms / budget)) if budget else log_rank(m.latency.p99_ms, p99s)
        )
        costs = [x.cost_usd_per_1k for x in ms.values()]
        scores["cost"][n] = log_rank(m.cost_usd_per_1k, costs)
        team = spec.team_skills
        levels = [team.get(s, SkillLevel.NONE).score / 3 for s in m.skills]
        scores["skills"][n] = sum(levels) / len(levels) if levels else 1.0
        sizes = [float(x.size_bytes) for x in ms.values()]
        parts = [
            (5 - m.complexity) / 4,
            float(m.interpretable),
            float(not m.requires_gpu),
            log_rank(float(m.size_bytes), sizes),
        ]
        scores["maintenance"][n] = sum(parts) / 4
    w = spec.package.weights.raw()
    used = {k: w[k] / sum(w.values()) for k in scores if w[k] > 0}
    scores = {k: v for k, v in scores.items() if k in used}
    totals = {n: sum(used[k] * scores[k][n] for k in used) for n in ms}
    return {"scores": scores, "used": used, "totals": totals}


# ---- tests -------------------------------------------------------------------------------------------------


def test_the_claim_check_catches_a_number_the_record_does_not_hold(tabular: SimpleNamespace) -> None:
    files = _render(tabular)
    allowed = allowed_numbers(tabular)
    assert numbers_in(files["framework-recommendation.md"])  # the check has something to check
    assert unsupported("Latency 0.4242 and 7,777 rows", allowed) == ["0.4242", "7,777"]
    assert unsupported("p99, F1, `run 123`, numpy 2.4.6, [ADR](../../0999-x.md)", allowed) == []


@pytest.mark.parametrize("doc", DOCS)
def test_every_number_in_a_tabular_document_is_in_the_record(tabular: SimpleNamespace, doc: str) -> None:
    files = _render(tabular)
    assert set(files) == set(DOCS)  # no Fine-tuning vs RAG document for a tabular decision
    assert unsupported(files[doc], allowed_numbers(tabular)) == []


@pytest.mark.text
@pytest.mark.parametrize("doc", [*DOCS, "finetune-vs-rag.md"])
def test_every_number_in_a_text_document_is_in_the_record(text: SimpleNamespace, doc: str) -> None:
    files = _render(text)
    assert unsupported(files[doc], allowed_numbers(text)) == []


def test_scores_are_the_measured_numbers_scaled_as_documented(tabular: SimpleNamespace) -> None:
    ctx = build_context(
        tabular.record, tabular.spec, adr_path=tabular.adr_path, plan_path=None, log_index=None
    )
    card = score_candidates(ctx)
    expected = independent_scores(tabular.record, tabular.spec)
    assert card.used == pytest.approx(expected["used"])
    for row in card.rows:
        for key, score in row.scores.items():
            assert score.value == pytest.approx(expected["scores"][key][row.candidate]), (row.candidate, key)
        assert row.total == pytest.approx(expected["totals"][row.candidate])
    survivors = {v.candidate for v in tabular.record.decision.verdicts if v.rank is not None}
    assert {r.candidate for r in card.rows} == survivors
    text = _render(tabular)["framework-recommendation.md"]
    for row in card.rows:  # each candidate's weighted score and its explanation are in the document
        assert f"### {row.candidate}: {fmt.fmt_metric(row.total)}" in text
        p99 = tabular.record.measurement(row.candidate).latency.p99_ms
        assert f"p99 {fmt.fmt_ms(p99)} ms of the 50 ms budget" in text
    assert "summary for discussion, not the decision" in text


def _with_weights(spec: DecisionSpec, **weights: float) -> DecisionSpec:
    return spec_from_dict({**spec.to_dict(), "package": {"weights": weights}})


def test_the_spec_weights_change_the_ranking(tabular: SimpleNamespace) -> None:
    record = tabular.record
    survivors = [record.measurement(v.candidate) for v in record.decision.verdicts if v.rank is not None]
    fastest = min(survivors, key=lambda m: m.latency.p99_ms).candidate
    metric = record.decision.metric
    best = max(survivors, key=lambda m: m.metrics[metric].value).candidate
    assert fastest != best  # the planted case: the fastest option is not the most accurate

    def top(spec: DecisionSpec) -> str:
        ctx = build_context(record, spec, adr_path=tabular.adr_path, plan_path=None, log_index=None)
        return score_candidates(ctx).rows[0].candidate

    assert top(_with_weights(tabular.spec, latency=1)) == fastest
    assert top(_with_weights(tabular.spec, quality=1)) == best
    on_latency = _with_weights(tabular.spec, latency=1)
    text = _render(tabular, on_latency)["framework-recommendation.md"]
    assert "The weights are the spec's `[package] weights`" in text
    assert "| Latency | 1 | 1 | 1 |" in text and "| Quality | 0 | 0 | — |" in text
    if fastest != record.decision.recommended:
        assert "**The top weighted score differs from the ADR's decision.**" in text
        assert f'"{fastest}" scores' in text and f'the ADR chose "{record.decision.recommended}"' in text
    assert unsupported(text, allowed_numbers(tabular, on_latency)) == []


def test_a_criterion_that_was_not_measured_is_left_out_and_said_so(tabular: SimpleNamespace) -> None:
    spec = spec_from_dict({**tabular.spec.to_dict(), "team_skills": {}})
    text = _render(tabular, spec)["framework-recommendation.md"]
    assert "Team-skill fit is not scored: the spec states no team skills (team_skills)" in text


@pytest.mark.text
def test_finetune_vs_rag_only_for_text_and_qa_decisions(
    tabular: SimpleNamespace, text: SimpleNamespace
) -> None:
    assert "finetune-vs-rag.md" not in _render(tabular)
    assert "not written: a binary decision without text" in _render(tabular)["README.md"]
    files = _render(text)
    assert "finetune-vs-rag.md" in files and "(finetune-vs-rag.md)" in files["README.md"]
    qa = text.record.model_copy(update={"task": text.record.task.model_copy(update={"kind": TaskKind.QA})})
    assert "finetune-vs-rag.md" in _render(text, record=qa)
    no_text = text.record.model_copy(update={"task": text.record.task.model_copy(update={"n_text": 0})})
    assert "finetune-vs-rag.md" not in _render(text, record=no_text)


@pytest.mark.text
def test_finetune_vs_rag_reads_the_run(text: SimpleNamespace) -> None:
    doc = _render(text)["finetune-vs-rag.md"]
    record = text.record
    knn = record.measurement("knn-faiss")
    assert "| Retrieval (RAG) | " in doc and "Not measured in this run: fine-tuning, prompt-only" in doc
    assert "at most 30 days old" in doc and "re-index at least every 30 days" in doc
    for volume in VOLUMES:  # cost at each monthly volume is the measured unit cost scaled
        assert fmt.cost_cell(knn.cost_usd_per_1k * volume / 1000) in doc
    assert f"| knn-faiss | {fmt.fmt_ms(knn.latency.p50_ms)} | {fmt.fmt_ms(knn.latency.p99_ms)} |" in doc
    curve = next(c for c in record.evidence.learning_curves if c.candidate == "knn-faiss")
    assert all(f"{p.fraction:.0%}: {fmt.fmt_metric(p.mean)}" in doc for p in curve.points)
    chosen = record.decision.recommended
    assert f": {chosen}**, the option the ADR chose" in doc
    assert "## How to implement it" in doc and "1. " in doc


def test_training_approach_reads_the_run(tabular: SimpleNamespace) -> None:
    doc = _render(tabular)["training-approach.md"]
    record = tabular.record
    chosen = record.measurement(record.decision.recommended)
    assert f"Measured fit: {fmt.fmt_seconds(chosen.train_time_s)} s on {chosen.train_rows:,} rows" in doc
    assert "No GPU needed" in doc
    assert all(fmt.sentence(line)[1:] in doc for line in record.protocol["lines"])
    stale = next(f for f in record.evidence.failure_modes if f.kind == "stale")
    assert stale.evidence in doc  # the retraining cadence comes from the measured (or unmeasurable) staleness


def test_the_index_links_every_document(tabular: SimpleNamespace) -> None:
    files = _render(tabular)
    index = files["README.md"]
    targets = re.findall(r"\]\(([^)]+)\)", index)
    folder = tabular.adr_path.parent / PACKAGES_DIR / tabular.adr_path.stem
    assert f"../../{tabular.adr_path.name}" in targets
    for name in files:
        if name != "README.md":
            assert name in targets
    for target in targets:  # the ADR, the plan (when the run wrote one) and the log index exist on disk
        if not target.endswith(tuple(files)):
            assert (folder / target).resolve().exists() or target.endswith("README.md"), target
    no_plan = render_package(tabular.record, tabular.spec, adr_path=tabular.adr_path)["README.md"]
    assert "no plan" in no_plan


def test_write_package_writes_the_folder_beside_the_adr_atomically(
    tabular: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adr = tmp_path / "adr" / tabular.adr_path.name
    adr.parent.mkdir()
    adr.write_text(tabular.adr_path.read_text())
    folder = write_package(tabular.record, tabular.spec, adr_path=adr)
    assert folder == adr.parent / PACKAGES_DIR / adr.stem
    assert sorted(p.name for p in folder.iterdir()) == sorted(DOCS)
    assert (folder / "README.md").read_text() == render_package(tabular.record, tabular.spec, adr_path=adr)[
        "README.md"
    ]
    # a failure half-way leaves the previous package whole and no temp folder behind
    import harness.package.write as write

    calls = {"n": 0}
    real = write.replace_atomically

    def fail_second(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "replace_atomically", fail_second)
    with pytest.raises(OSError, match="No space"):
        write_package(tabular.record, _with_weights(tabular.spec, latency=1), adr_path=adr)
    assert sorted(p.name for p in (adr.parent / PACKAGES_DIR).iterdir()) == [adr.stem]
    assert "The spec sets no `[package] weights`" in (folder / "framework-recommendation.md").read_text()
    monkeypatch.setattr(write, "replace_atomically", real)
    write_package(tabular.record, _with_weights(tabular.spec, latency=1), adr_path=adr)  # replaced whole
    assert "The weights are the spec's" in (folder / "framework-recommendation.md").read_text()
    assert sorted(p.name for p in (adr.parent / PACKAGES_DIR).iterdir()) == [adr.stem]


def test_no_option_passing_the_gates_is_said_plainly(tabular: SimpleNamespace) -> None:
    d = tabular.record.decision
    rejected = [
        v.model_copy(update={"verdict": "rejected", "rank": None, "violations": ["p99 over the budget"]})
        for v in d.verdicts
    ]
    none = d.model_copy(update={"recommended": None, "verdicts": rejected, "justified": False})
    record = tabular.record.model_copy(update={"decision": none})
    files = _render(tabular, record=record)
    assert (
        "No candidate passed the gates, so there is nothing to score" in files["framework-recommendation.md"]
    )
    assert files["framework-recommendation.md"].count("| rejected | p99 over the budget |") == len(d.verdicts)
    assert "nothing to train yet" in files["training-approach.md"]


def test_a_run_without_a_decision_has_no_package(tabular: SimpleNamespace, tmp_path: Path) -> None:
    cancelled = tabular.record.model_copy(update={"decision": None, "cancelled": True})
    adr = tmp_path / "0001-x.md"
    with pytest.raises(InputError, match="no decision to package"):
        write_package(cancelled, tabular.spec, adr_path=adr)
    assert not (tmp_path / PACKAGES_DIR).exists()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("{ latency = -1 }", "invalid value for 'package.weights.latency' (got -1)"),
        ("{ quality = 0, latency = 0 }", "invalid value for 'package.weights': the weights sum to 0"),
        ("{ speed = 1 }", "unknown key 'package.weights.speed' — fix: remove it or use one of: quality"),
        ('{ cost = "high" }', "invalid value for 'package.weights.cost'"),
        ("{ latency = nan }", "nan is not a number"),
    ],
)
def test_bad_weights_are_a_clear_validation_error(weights: str, message: str) -> None:
    toml = f'title = "x y z"\n[data]\npath = "d.csv"\ntarget = "y"\n[package]\nweights = {weights}\n'
    with pytest.raises(InputError) as err:
        spec_from_toml(toml, where="decision.toml")
    assert message in str(err.value) and str(err.value).startswith("decision.toml: ")


def test_weights_are_normalised_and_unwritten_ones_are_zero() -> None:
    base = 'title = "x y z"\n[data]\npath = "d.csv"\ntarget = "y"\n'
    spec = spec_from_toml(base + "[package]\nweights = { latency = 3, cost = 1 }\n")
    assert spec.package.weights.normalised() == {
        "quality": 0.0,
        "latency": 0.75,
        "cost": 0.25,
        "skills": 0.0,
        "maintenance": 0.0,
    }
    plain = spec_from_toml(base)
    assert "package" not in plain.to_dict()  # specs from before [package] keep their fingerprint
    assert sum(plain.package.weights.normalised().values()) == pytest.approx(1.0)
