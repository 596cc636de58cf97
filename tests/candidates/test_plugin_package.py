"""A family added from outside, as a team would: a separate package, installed (a `.dist-info` with an entry
point in the group `archbench.candidates` on the import path), with a framework archbench has never heard of.
No file of archbench changes: the conformance checks run it, `harness check` accepts the team's skill in that
framework, and `harness run` trains, times and ranks it beside the built-in families."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
"""A CatBoost-shaped family: gradient-boosted trees behind a framework archbench does not ship."""
from typing import Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.dataset import Predictions, Split
from harness.types import Family


class CatBoostish(TabularCandidate):
    name: ClassVar[str] = "catboost-ish"
    family: ClassVar[Family] = Family.GBT
    skills: ClassVar[tuple[str, ...]] = ("catboost",)
    complexity: ClassVar[int] = 3

    def __init__(self, *, seed: int = 0, max_iter: int = 60) -> None:
        super().__init__(seed=seed)
        self.max_iter = max_iter

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        return {"max_iter": trial.suggest_int("max_iter", 20, 120)}

    def _design(self, batch: pl.DataFrame) -> np.ndarray:
        dense, codes = self.encoder_.for_net(batch)
        return np.hstack([dense, codes.astype(np.float64)])

    def fit(self, train: Split, dev: Split) -> Self:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        self._start_fit(train, dev)
        self._fit_encoder(train)
        X = self._design(train.X)
        self._tick(0.3, "boosting")
        if self.kind_.is_classification:
            self.model_ = HistGradientBoostingClassifier(max_iter=self.max_iter, random_state=self.seed)
            self.model_.fit(X, train.y.astype(np.int64))
        else:
            self.model_ = HistGradientBoostingRegressor(max_iter=self.max_iter, random_state=self.seed)
            self.model_.fit(X, np.asarray(train.y, dtype=np.float64))
        self._tick(1.0, "done")
        return self

    def predict(self, batch: pl.DataFrame) -> Predictions:
        X = self._design(batch)
        if self.kind_.is_classification:
            proba = np.zeros((len(X), self.n_classes_))
            proba[:, self.model_.classes_] = self.model_.predict_proba(X)
            return self._classification(proba)
        return Predictions(values=np.asarray(self.model_.predict(X), dtype=np.float64))

    def size_bytes(self) -> int:
        return pickled_size_bytes(self.model_) + pickled_size_bytes(self.encoder_)
'''


def _install(site: Path) -> dict[str, str]:
    """The plugin as an installed distribution: its module and a dist-info with the entry point."""
    (site / "catboostish").mkdir(parents=True)
    (site / "catboostish" / "__init__.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "catboostish-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: catboostish\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[archbench.candidates]\ncatboost-ish = catboostish:CatBoostish\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARCHBENCH_CANDIDATES"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    return env


@pytest.mark.slow
def test_a_plugin_family_from_a_separate_package_runs_end_to_end(tmp_path: Path) -> None:
    env = _install(tmp_path / "site")
    conformance = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "catboost-ish",
         str(ROOT / "tests" / "candidates" / "test_contract.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert conformance.returncode == 0, conformance.stdout[-3000:]
    assert " passed" in conformance.stdout and "catboost" not in conformance.stdout.split("passed")[-1]

    rng = np.random.default_rng(0)
    n = 500
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = ((a * b > 0) ^ (rng.random(n) < 0.1)).astype(int)  # an interaction a tree finds and a line cannot
    pl.DataFrame({"a": a, "b": b, "noise": rng.normal(size=n), "y": y}).write_csv(tmp_path / "t.csv")
    (tmp_path / "decision.toml").write_text(
        textwrap.dedent("""
        title = "Plugin family beside the built-ins"
        [data]
        path = "t.csv"
        target = "y"
        [candidates]
        include = ["zero-rule", "single-feature-rule", "linear", "catboost-ish"]
        tuning_trials = 2
        cv_folds = 2
        [evidence]
        learning_curves = false
        robustness = false
        [team_skills]
        catboost = "expert"
        sklearn = "proficient"
        """),
        encoding="utf-8",
    )
    harness = [sys.executable, "-m", "harness"]
    check = subprocess.run(
        [*harness, "check", "decision.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    done = subprocess.run(
        [*harness, "run", "decision.toml", "-q", "--json", "--no-adr"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout)
    record = json.loads(Path(tmp_path / result["record"]).read_text(encoding="utf-8"))
    plugin = next(m for m in record["measurements"] if m["candidate"] == "catboost-ish")
    assert plugin["status"] == "ok" and plugin["skills"] == ["catboost"]
    assert plugin["latency"] is not None  # timed beside the others
    assert record["decision"]["recommended"] == "catboost-ish"  # the interaction: trees win, justified
    assert record["decision"]["justified"]
