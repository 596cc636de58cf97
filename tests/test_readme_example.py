"""The README's example must not dirty the project's own decision log (issue 11): its main command writes the
example's ADR where the README says, in a folder git ignores, so `git status` stays clean, `adr/` is untouched
and the code version a run records gets no `+dirty` from the example's own outputs."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.provenance import collect_provenance, git_state

from .conftest import ROOT, make_tiny_classification_df

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _main_command() -> list[str]:
    """The harness command of the README's first code block (under "Two commands")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", readme, flags=re.DOTALL)
    assert block, "the README's Two commands section has no bash block"
    line = next(x for x in block.group(1).splitlines() if "harness run" in x)
    words = shlex.split(line.split("&&")[-1])
    return words[words.index("run") :]


def _option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=30
    ).stdout


def test_the_readme_says_where_the_example_adr_goes_and_git_ignores_it() -> None:
    words = _main_command()
    adr_dir = _option(words, "--adr-dir")
    assert adr_dir, f"the README's command writes into the project's own adr/: {words}"
    assert Path(adr_dir).parts[0] != "adr"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{adr_dir}/0001-fraud-scoring-model-for-card-transactions.md`" in readme  # where it says
    if (ROOT / ".git").exists():
        probe = f"{adr_dir}/0001-fraud-scoring-model-for-card-transactions.md"
        ignored = subprocess.run(["git", "check-ignore", "-q", probe], cwd=ROOT, timeout=30)
        assert ignored.returncode == 0, f"{probe} is not gitignored"
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert f"--adr-dir {adr_dir}" in setup  # the line setup.sh ends with suggests the same command


def test_the_readme_command_leaves_git_status_clean_in_a_repository_with_its_own_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's command, its spec swapped for a tiny one, run in a repository with a committed log and
    the project's .gitignore: nothing tracked changes, nothing untracked appears, the ADR is where it says."""
    repo = tmp_path / "project"
    (repo / "adr").mkdir(parents=True)
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    record = ROOT / "adr" / "0001-record-architecture-decisions.md"
    shutil.copy(record, repo / "adr" / record.name)
    (repo / "adr" / "README.md").write_text("# Our decisions\n\nHand-written index.\n")
    make_tiny_classification_df(200).write_csv(repo / "data.csv")
    (repo / "decision.toml").write_text(
        'title = "Fraud scoring model for card transactions"\n'
        '[data]\npath = "data.csv"\ntarget = "label"\nid_column = "row_id"\n'
        '[candidates]\ninclude = ["zero-rule", "linear"]\ntuning_trials = 1\ncv_folds = 1\n'
        "[evidence]\nlearning_curves = false\nrobustness = false\n"
    )
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "the project")
    assert _git(repo, "status", "--porcelain") == ""

    words = _main_command()
    words[words.index("run") + 1] = "decision.toml"
    monkeypatch.chdir(repo)
    for _ in range(2):  # a second try too: the first one's outputs must not dirty it either
        result = CliRunner().invoke(app, [*words, "--executor", "inline"])
        assert result.exit_code == 0, result.output
        assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
        assert git_state(repo) == (_git(repo, "rev-parse", "HEAD").strip(), False)
        assert not collect_provenance(repo).code_version.endswith("+dirty")
    written = sorted((repo / _option(words, "--adr-dir")).glob("0*.md"))  # type: ignore[operator]
    assert [p.name for p in written] == [
        "0001-fraud-scoring-model-for-card-transactions.md",
        "0002-fraud-scoring-model-for-card-transactions.md",
    ]
    assert sorted(p.name for p in (repo / "adr").iterdir()) == [record.name, "README.md"]


def test_untracked_outputs_never_make_the_code_version_dirty(tmp_path: Path) -> None:
    """Provenance counts changes to tracked files only: outputs a run writes beside the code do not count."""
    (tmp_path / "code.py").write_text("x = 1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "code.py")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "code")
    (tmp_path / "example-output").mkdir()
    (tmp_path / "example-output" / "0001-x.md").write_text("an output\n")
    assert git_state(tmp_path)[1] is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_state(tmp_path)[1] is True and collect_provenance(tmp_path).code_version.endswith("+dirty")
