"""Where text models run, and the offline switch every text path sets before touching transformers.

`auto` picks CUDA when torch sees a GPU, else Apple's MPS, else the CPU; an explicit choice that the machine
cannot honour is an `InputError`, not a silent fallback, so a recorded run says what really ran.
"""

from __future__ import annotations

import os
from typing import Literal

from harness.errors import InputError

DeviceName = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")

# Nothing in archbench may fetch from a model hub; ragas phones home unless told not to.
OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "RAGAS_DO_NOT_TRACK": "true",
    "TOKENIZERS_PARALLELISM": "false",  # avoids fork warnings when the runner uses worker threads
}


def set_offline_env() -> None:
    """Force offline mode (idempotent). Called before any transformers / sentence-transformers import."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


def resolve_device(device: str | None = "auto") -> str:
    """'auto'/None → 'cuda' | 'mps' | 'cpu'; an explicit name is checked against the hardware."""
    name = (device or "auto").lower()
    if name not in DEVICES:
        raise InputError(
            f"unknown device {device!r}", where="models.device", fix=f"use one of: {', '.join(DEVICES)}"
        )
    if name == "cpu":
        return "cpu"
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise InputError(
            f"device {name!r} is not available on this machine",
            where="models.device",
            fix="use device = 'auto' or 'cpu'",
        )
    return name


def cpu_threads() -> int:
    """Cores this process may use (respects CPU affinity / container limits where the OS exposes them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
