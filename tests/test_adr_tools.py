"""The ADR log belongs to the team: records that log4brains and adr-tools read correctly, records those tools
wrote read back correctly, `.adr-dir`, a foreign README.md, supersede links and cycles, records by number."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from harness import adr
from harness.adr import formats
from harness.cli import app
from harness.errors import InputError
from tests.test_record import make_record

DAY = dt.date(2026, 11, 23)
TITLE = "Pick a model family for card-fraud scoring"  # make_record's spec title
runner = CliRunner()

NYGARD = """# 1. Use PostgreSQL for storage

Date: 2026-01-02

## Status

Accepted

## Context

We need a database.
"""

NYGARD_SUPERSEDED = """# 2. Keep files on disk

Date: 2025-12-01

## Status

Superseded by [3. Use SQLite](0003-use-sqlite.md)

## Context

Old.
"""

MADR2 = """# Use Kafka for events

- Status: proposed
- Deciders: Ada, Grace
- Date: 2026-02-03
- Tags: messaging

Technical Story: none

## Context and Problem Statement

Events.
"""


def _render(status: str = "proposed", supersedes: str | None = None):
    return lambda n: adr.render_adr(make_record(), status=status, date=DAY, supersedes=supersedes, number=n)


def _write(folder: Path, status: str = "proposed", supersedes: str | None = None) -> Path:
    return adr.write_adr(_render(status, supersedes), folder, TITLE)


def _log4brains_header(text: str) -> dict[str, str]:
    """The header list as log4brains finds it (packages/core/src/adr/domain/MarkdownBody.ts): rendered by
    markdown-it, the first list among the elements before the first h2; items `Key: value`."""
    tokens = MarkdownIt().parse(text)
    header: dict[str, str] = {}
    in_list = False
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            break
        if token.type == "bullet_list_open" and token.level == 0:
            if header:
                break
            in_list = True
        elif token.type == "bullet_list_close" and token.level == 0:
            in_list = False
            if header:
                break
        elif in_list and token.type == "inline" and tokens[i - 1].type == "paragraph_open":
            key, _, value = token.content.partition(":")
            header[key.strip().lower()] = value.strip()
    return header


def _in_step(path: Path) -> None:
    """The header list says what the front matter says."""
    text = path.read_text(encoding="utf-8")
    meta, _ = adr.split_front_matter(text)
    header = _log4brains_header(text)
    assert header["status"] == str(meta["status"])
    assert header["date"] == str(meta["date"])
    assert header["deciders"] == ", ".join(meta["decision-makers"])


def _git_repo(path: Path) -> Path:
    (path / ".git").mkdir(parents=True)
    return path


# ---- the header list log4brains reads, in step with the front matter ---------------------------------------


def test_header_list_is_in_step_after_write_status_change_and_supersede(tmp_path: Path) -> None:
    old = _write(tmp_path, status="proposed")
    _in_step(old)
    assert _log4brains_header(old.read_text())["status"] == "proposed"
    adr.set_status(old, "accepted")
    _in_step(old)
    assert "\nstatus: accepted\n" in old.read_text()  # a plain word stays plain YAML
    assert adr.list_adrs(tmp_path)[0].status == "accepted"
    new = _write(tmp_path, supersedes=old.name)
    adr.supersede(old, new)
    _in_step(old)
    _in_step(new)
    header = _log4brains_header(old.read_text())
    # log4brains: "superseded by <slug>" → status superseded, superseder = the new record's slug
    assert header["status"] == f"superseded by [{new.stem}]({new.name})"
    assert MarkdownIt().render(old.read_text()).count(f'<a href="{new.name}">{new.stem}</a>') == 2


def test_status_change_refuses_superseded_and_empty(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(InputError, match="adr supersede"):
        adr.set_status(path, "superseded by nothing")
    with pytest.raises(InputError, match="empty"):
        adr.set_status(path, "  ")


def test_without_the_blank_line_the_yaml_would_be_a_heading() -> None:
    """Why the front matter ends with a blank line: markdown-it reads `key: value` + `---` as a setext h2, and
    log4brains stops looking for the header list at the first h2."""
    text = adr.render_adr(make_record(), date=DAY)
    assert _log4brains_header(text)["status"] == "proposed"
    squeezed = text.replace("\n\n---\n", "\n---\n", 1)
    assert _log4brains_header(squeezed) == {}


def test_migrate_adds_the_header_list_once(tmp_path: Path) -> None:
    old_style = adr.render_adr(make_record(), date=DAY)
    old_style = old_style.replace("\n\n---\n", "\n---\n", 1)
    old_style = "".join(line for line in old_style.splitlines(keepends=True) if not line.startswith("- "))
    path = tmp_path / "0001-old-style.md"
    path.write_text(old_style, encoding="utf-8")
    assert _log4brains_header(path.read_text()) == {}
    assert adr.migrate(tmp_path) == [path]
    _in_step(path)
    assert adr.migrate(tmp_path) == []  # idempotent
    result = runner.invoke(app, ["adr", "migrate", "--adr-dir", str(tmp_path)])
    assert result.exit_code == 0 and "0 record(s) updated" in result.output


def test_project_records_carry_the_header_list() -> None:
    """The repository's own adr/ is migrated: every record's header list says what its front matter says."""
    folder = Path(__file__).resolve().parent.parent / "adr"
    for info in adr.list_adrs(folder):
        _in_step(info.path)
    assert adr.INDEX_MARKER in (folder / "README.md").read_text(encoding="utf-8")


# ---- adr-tools: the title from line 1 ----------------------------------------------------------------------


def test_in_an_adr_tools_log_the_title_line_comes_first(tmp_path: Path) -> None:
    root = _git_repo(tmp_path / "repo")
    (root / ".adr-dir").write_text("doc/decisions\n")
    folder = root / "doc" / "decisions"
    assert adr.is_adr_tools_log(folder) and not adr.is_adr_tools_log(tmp_path / "elsewhere")
    path = _write(folder)
    lines = path.read_text().splitlines()
    assert lines[0] == f"# 1. {TITLE}"  # adr-tools: head -1 | cut -c 3-
    meta, rest = adr.split_front_matter(path.read_text())
    assert meta["status"] == "proposed" and rest.startswith(f"# 1. {TITLE}\n")
    assert _log4brains_header(path.read_text())["status"] == "proposed"
    info = adr.list_adrs(folder)[0]
    assert (info.title, info.status, info.date, info.kind) == (TITLE, "proposed", "2026-11-23", "madr")
    adr.set_status(path, "accepted")
    assert path.read_text().splitlines()[0] == f"# 1. {TITLE}"
    assert _log4brains_header(path.read_text())["status"] == "accepted"


def test_migrate_moves_the_title_first_in_an_adr_tools_log(tmp_path: Path) -> None:
    folder = tmp_path / "adr"
    path = _write(folder)
    assert path.read_text().startswith("---\n")
    (tmp_path / ".adr-dir").write_text("adr")
    assert adr.migrate(folder) == [path]
    assert path.read_text().startswith(f"# 1. {TITLE}\n\n---\n")
    assert adr.migrate(folder) == []


def _adr_tools(cwd: Path, *args: str) -> str:
    env = {**os.environ, "VISUAL": "true", "EDITOR": "true", "ADR_DATE": "2026-01-02"}
    done = subprocess.run(["adr", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(
    shutil.which("adr") is None, reason="adr-tools is not installed (apt-get install adr-tools)"
)
def test_adr_tools_lists_real_titles_and_shows_the_supersede(tmp_path: Path) -> None:
    root = _git_repo(tmp_path)
    (root / ".adr-dir").write_text("doc/decisions\n")
    _adr_tools(root, "new", "Use PostgreSQL for storage")
    folder = root / "doc" / "decisions"
    old = next(folder.glob("0001-*.md"))
    new = _write(folder)
    adr.supersede(old, new)
    toc = _adr_tools(root, "generate", "toc")
    assert "* [1. Use PostgreSQL for storage](0001-use-postgresql-for-storage.md)" in toc
    assert f"* [2. {TITLE}]({new.name})" in toc
    status = subprocess.run(
        ["/usr/libexec/adr-tools/_adr_status", "1"], cwd=root, capture_output=True, text=True, timeout=60
    )
    if status.returncode == 0:  # Debian's layout; adr-tools' own status reader
        assert status.stdout.strip() == f"Superseded by [2. {TITLE}]({new.name})"
    assert f"Superseded by [2. {TITLE}]({new.name})" in old.read_text()
    assert adr.list_adrs(folder)[0].status.startswith("Superseded by")


# ---- reading what the tools wrote --------------------------------------------------------------------------


def test_reads_nygard_and_madr2_records(tmp_path: Path) -> None:
    (tmp_path / "0001-use-postgresql-for-storage.md").write_text(NYGARD)
    (tmp_path / "0002-keep-files-on-disk.md").write_text(NYGARD_SUPERSEDED)
    (tmp_path / "0003-use-kafka-for-events.md").write_text(MADR2)
    infos = adr.list_adrs(tmp_path)
    assert [(a.title, a.status, a.date, a.kind) for a in infos] == [
        ("Use PostgreSQL for storage", "Accepted", "2026-01-02", "nygard"),
        ("Keep files on disk", "Superseded by [3. Use SQLite](0003-use-sqlite.md)", "2025-12-01", "nygard"),
        ("Use Kafka for events", "proposed", "2026-02-03", "madr2"),
    ]
    index = adr.update_index(tmp_path)
    assert index is not None
    text = index.read_text()
    assert (
        "| [0001](0001-use-postgresql-for-storage.md) | Use PostgreSQL for storage | Accepted | 2026-01-02 |"
        in text
    )
    assert "| [0003](0003-use-kafka-for-events.md) | Use Kafka for events | proposed | 2026-02-03 |" in text
    parsed = formats.parse(NYGARD_SUPERSEDED)
    assert parsed.superseded_by == "0003-use-sqlite.md"


def test_superseding_a_nygard_record_writes_adr_tools_status_lines(tmp_path: Path) -> None:
    old = tmp_path / "0001-use-postgresql-for-storage.md"
    old.write_text(NYGARD)
    new = _write(tmp_path)
    adr.supersede(old, new)
    assert old.read_text() == NYGARD.replace("Accepted", f"Superseded by [2. {TITLE}]({new.name})")
    assert adr.split_front_matter(new.read_text())[0]["archbench-supersedes"] == old.name


def test_an_archbench_record_superseded_by_a_nygard_one_is_linked_both_ways(tmp_path: Path) -> None:
    old = _write(tmp_path)
    new = tmp_path / "0002-use-postgresql-for-storage.md"
    new.write_text(NYGARD.replace("# 1.", "# 2."))
    adr.supersede(old, new)
    assert adr.list_adrs(tmp_path)[0].status == f"superseded by [{new.stem}]({new.name})"
    assert f"Supersedes [1. {TITLE}]({old.name})" in new.read_text()  # adr-tools' reverse link
    _in_step(old)


def test_superseding_a_madr2_record_changes_its_status_item_only(tmp_path: Path) -> None:
    old = tmp_path / "0001-use-kafka-for-events.md"
    old.write_text(MADR2)
    new = tmp_path / "0002-use-pulsar.md"
    new.write_text(MADR2.replace("Use Kafka", "Use Pulsar"))
    adr.supersede(old, new)
    status = f"superseded by [{new.stem}]({new.name})"
    assert old.read_text() == MADR2.replace("- Status: proposed", f"- Status: {status}")
    assert new.read_text().rstrip().endswith(f"## Links\n\n- Supersedes [{old.stem}]({old.name})")
    assert adr.list_adrs(tmp_path)[0].status == status


# ---- the log's folder: .adr-dir, subfolders, README.md -----------------------------------------------------


def test_adr_dir_is_found_from_a_subfolder(tmp_path: Path, monkeypatch) -> None:
    root = _git_repo(tmp_path / "repo")
    deep = root / "src" / "pkg"
    deep.mkdir(parents=True)
    assert adr.find_adr_dir(deep) == root / "adr"  # nothing yet: adr/ at the repository root
    (root / "adr").mkdir()
    (root / "adr" / "0001-x.md").write_text("# X\n")
    (deep / "adr").mkdir()  # a code package named adr is not a decision log
    assert adr.find_adr_dir(deep) == root / "adr"
    (root / ".adr-dir").write_text("docs/architecture/decisions\n")
    assert adr.find_adr_dir(deep) == root / "docs" / "architecture" / "decisions"
    monkeypatch.chdir(deep)
    assert adr.find_adr_dir() == Path("../../docs/architecture/decisions")
    (root / "docs" / "architecture" / "decisions").mkdir(parents=True)
    path = _write(root / "docs" / "architecture" / "decisions")
    listed = runner.invoke(app, ["adr", "list"])
    assert listed.exit_code == 0 and "0001" in listed.output and "Pick a model family" in listed.output
    assert runner.invoke(app, ["adr", "status", "1", "accepted"]).exit_code == 0
    assert adr.split_front_matter(path.read_text())[0]["status"] == "accepted"


def test_a_readme_the_harness_did_not_write_is_never_touched(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Our decisions\n\nHand-written, with links.\n")
    _write(tmp_path)
    index = adr.update_index(tmp_path)
    assert index == tmp_path / "index.md" and adr.INDEX_MARKER in index.read_text()
    assert readme.read_text() == "# Our decisions\n\nHand-written, with links.\n"
    assert adr.update_index(tmp_path) == tmp_path / "index.md"  # its own index, regenerated
    result = runner.invoke(app, ["adr", "index", "--adr-dir", str(tmp_path)])
    assert (
        result.exit_code == 0
        and "index.md regenerated" in result.output
        and "left untouched" in result.output
    )
    (tmp_path / "index.md").write_text("log4brains home page\n")
    assert adr.update_index(tmp_path) is None
    assert (tmp_path / "index.md").read_text() == "log4brains home page\n"


def test_the_harness_recognises_its_own_readme(tmp_path: Path) -> None:
    _write(tmp_path)
    assert adr.update_index(tmp_path) == tmp_path / "README.md"
    assert adr.update_index(tmp_path) == tmp_path / "README.md"  # ours: regenerated in place
    legacy = Path(__file__).resolve().parent.parent / "adr" / "README.md"
    assert adr.index_path(legacy.parent) == legacy


# ---- supersede: by number, both links, no cycles -----------------------------------------------------------


def test_supersede_by_number_links_both_records(tmp_path: Path) -> None:
    old, new = _write(tmp_path, status="accepted"), _write(tmp_path)
    result = runner.invoke(app, ["adr", "supersede", "1", "2", "--adr-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert adr.list_adrs(tmp_path)[0].status.startswith("superseded by [0002-")
    assert adr.split_front_matter(new.read_text())[0]["archbench-supersedes"] == old.name
    shown = runner.invoke(app, ["adr", "spec", "2", "--adr-dir", str(tmp_path)])
    assert shown.exit_code == 0 and "card-fraud" in shown.output
    assert adr.resolve_record("0001", tmp_path) == old and adr.resolve_record(str(new), tmp_path) == new


@pytest.mark.parametrize("ref", ["9", "no-such-file.md"])
def test_an_unknown_record_is_one_error_line(tmp_path: Path, ref: str) -> None:
    _write(tmp_path)
    result = runner.invoke(app, ["adr", "spec", ref, "--adr-dir", str(tmp_path)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.output


def test_supersede_refuses_cycles(tmp_path: Path) -> None:
    one, two, three = (_write(tmp_path, status="accepted") for _ in range(3))
    adr.supersede(one, two)
    with pytest.raises(InputError, match="cycle"):
        adr.supersede(two, one)  # 1 is superseded by 2: 2 cannot be superseded by 1
    adr.supersede(two, three)
    before = {p.name: p.read_text() for p in tmp_path.glob("0*.md")}
    result = runner.invoke(app, ["adr", "supersede", "3", "1", "--adr-dir", str(tmp_path)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error:") and "cycle" in lines[0] and "→" in lines[0]
    assert {p.name: p.read_text() for p in tmp_path.glob("0*.md")} == before  # nothing written


def test_a_cycle_through_adr_tools_links_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0002-keep-files-on-disk.md").write_text(NYGARD_SUPERSEDED)
    (tmp_path / "0003-use-sqlite.md").write_text(
        NYGARD.replace("# 1. Use PostgreSQL for storage", "# 3. Use SQLite")
    )
    with pytest.raises(InputError, match="cycle"):
        adr.supersede(tmp_path / "0003-use-sqlite.md", tmp_path / "0002-keep-files-on-disk.md")
