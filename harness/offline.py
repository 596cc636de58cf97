"""No network at run time: the environment switches that keep the libraries archbench loads offline.

Importing this module calls `offline_defaults()`, and `harness/__init__.py` imports it before anything else,
so the switches are in place in every process that imports harness (the CLI, the local executor's workers,
Ray workers) before any of these libraries is imported: onnxruntime reads its switch once, at import. The text
paths call `set_offline_env()`, which forces them, before they touch transformers. `scripts/offline.py` runs a
command in a network namespace with a DNS stub that records every lookup; tests/test_offline.py runs
`harness run` there and expects none.
"""

from __future__ import annotations

import os

# Nothing in archbench may fetch from a model hub; ragas phones home unless told not to; onnxruntime 1.32 (its
# 1DS telemetry) looks up mobile.events.data.microsoft.com every few seconds after its first session unless
# ORT_DISABLE_TELEMETRY is set before it is imported (disable_telemetry_events() does not stop the uploader).
OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "RAGAS_DO_NOT_TRACK": "true",
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",  # avoids fork warnings when the runner uses worker threads
}


def offline_defaults() -> None:
    """Set every switch the user has not set (idempotent; a user's own value is kept)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def set_offline_env() -> None:
    """Force offline mode (idempotent). Called before any transformers / sentence-transformers import."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


offline_defaults()
