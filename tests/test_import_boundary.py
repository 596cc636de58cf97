"""The headless core never pulls in the TUI stack: `harness`, its runner and its CLI import without textual
(the CLI imports `tui` only inside `harness tui`). Checked in a fresh interpreter, as harlequin does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_harness_runner_and_cli_do_not_import_textual() -> None:
    code = (
        "import sys, harness, harness.runner, harness.cli\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui')))\n"
        "print(','.join(leaked))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"textual/tui imported by the headless core: {done.stdout.strip()}"


def test_the_tui_imports_and_exposes_main() -> None:
    from tui.app import main

    assert callable(main)
