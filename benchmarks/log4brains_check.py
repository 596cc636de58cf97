"""Do the team's ADR tools read archbench's records right? (issue 15)

1. log4brains: copies the project's `adr/` into a scratch git repository, supersedes 0002 with a new record
   and accepts 0003 through the store (as `harness adr supersede` / `harness adr status` would), builds the
   log4brains site over it, and checks that every record's page shows its real status, date and deciders, and
   the superseded record its superseder.
2. adr-tools (if `adr` is installed, e.g. Debian's `adr-tools`): an adr-tools log named by `.adr-dir` holding
   a Nygard record, an archbench record that supersedes it, and `adr generate toc`, which must list the real
   titles.

    .venv/bin/python benchmarks/log4brains_check.py [--log4brains PATH]

log4brains comes from `--log4brains` (a `log4brains` executable, e.g. node_modules/.bin/log4brains after
`npm install log4brains@1.1.0`), else `npx --yes log4brains@1.1.0` (downloads it). Exit 0: all as expected;
1: a mismatch (listed); 2: the check could not run (no npx / log4brains, build failed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import adr  # noqa: E402

GIT = ["git", "-c", "user.email=check@example.invalid", "-c", "user.name=check"]


def _log4brains_command(given: str | None) -> list[str] | None:
    if given:
        return [given]
    if shutil.which("log4brains"):
        return ["log4brains"]
    if shutil.which("npx"):
        return ["npx", "--yes", "log4brains@1.1.0"]
    return None


def _expected(folder: Path) -> dict[str, dict]:
    """What log4brains should show for each record: status name, date, deciders, superseder's slug."""
    expected = {}
    for info in adr.list_adrs(folder):
        text = info.path.read_text(encoding="utf-8")
        meta, _ = adr.split_front_matter(text)
        status = info.status.lower()
        superseder = None
        if status.startswith("superseded by"):
            superseder = status.split("[", 1)[1].split("]", 1)[0]
            status = "superseded"
        expected[info.path.stem] = {
            "status": status,
            "date": info.date,
            "deciders": [str(d) for d in meta.get("decision-makers", [])],
            "supersededBy": superseder,
        }
    return expected


def check_log4brains(command: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="l4b-check-") as scratch:
        work = Path(scratch)
        folder = work / "docs" / "adr"
        shutil.copytree(ROOT / "adr", folder)
        old = next(folder.glob("0002-*.md"))
        new = adr.write_adr(old.read_text(encoding="utf-8"), folder, "Fraud scoring model, revisited")
        adr.supersede(old, new)
        adr.set_status(next(folder.glob("0003-*.md")), "accepted")
        adr.update_index(folder)
        (work / ".log4brains.yml").write_text(
            "project:\n  name: archbench check\n  tz: Etc/UTC\n  adrFolder: ./docs/adr\n"
        )
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        subprocess.run([*GIT, "-C", str(work), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(work), "commit", "-qm", "records"], check=True)
        expected = _expected(folder)
        shown: dict[str, dict] = {}
        for attempt in (1, 2):
            site = work / f"site-{attempt}"
            build = subprocess.run(
                [*command, "build", "--out", str(site)],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=1200,
            )
            pages = sorted(site.glob("_next/data/*/adr/*.json"))
            if build.returncode != 0 or not pages:
                print(build.stdout[-3000:], build.stderr[-3000:], sep="\n")
                print(f"log4brains build failed (exit {build.returncode}, {len(pages)} record pages)")
                return 2
            shown = {}
            for page in pages:
                current = json.loads(page.read_text())["pageProps"]["currentAdr"]
                shown[current["slug"]] = {
                    "status": current["status"],
                    "date": (current.get("publicationDate") or "")[:10],
                    "deciders": current.get("deciders") or [],
                    "supersededBy": (current.get("supersededBy") or {}).get("slug"),
                }
            # log4brains 1.1.0 keeps its export folder inside the installed package: a build right after
            # another project's build was seen to export that project's pages; the second build is read.
            if attempt == 1 and set(shown) != set(expected):
                print(f"log4brains' first build exported other records: {sorted(shown)}")
        bad = 0
        print(f"log4brains build: {len(shown)} records")
        for slug in sorted(expected):
            got = shown.get(slug)
            ok = got == expected[slug]
            bad += not ok
            print(
                f"  {'ok ' if ok else 'BAD'} {slug}: {got}" + ("" if ok else f"  expected {expected[slug]}")
            )
        return 1 if bad else 0


def check_adr_tools() -> int:
    if shutil.which("adr") is None:
        print("adr-tools: not installed (apt-get install adr-tools); skipped")
        return 0
    env = {**os.environ, "VISUAL": "true", "EDITOR": "true", "ADR_DATE": "2026-01-02"}
    with tempfile.TemporaryDirectory(prefix="adr-tools-check-") as scratch:
        work = Path(scratch)
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        (work / ".adr-dir").write_text("doc/decisions\n")
        subprocess.run(
            ["adr", "new", "Use PostgreSQL for storage"], cwd=work, env=env, check=True, capture_output=True
        )
        folder = work / "doc" / "decisions"
        old = next(folder.glob("0001-*.md"))
        text = (ROOT / "adr" / "0004-ticket-intent-router-with-out-of-scope-detection.md").read_text(
            encoding="utf-8"
        )
        new = adr.write_adr(text, folder, "Ticket intent router")  # the title line first: .adr-dir names it
        adr.supersede(old, new)
        toc = subprocess.run(
            ["adr", "generate", "toc"], cwd=work, env=env, capture_output=True, text=True, check=True
        )
        print("adr generate toc:", *toc.stdout.strip().splitlines(), sep="\n  ")
        wanted = [
            "* [1. Use PostgreSQL for storage](0001-use-postgresql-for-storage.md)",
            f"* [2. Ticket intent router with out-of-scope detection]({new.name})",
        ]
        status = old.read_text(encoding="utf-8")
        superseded = (
            f"Superseded by [2. Ticket intent router with out-of-scope detection]({new.name})" in status
        )
        ok = all(line in toc.stdout for line in wanted) and superseded
        print(f"  {'ok ' if ok else 'BAD'} titles listed; 0001's status: superseded by 0002 = {superseded}")
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--log4brains", help="a log4brains executable (default: log4brains on PATH, else npx)"
    )
    args = parser.parse_args()
    command = _log4brains_command(args.log4brains)
    if command is None:
        print("log4brains: neither log4brains nor npx is on PATH; not run")
        return 2
    return max(check_log4brains(command), check_adr_tools())


if __name__ == "__main__":
    sys.exit(main())
