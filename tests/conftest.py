"""Shared test fixtures: the bundled data generators (loaded by path) and tiny numpy-made frames."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"


def load_generator(name: str) -> ModuleType:
    """Import `datasets/<name>/generate.py` by path (`datasets/` is deliberately not a package)."""
    module_name = f"archbench_generator_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = DATASETS / name / "generate.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no generator at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fraud_generator() -> ModuleType:
    return load_generator("fraud")


@pytest.fixture(scope="session")
def fraud_df(fraud_generator: ModuleType) -> pl.DataFrame:
    """6,000 rows of the fraud example (seed 7): ~2% fraud, planted leak and duplicates. Do not mutate."""
    return fraud_generator.generate(6_000, seed=7)


@pytest.fixture(scope="session")
def fraud_parquet(fraud_df: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fraud_df` written to a Parquet file, for tests that go through load_table/prepare."""
    path = tmp_path_factory.mktemp("fraud") / "transactions.parquet"
    fraud_df.write_parquet(path)
    return path


def make_tiny_classification_df(n_rows: int = 400, seed: int = 0) -> pl.DataFrame:
    """Binary `label` (0/1, ~30% positive) learnable from `x_num` and `color`; plus `noise`, `row_id`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_rows)
    colors = rng.choice(np.array(["red", "green", "blue"]), size=n_rows)
    logit = 1.8 * x + np.where(colors == "red", 1.2, -0.4) - 1.0
    label = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pl.DataFrame(
        {
            "row_id": np.arange(n_rows),
            "x_num": x,
            "noise": rng.normal(size=n_rows),
            "color": colors,
            "label": label,
        }
    )


def make_tiny_regression_df(n_rows: int = 400, seed: int = 0) -> pl.DataFrame:
    """Float target `y` = 3·x_num + a per-`color` offset + noise; plus `noise`, `row_id`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_rows)
    colors = rng.choice(np.array(["red", "green", "blue"]), size=n_rows)
    offset = np.select([colors == "red", colors == "green"], [2.0, -1.0], 0.5)
    y = 3.0 * x + offset + rng.normal(scale=0.5, size=n_rows)
    return pl.DataFrame(
        {"row_id": np.arange(n_rows), "x_num": x, "noise": rng.normal(size=n_rows), "color": colors, "y": y}
    )


@pytest.fixture
def tiny_classification_df() -> pl.DataFrame:
    return make_tiny_classification_df()


@pytest.fixture
def tiny_regression_df() -> pl.DataFrame:
    return make_tiny_regression_df()


# ---- the bad-input corpus (tests/test_bad_input.py) prints its size at the end of the session -------------
_BAD_INPUT_CASES = pytest.StashKey[int]()


def pytest_collection_finish(session: pytest.Session) -> None:  # after -k / -m deselection
    cases = sum(1 for item in session.items if item.name.startswith("test_bad_input["))
    session.config.stash[_BAD_INPUT_CASES] = cases


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    cases = config.stash.get(_BAD_INPUT_CASES, 0)
    if cases:
        terminalreporter.write_line(f"bad-input corpus: {cases} cases")
