"""No DNS or network at run time: `harness run` inside a network namespace (loopback only) whose resolver is a
stub that records every query (`scripts/offline.py`, `unshare -rnm`) makes no lookup and exits 0; the text
encoder's serving path (onnxruntime, which looks up its telemetry host a few seconds after its first session
unless `ORT_DISABLE_TELEMETRY` is set before it is imported) makes none either. Skipped where user and network
namespaces cannot be made."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]


def _offline_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("archbench_offline_script", ROOT / "scripts" / "offline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_WHY_NOT = _offline_script().namespaces_available()
pytestmark = pytest.mark.skipif(_WHY_NOT is not None, reason=f"no network namespace here: {_WHY_NOT}")


def _run_offline(command: list[str], log: Path, timeout: float) -> tuple[subprocess.CompletedProcess, list]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "offline.py"), "--log", str(log), "--", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode == 125:  # the namespace could not be made after all (e.g. a seccomp profile)
        pytest.skip(f"no network namespace here: {done.stderr.strip()}")
    queries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return done, queries


def test_the_stub_records_a_lookup(tmp_path: Path) -> None:
    """The recorder works: a lookup made inside the namespace is recorded (and fails, as offline)."""
    code = (
        "import socket\ntry:\n    socket.getaddrinfo('archbench.invalid', 443)\nexcept OSError:\n    pass\n"
    )
    done, queries = _run_offline([sys.executable, "-c", code], tmp_path / "q.jsonl", 60)
    assert done.returncode == 0, done.stderr
    assert "archbench.invalid" in {q["name"] for q in queries}


@pytest.mark.slow
def test_harness_run_makes_no_dns_lookup(tmp_path: Path, fraud_generator: ModuleType) -> None:
    """A small tabular decision (the fraud example on 2,000 rows, a tiny budget) end to end, offline."""
    fraud_generator.generate(2_000, seed=7).write_parquet(tmp_path / "transactions.parquet")
    spec = tomllib.loads((ROOT / "datasets" / "fraud" / "decision.toml").read_text())
    spec["candidates"] = {
        "include": ["zero-rule", "linear", "lightgbm"],
        "tuning_trials": 2,
        "tuning_time_s": 3,
        "cv_folds": 2,
    }
    spec["evidence"] = {"learning_curves": False, "robustness": False}
    (tmp_path / "decision.toml").write_text(tomli_w.dumps(spec))
    command = [sys.executable, "-m", "harness", "run", str(tmp_path / "decision.toml"), "-q"]
    command += ["--out-dir", str(tmp_path / "runs"), "--adr-dir", str(tmp_path / "adr")]
    done, queries = _run_offline(command, tmp_path / "q.jsonl", 240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert list((tmp_path / "adr").glob("0001-*.md")), done.stdout[-2000:]
    assert queries == [], f"DNS lookups during harness run: {queries}"


@pytest.mark.slow
@pytest.mark.text
def test_the_onnx_encoder_makes_no_dns_lookup(tmp_path: Path) -> None:
    """The text serving path: harness's FastEncoder (the bundled MiniLM, exported to ONNX int8, served by
    onnxruntime) encodes, then the process stays up past the moment onnxruntime's telemetry would look up its
    host (~9 s after the first session): no lookup."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("sentence_transformers")
    code = (
        "import time, harness\n"
        "from harness.text import get_fast_encoder\n"
        "encoder = get_fast_encoder(None)\n"
        "print(encoder.backend, encoder.encode(['where is my parcel', 'my order']).shape, flush=True)\n"
        "time.sleep(15)\n"
    )
    done, queries = _run_offline([sys.executable, "-c", code], tmp_path / "q.jsonl", 300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "onnx" in done.stdout, done.stdout  # the path under test really ran onnxruntime
    assert queries == [], f"DNS lookups on the text path: {queries}"
