"""ADRs: MADR 4.0 sections, spec round trip, numbering that never overwrites, supersede, index, atomicity."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from harness import adr
from harness.errors import InputError
from harness.spec import spec_from_toml
from tests.test_record import SPEC_TOML, make_record

DAY = dt.date(2026, 11, 23)
MADR_SECTIONS = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "### Consequences",
    "### Confirmation",
    "## Pros and Cons of the Options",
    "## More Information",
]


def _render(**kwargs) -> str:
    justified = kwargs.pop("justified", True)
    return adr.render_adr(make_record(justified=justified), date=DAY, **kwargs)


def _evidence_rows(text: str) -> dict[str, list[str]]:
    """Candidate → cells of the evidence table, parsed back out of the Markdown."""
    section = text.split("### Evidence", 1)[1].split("### Reproducibility", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # skip the header
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]
    return {c[0].strip("*"): c for c in cells}


# ---- content -----------------------------------------------------------------------------------------------


def test_front_matter_is_yaml_with_madr_and_archbench_keys() -> None:
    text = _render()
    meta, body = adr.split_front_matter(text)
    assert text.startswith("---\n")
    assert yaml.safe_load(text.split("---\n")[1]) == meta
    assert meta["status"] == "proposed"
    assert meta["date"] == DAY
    assert meta["decision-makers"] == ["Ada Lovelace", "Grace Hopper"]
    assert meta["consulted"] == [] and meta["informed"] == []
    assert meta["archbench-run"] == "20261123T101500Z-3f2a"
    assert meta["archbench-data-sha256"] == "ab" * 32
    assert body.lstrip().startswith("# Pick a model family for card-fraud scoring\n")


def test_sections_follow_the_madr_template_order() -> None:
    text = _render()
    positions = [text.index(f"\n{heading}\n") for heading in MADR_SECTIONS]
    assert positions == sorted(positions)
    assert text.index("\n## Data audit\n") < text.index("\n## More Information\n")


def test_context_states_size_target_balance_metric_and_split() -> None:
    context = _render().split("## Context and Problem Statement", 1)[1].split("## Decision Drivers")[0]
    for fact in ("`is_fraud`", "binary classification", "20,000 rows × 7 columns", "2.0%", "400 of 20,000"):
        assert fact in context
    assert "**ROC-AUC** (higher is better)" in context
    assert "split into train 14,000 / dev 2,000 / test 4,000 rows stratified by the target." in context


def test_decision_drivers_list_only_the_set_constraints_with_units_and_team_skills() -> None:
    drivers = _render().split("## Decision Drivers", 1)[1].split("## Considered Options")[0]
    assert "* Latency: p99 of one request ≤ 20 ms" in drivers
    assert "* Size: serialized model (and index) ≤ 50 MB" in drivers
    assert "* Cost: ≤ 0.01 USD per 1,000 predictions" in drivers
    assert "0.4 USD per machine-hour" in drivers
    assert "* Team skills: sklearn (expert), xgboost (proficient), pytorch (basic)" in drivers
    assert "Throughput" not in drivers and "Labelled data" not in drivers  # not set in the spec


def test_chosen_option_sentence_and_consequences_from_the_numbers() -> None:
    text = _render()
    assert (
        'Chosen option: "xgboost", because it has the highest ROC-AUC (0.912) of the options that meet every '
        "constraint." in text
    )
    consequences = text.split("### Consequences", 1)[1].split("### Confirmation")[0]
    assert "leaves 18.52 ms (92.6%) headroom under the 20 ms budget" in consequences  # 20 - 1.48
    assert "compares with 0.831 for the best baseline" in consequences and "(+0.081)" in consequences
    assert 'the runner-up, "lightgbm" (ROC-AUC 0.905)' in consequences
    assert adr.NO_JUSTIFIED_MODEL not in text


def test_not_justified_decision_says_so_plainly() -> None:
    text = _render(justified=False)
    outcome = text.split("## Decision Outcome", 1)[1].split("### Consequences")[0]
    assert "No model is yet justified over the baseline." in outcome
    assert '"logistic-regression" (ROC-AUC 0.831)' in outcome


def test_no_survivor_renders_chosen_option_none() -> None:
    record = make_record()
    record.decision.recommended = None
    record.decision.justified = False
    record.decision.because = "every candidate violates the latency budget"
    text = adr.render_adr(record, date=DAY)
    assert "Chosen option: none, because every candidate violates the latency budget." in text
    assert "No candidate passed every gate" in text


def test_every_candidate_appears_in_options_pros_cons_and_evidence_with_its_numbers() -> None:
    text = _render()
    record = make_record()
    rows = _evidence_rows(text)
    assert set(rows) == {m.candidate for m in record.measurements}
    for m in record.measurements:
        assert f"* {m.candidate} — " in text.split("## Considered Options")[1].split("## Decision Outcome")[0]
        assert f"\n### {m.candidate}\n" in text
    xgb = rows["xgboost"]
    assert xgb[1:] == [
        "gradient-boosted trees",
        "0.912 (0.898–0.925)",
        "PR-AUC 0.441 · F1 0.394",
        "0.92",
        "1.13",
        "1.48",
        "183,412",
        "1.84",
        "4.22",
        "6.1e-07",
        "recommended (#1)",
    ]
    assert rows["majority"][8] == "< 0.001" and rows["majority"][9] == "< 0.01"
    assert rows["mlp-torch"][3] == "PR-AUC —"  # NaN shown as missing, not "nan"
    assert rows["mlp-torch"][11].startswith("rejected: p99 41.24 ms > budget 20 ms")
    failed = rows["tabular-transformer"]
    assert failed[2:11] == ["—"] * 9
    assert failed[11] == "failed: fit failed: RuntimeError: shape mismatch \\| 13 vs 12 columns"


def test_pros_and_cons_show_violated_numbers_and_failure_reasons() -> None:
    text = _render()
    mlp = text.split("\n### mlp-torch\n", 1)[1].split("\n### ")[0]
    assert "* Bad, because p99 41.24 ms > budget 20 ms." in mlp
    assert "* Bad, because size 61.5 MB > limit 50 MB." in mlp
    assert "exceeds the 20 ms budget" not in mlp  # not repeated next to decide's violation
    assert "* Bad, because it needs skills the team lacks: pytorch (basic)." in mlp
    failed = text.split("\n### tabular-transformer\n", 1)[1].split("\n## ")[0]
    assert "* Bad, because it failed: fit failed: RuntimeError: shape mismatch" in failed
    xgb = text.split("\n### xgboost\n", 1)[1].split("\n### ")[0]
    bullets = [line.split(",")[0] for line in xgb.splitlines() if line.startswith("* ")]
    assert bullets == sorted(bullets, key=["* Good", "* Neutral", "* Bad"].index)  # MADR order


def test_data_audit_table_and_empty_audit() -> None:
    audit = _render().split("## Data audit", 1)[1].split("## More Information")[0]
    assert "| Severity | Finding | Evidence | What was done |" in audit
    assert "| blocking | Column predicts the target almost perfectly (`leakage:chargeback_flag`) |" in audit
    assert "acknowledged in the spec" in audit
    assert "suggested: dedupe or group the split by customer" in audit
    assert "columns dropped before the run: `chargeback_flag`" in audit
    empty = adr.render_adr(make_record(findings=[]), date=DAY)
    assert "None recorded" in empty.split("## Data audit", 1)[1].split("## More Information")[0]


def test_reproducibility_block_has_command_fingerprint_versions_seed() -> None:
    text = _render()
    repro = text.split("### Reproducibility", 1)[1]
    assert "`harness run datasets/fraud/decision.toml --runs-dir 'my runs'`" in repro
    assert "sha256 `" + "ab" * 32 + "`" in repro
    assert "* Seeds: spec = 7" in repro
    assert "pydantic 2." in repro and "scikit-learn" in repro
    assert "Code version: `" in repro


def test_interval_labels_state_the_level_the_bootstrap_uses() -> None:
    """The ADR says "95% CI" in its evidence header, note and bullets; that must be the measured level."""
    from harness.measure.quality import CI_LEVEL

    level = f"{CI_LEVEL:.0%}"
    text = _render()
    evidence = text.split("### Evidence", 1)[1].split("### Reproducibility", 1)[0]
    assert f"ROC-AUC ({level} CI)" in evidence and f"bootstrap {level} confidence intervals" in evidence
    assert f"0.912 ({level} CI 0.898–0.925)" in text
    assert level == "95%"


def test_markdown_renders_tables_and_headings() -> None:
    """What GitHub shows: the evidence, audit and no stray table; no '$' that GitHub would turn into math."""
    text = _render()
    assert "$" not in text
    html = MarkdownIt("commonmark").enable("table").render(adr.split_front_matter(text)[1])
    assert html.count("<table>") == 3  # audit + latency + evidence
    assert html.count("<tr>") == 1 + 2 + 1 + 5 + 1 + 6  # audit header+2, latency header+5, evidence header+6
    assert "<h1>Pick a model family for card-fraud scoring</h1>" in html
    assert '<code class="language-toml">' in html


# ---- spec round trip ---------------------------------------------------------------------------------------


def test_spec_round_trips_through_the_adr(tmp_path: Path) -> None:
    original = spec_from_toml(SPEC_TOML)
    path = adr.write_adr(_render(), tmp_path, original.title)
    back = adr.spec_from_adr(path)
    assert back == original
    assert back.constraints == original.constraints and back.constraints.latency_p99_ms == 20.0
    assert back.team_skills == original.team_skills
    assert back.audit.acknowledge == ["leakage:chargeback_flag"]


def test_spec_round_trip_survives_backticks_in_the_title(tmp_path: Path) -> None:
    record = make_record()
    record.spec["title"] = "Use ``` fences or not"
    path = adr.write_adr(adr.render_adr(record, date=DAY), tmp_path, record.spec["title"])
    assert adr.spec_from_adr(path).title == "Use ``` fences or not"


def test_spec_from_adr_without_block_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "0001-x.md"
    path.write_text("---\nstatus: accepted\n---\n# X\n")
    with pytest.raises(InputError, match="no archbench spec block"):
        adr.spec_from_adr(path)


# ---- files: numbering, never overwrite, supersede, index ---------------------------------------------------


def test_slugify() -> None:
    assert (
        adr.slugify("Pick a model family for card-fraud scoring")
        == "pick-a-model-family-for-card-fraud-scoring"
    )
    assert adr.slugify("  Use XGBoost — not an MLP!  ") == "use-xgboost-not-an-mlp"
    assert adr.slugify("Größe & Café: v2.0") == "grosse-cafe-v2-0"
    assert adr.slugify("???") == "decision"
    long = adr.slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("word-word")


def test_next_number_and_never_overwrite(tmp_path: Path) -> None:
    assert adr.next_number(tmp_path / "missing") == 1
    assert adr.next_number(tmp_path) == 1
    existing = tmp_path / "0002-existing-decision.md"
    existing.write_text("keep me\n")
    (tmp_path / "notes.md").write_text("not a record\n")
    assert adr.next_number(tmp_path) == 3
    path = adr.write_adr("# new\n", tmp_path, "Existing decision")
    assert path.name == "0003-existing-decision.md"
    assert existing.read_text() == "keep me\n"
    again = adr.write_adr("# newer\n", tmp_path, "Existing decision")
    assert again.name == "0004-existing-decision.md" and path.read_text() == "# new\n"
    assert not list(tmp_path.glob(".*.claim"))


def test_write_takes_the_next_number_when_one_is_taken_concurrently(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "0001-first.md").write_text("first\n")
    real = adr.next_number

    def raced(folder: Path) -> int:
        """Another writer takes the number between our look-up and our write, under a different title."""
        number = real(folder)
        Path(folder, f"{number:04d}-other.md").write_text("other\n")
        return number

    monkeypatch.setattr(adr.store, "next_number", raced)
    path = adr.write_adr("mine\n", tmp_path, "Mine")
    assert path.name == "0003-mine.md"
    assert (tmp_path / "0002-other.md").read_text() == "other\n"


def test_concurrent_writers_get_distinct_numbers(tmp_path: Path) -> None:
    paths: list[Path] = []
    barrier = threading.Barrier(8)

    def write(i: int) -> None:
        barrier.wait()
        paths.append(adr.write_adr(f"record {i}\n", tmp_path, f"Decision {i}"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(int(p.name[:4]) for p in paths)
    assert numbers == list(range(1, 9))
    assert sorted(p.read_text() for p in paths) == sorted(f"record {i}\n" for i in range(8))


def test_a_failing_render_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom while rendering the evidence table")

    monkeypatch.setattr(adr, "_evidence", broken)
    with pytest.raises(RuntimeError, match="boom"):
        adr.write_adr(adr.render_adr(make_record(), date=DAY), tmp_path / "adr", "Title")
    assert not (tmp_path / "adr").exists()


class _HalfWriter:
    """A file handle whose `write` puts half of the bytes on disk and then fails, as a full disk would."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(28, "No space left on device")

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


@pytest.mark.parametrize("failure", ["write", "fsync"])
def test_a_write_that_fails_midway_leaves_no_file_and_no_claim(
    tmp_path: Path, monkeypatch, failure: str
) -> None:
    """`write_adr` itself fails after claiming the record's name (half the bytes written to the temp file, or
    fsync failing): the temp file, the claimed name and the number's claim are removed, so the number is free
    for the next write."""
    (tmp_path / "0001-earlier.md").write_text("earlier\n")
    real_fdopen = adr.store.os.fdopen
    if failure == "write":

        def half_fdopen(fd, mode="r", *args, **kwargs):
            handle = real_fdopen(fd, mode, *args, **kwargs)
            return _HalfWriter(handle) if "w" in mode else handle

        monkeypatch.setattr(adr.store.os, "fdopen", half_fdopen)
    else:

        def broken_fsync(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(adr.store.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        adr.write_adr("# A decision long enough to be cut in half\n" * 20, tmp_path, "Half written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0001-earlier.md"]  # no 0002-*.md, no .claim
    assert adr.next_number(tmp_path) == 2
    monkeypatch.undo()
    path = adr.write_adr("# whole\n", tmp_path, "Half written")
    assert path.name == "0002-half-written.md" and path.read_text() == "# whole\n"


def test_unencodable_text_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        adr.write_adr("half a surrogate \ud800\n", tmp_path, "Bad text")
    assert list(tmp_path.iterdir()) == []


def test_render_without_decision_is_an_input_error() -> None:
    record = make_record()
    record.decision = None
    with pytest.raises(InputError, match="no decision"):
        adr.render_adr(record)


def test_supersede_changes_only_the_status_lines(tmp_path: Path) -> None:
    """The front matter's status and the header list's Status change together; nothing else does. The link
    text is the new record's slug, which log4brains resolves."""
    old = adr.write_adr(_render(status="accepted"), tmp_path, "Pick a model family")
    new_text = _render(supersedes=old.name)
    assert f"This record supersedes [ADR-0001]({old.name})." in new_text
    new = adr.write_adr(new_text, tmp_path, "Pick a model family again")
    before = old.read_text().splitlines()
    new_before = new.read_text()
    adr.supersede(old, new)
    after = old.read_text().splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    status = "superseded by [0002-pick-a-model-family-again](0002-pick-a-model-family-again.md)"
    assert [after[i] for i in changed] == [f'status: "{status}"', f"- Status: {status}"]
    meta, _ = adr.split_front_matter(old.read_text())
    assert meta["status"] == status
    assert new.read_text() == new_before  # it already names the record it supersedes
    with pytest.raises(InputError, match="already superseded"):
        adr.supersede(old, new)
    with pytest.raises(InputError, match="does not exist"):
        adr.supersede(new, tmp_path / "0009-missing.md")


def test_list_adrs_and_index(tmp_path: Path) -> None:
    first = adr.write_adr(_render(status="accepted"), tmp_path, "Pick a model family")
    second = adr.write_adr(_render(supersedes=first.name), tmp_path, "Pick again | with a pipe")
    adr.supersede(first, second)
    (tmp_path / "0003-handwritten.md").write_text("# Handwritten record\n\nNo front matter.\n")
    infos = adr.list_adrs(tmp_path)
    assert [(a.number, a.status) for a in infos] == [
        (1, "superseded by [0002-pick-again-with-a-pipe](0002-pick-again-with-a-pipe.md)"),
        (2, "proposed"),
        (3, "unknown"),
    ]
    assert infos[0].title == "Pick a model family for card-fraud scoring" and infos[0].date == "2026-11-23"
    index = adr.update_index(tmp_path)
    assert index == tmp_path / "README.md"
    text = index.read_text()
    assert "| [0003](0003-handwritten.md) | Handwritten record | unknown |  |" in text
    assert "| [0002](0002-pick-again-with-a-pipe.md) |" in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<tr>") == 4
    assert [a.number for a in adr.list_adrs(tmp_path)] == [1, 2, 3]  # the index is not a record


def test_project_adr_folder_is_valid() -> None:
    """The repository's own adr/: 0001 is accepted MADR with front matter; the index lists every record."""
    folder = Path(__file__).resolve().parent.parent / "adr"
    first = folder / "0001-record-architecture-decisions.md"
    meta, body = adr.split_front_matter(first.read_text(encoding="utf-8"))
    assert meta["status"] == "accepted" and "decision-makers" in meta
    for heading in ("## Context and Problem Statement", "## Decision Outcome", "### Consequences"):
        assert heading in body
    index = (folder / "README.md").read_text(encoding="utf-8")
    for info in adr.list_adrs(folder):
        assert f"[{info.number:04d}]({info.path.name})" in index


@pytest.mark.parametrize("kind", ["qa", "regression", "multiclass"])
def test_renders_every_task_kind(kind: str, tmp_path: Path) -> None:
    from harness.record import TaskSummary
    from harness.results import CandidateVerdict, Decision, Measurement, MetricValue
    from harness.types import Family, TaskKind

    metric, toml = {
        "qa": ("exact_match", 'title = "Answer product questions"\ntask = "qa"\n[data]\npath = "qa.jsonl"\n'),
        "regression": ("rmse", 'title = "Predict delivery days"\n[data]\npath = "d.csv"\ntarget = "days"\n'),
        "multiclass": (
            "macro_f1",
            'title = "Route support tickets"\n[data]\npath = "t.csv"\ntarget = "queue"\n',
        ),
    }[kind]
    record = make_record()
    spec = spec_from_toml(toml)
    record.spec = spec.to_dict()
    record.task = TaskSummary(
        kind=TaskKind(kind),
        target=spec.data.target,
        classes=[f"q{i}" for i in range(9)] if kind == "multiclass" else [],
        class_counts={f"q{i}": 100 * (i + 1) for i in range(9)} if kind == "multiclass" else {},
        target_stats={"mean": 3.2, "std": 1.1, "min": 0.0, "max": 12.0} if kind == "regression" else {},
        n_features=3,
        n_text=3,
    )
    lower_better = metric == "rmse"
    record.measurements = [
        Measurement(
            candidate=name,
            family=family,
            metrics={metric: MetricValue(name=metric, value=value, greater_is_better=not lower_better)},
        )
        for name, family, value in [("mean-or-lookup", Family.BASELINE, 0.4), ("model", Family.GBT, 0.3)]
    ]
    record.decision = Decision(
        metric=metric,
        recommended="model",
        justified=True,
        best_baseline="mean-or-lookup",
        because="its score is best",
        verdicts=[
            CandidateVerdict(candidate="model", family=Family.GBT, verdict="recommended", rank=1),
            CandidateVerdict(candidate="mean-or-lookup", family=Family.BASELINE, verdict="baseline", rank=2),
        ],
    )
    text = adr.render_adr(record, date=DAY)
    expected = {
        "qa": "Which kind of system should answer our questions",
        "regression": "mean 3.2, standard deviation 1.1 and range 0 to 12",
        "multiclass": "Over 9 classes, the largest, `q8`, has 900 rows (20.0%)",
    }[kind]
    assert expected in text
    assert ("(lower is better)" in text) is lower_better
    path = adr.write_adr(text, tmp_path, spec.title)
    assert adr.spec_from_adr(path) == spec
    assert set(_evidence_rows(text)) == {"model", "mean-or-lookup"}


def test_drivers_list_only_the_constraints_the_team_wrote() -> None:
    record = make_record(justified=True)
    drivers = lambda text: text.split("## Decision Drivers", 1)[1].split("## Considered Options", 1)[0]  # noqa: E731
    record.constraints_stated = ["latency_p99_ms"]  # privacy left at its default
    text = drivers(adr.render_adr(record, date=DAY))
    assert "Privacy:" not in text
    assert "Hardware: serve on CPU at 0.4 USD per machine-hour" in text  # a price was given
    record.constraints_stated = ["latency_p99_ms", "privacy"]  # written, even though equal to the default
    assert "Privacy: inference data must not leave the premises" in drivers(adr.render_adr(record, date=DAY))


def test_no_machine_paths_in_the_adr() -> None:
    record = make_record(justified=True)
    record.command = "harness run /home/someone/project/decision.toml --adr-dir /tmp/adr1"
    record.record_file = "/tmp/runs1/20260101T000000Z-abcd/run.json"
    text = adr.render_adr(record, date=DAY)
    assert "/home/someone" not in text and "/tmp/" not in text
    assert "…/decision.toml" in text and "…/run.json" in text
