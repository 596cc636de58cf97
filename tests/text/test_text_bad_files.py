"""Non-UTF-8 files on the text path are one-line InputErrors: labelled texts and model configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.data.load import load_table
from harness.errors import InputError
from harness.text.encoder import resolve_model_path


def test_non_utf8_labelled_texts_are_one_input_error(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes("text,intent\ncafé au lait refund,billing\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        load_table(path)
    assert "\n" not in str(info.value) and "UTF-8" in str(info.value)


def test_non_utf8_model_config_is_one_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "encoder"
    folder.mkdir()
    (folder / "config.json").write_bytes('{"model_type": "bért"}'.encode("latin-1"))
    (folder / "model.safetensors").write_bytes(b"\0")
    (folder / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(InputError, match="not valid JSON") as info:
        resolve_model_path(folder)
    assert "\n" not in str(info.value)
