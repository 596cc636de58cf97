"""Where text models run, and the offline switch every text path sets before touching transformers.

`auto` picks CUDA when torch sees a GPU, else Apple's MPS, else the CPU; an explicit choice that the machine
cannot honour is an `InputError`, not a silent fallback, so a recorded run says what really ran.
"""

from __future__ import annotations

import os
from typing import Literal

from harness.errors import InputError
from harness.offline import OFFLINE_ENV, set_offline_env

DeviceName = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
__all__ = [
    "DEVICES",
    "OFFLINE_ENV",
    "cpu_threads",
    "quiet_progress_bars",
    "resolve_device",
    "set_offline_env",
]

# Values of HF_HUB_DISABLE_PROGRESS_BARS with which a user asks to see the libraries' own bars.
_BARS_WANTED = ("0", "false", "no", "off")


def quiet_progress_bars() -> None:
    """Switch off transformers' and huggingface_hub's own progress bars ("Loading weights: 100%|…") before a
    model loads, unless the user asked for them (`HF_HUB_DISABLE_PROGRESS_BARS=0`). The CLI sets that variable
    before anything is imported; this covers the libraries already imported when it was not (the TUI, a
    script, a test): they read it once, at import, and would draw over archbench's own progress."""
    if os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS", "").strip().lower() in _BARS_WANTED:
        return
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as hf_logging

    disable_progress_bars()
    hf_logging.disable_progress_bar()


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
