"""Shared fixtures for the text tests: a private export cache, the intents generator, tiny splits."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import polars as pl
import pytest

from harness.dataset import Split, Task
from harness.types import TaskKind


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """ONNX exports go to a temporary cache (never ~/.cache or the repo); shared encoders are reset."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ARCHBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("archbench-cache")))
    from harness.text.device import set_offline_env

    set_offline_env()
    yield
    from harness.text.encoder import clear_caches

    clear_caches()
    mp.undo()


@pytest.fixture(scope="session")
def intents_module() -> ModuleType:
    from tests.conftest import load_generator

    return load_generator("intents")


def make_splits(frame: pl.DataFrame, *, seed: int = 0) -> tuple[Split, Split, Split]:
    """60/20/20 split of a (text, intent) frame into encoded `Split`s (classes sorted, as the data step)."""
    classes = tuple(sorted(frame["intent"].unique().to_list()))
    task = Task(TaskKind.MULTICLASS, "intent", ("text",), text_columns=("text",), classes=classes)
    y = np.array([classes.index(v) for v in frame["intent"]])
    order = np.random.default_rng(seed).permutation(frame.height)
    a, b = int(0.6 * frame.height), int(0.8 * frame.height)
    parts = {"train": order[:a], "dev": order[a:b], "test": order[b:]}
    return tuple(Split(name, task, frame[idx].select("text"), y[idx]) for name, idx in parts.items())  # type: ignore[return-value]


@pytest.fixture(scope="session")
def intent_splits(intents_module: ModuleType) -> tuple[Split, Split, Split]:
    return make_splits(intents_module.generate(per_intent=8, seed=0))
