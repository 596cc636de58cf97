"""LoRA reports its progress like the other fine-tunes (issue 11): epoch, step, loss, the dev answer loss of
each epoch and the time left (a tiny random GPT-2 on the CPU; on a real host it needs a GPU)."""

from __future__ import annotations

import re
from pathlib import Path

from harness.candidates._qa import tiny_qa_splits
from harness.candidates.lora import LoRACandidate


def test_lora_reports_epochs_steps_dev_loss_and_eta(tiny_generator_dir: Path) -> None:
    train, dev, _test = tiny_qa_splits()
    lora = LoRACandidate(generator_path=str(tiny_generator_dir), device="cpu", epochs=2, batch_size=6)
    said: list[str] = []
    lora.hooks.on_progress = lambda _fraction, message: said.append(message)
    lora.fit(train, dev)
    assert said[0] == "loading the generator" and "training: 2 epoch(s) × 2 steps (4 in all)" in said
    assert "epoch 2/2 · step 2/2" in " ".join(said), said
    done = [m for m in said if " done · dev answer loss " in m]
    assert len(done) == 2 and all(re.search(r"ETA \d+ s$", m) for m in done), said
    assert [h["epoch"] for h in lora.details()["history"]] == [1, 2]
