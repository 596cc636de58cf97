"""Paired comparisons through `measure_candidate`: candidates measured with one seed on one test split see the
same bootstrap resamples, whatever their names or predictions."""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.dataset import Predictions, Split, Task
from harness.measure import measure_candidate
from harness.spec import spec_from_dict
from harness.types import Family, TaskKind

TASK = Task(TaskKind.MULTICLASS, "y", ("i",), numeric_columns=("i",), classes=("a", "b", "c"))


class Planted:
    """Predicts planted labels, looked up by the row number carried in column `i`."""

    family = Family.BASELINE

    def __init__(self, name: str, labels: np.ndarray) -> None:
        self.name = name
        self.labels = labels

    def predict(self, batch: pl.DataFrame) -> Predictions:
        return Predictions(labels=self.labels[batch["i"].to_numpy()])

    def size_bytes(self) -> int:
        return 8


def test_candidates_with_the_same_outcomes_get_the_same_interval_whatever_their_names() -> None:
    rng = np.random.default_rng(5)
    n = 300
    y = rng.integers(0, 3, n)
    wrong = rng.random(n) < 0.35
    first = Planted("zero-rule", np.where(wrong, (y + 1) % 3, y))
    second = Planted("a-much-longer-candidate-name", np.where(wrong, (y + 2) % 3, y))
    test = Split("test", TASK, pl.DataFrame({"i": np.arange(n)}), y)
    spec = spec_from_dict({"title": "Paired", "data": {"path": "d.csv", "target": "y"}})
    measured = [
        measure_candidate(
            c,
            test,
            metric="accuracy",
            spec=spec,
            seed=3,
            n_boot=300,
            n_latency_calls=3,
            throughput_min_s=0.01,
        ).metrics["accuracy"]
        for c in (first, second)
    ]
    assert measured[0].ci_low < measured[0].value < measured[0].ci_high
    assert [(m.value, m.ci_low, m.ci_high) for m in measured] == [
        (measured[0].value, measured[0].ci_low, measured[0].ci_high)
    ] * 2


def test_a_run_scores_every_candidate_on_the_same_resamples(tmp_path, monkeypatch) -> None:
    """Through the real runner: every candidate's bootstrap is drawn with the spec's seed over the same test
    rows (a seed offset per candidate, anywhere between the runner and the resampling, fails here)."""
    from harness.measure import quality
    from harness.runner import RunOptions, run
    from tests.conftest import make_tiny_classification_df

    drawn: list[tuple[int, int, int]] = []
    real = quality.bootstrap_counts

    def spy(n_rows: int, n_boot: int, seed: int) -> list[np.ndarray]:
        drawn.append((n_rows, n_boot, seed))
        return real(n_rows, n_boot, seed)

    monkeypatch.setattr(quality, "bootstrap_counts", spy)
    make_tiny_classification_df(400, seed=1).write_csv(tmp_path / "data.csv")
    spec = spec_from_dict(
        {
            "title": "Paired run",
            "seed": 7,
            "data": {"path": str(tmp_path / "data.csv"), "target": "label", "id_column": "row_id"},
            "candidates": {"include": ["zero-rule", "single-feature-rule"]},
        }
    )
    # inline: the spy must see the scoring, which the default executor would do in a worker process
    options = RunOptions(
        runs_dir=tmp_path / "runs", adr_dir=tmp_path / "adr", write_adr=False, executor="inline"
    )
    result = run(spec, options=options)
    assert sorted(m.candidate for m in result.measurements if m.ok) == ["single-feature-rule", "zero-rule"]
    whole_test = [d for d in drawn if d[1] == 1000]  # the evidence's per-slice bootstraps are smaller
    assert len(whole_test) >= 2 and len(set(whole_test)) == 1, drawn
    assert whole_test[0][2] == 7
    assert whole_test[0][0] == result.record.splits.sizes["test"]
