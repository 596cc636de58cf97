"""The shared encoder: offline loading, ONNX/int8 fidelity, the export cache, fallbacks, bad model paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from harness.errors import InputError
from harness.text import encoder as enc
from harness.text.device import resolve_device
from harness.text.encoder import (
    FastEncoder,
    default_model_path,
    encode_cached,
    get_fast_encoder,
    resolve_model_path,
)

TEXTS = ["how do i reset my password", "where is my parcel", "what is the capital of australia", ""]


@pytest.fixture(scope="module")
def int8() -> FastEncoder:
    return get_fast_encoder(backend="onnx-int8")


def test_default_model_is_a_local_folder_and_offline() -> None:
    path = resolve_model_path(None)
    assert path == default_model_path().resolve()
    assert (path / "config.json").is_file()
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_int8_encoder_rows_are_unit_float32_and_batch_independent(int8: FastEncoder) -> None:
    out = int8.encode(TEXTS)
    assert out.dtype == np.float32 and out.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    singles = np.vstack([int8.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(out, singles, atol=1e-6)  # a text's vector never depends on its batch-mates
    assert int8.backend == "onnx-int8" and int8.details()["encoder_backend"] == "onnx-int8"
    assert str(int8.onnx_path).startswith(os.environ["ARCHBENCH_CACHE_DIR"])  # never inside the repo


def test_onnx_matches_sentence_transformers(int8: FastEncoder) -> None:
    reference = enc.load_sentence_encoder(None, "cpu").encode(TEXTS, normalize_embeddings=True)
    fp32 = get_fast_encoder(backend="onnx").encode(TEXTS)
    assert np.min(np.sum(fp32 * reference, axis=1)) > 0.9999  # the exported graph is the same function
    assert np.min(np.sum(int8.encode(TEXTS) * reference, axis=1)) > 0.95  # int8: close, not equal
    # semantic sanity: a paraphrase is nearer than an unrelated text
    a, b, c = int8.encode(["reset my password", "i forgot my password", "banana bread recipe"])
    assert a @ b > a @ c


def test_export_is_cached_and_reused(int8: FastEncoder) -> None:
    assert int8.onnx_path is not None
    stamp = int8.onnx_path.stat().st_mtime_ns
    again = FastEncoder(backend="onnx-int8")
    assert again.onnx_path == int8.onnx_path and again.onnx_path.stat().st_mtime_ns == stamp


def test_encode_edge_cases(int8: FastEncoder) -> None:
    assert int8.encode([]).shape == (0, 384)
    with pytest.raises(InputError, match="list of texts"):
        int8.encode("one string")  # type: ignore[arg-type]
    assert int8.encode([None, "x"]).shape == (2, 384)  # type: ignore[list-item]


def test_encode_cached_shares_read_only_training_embeddings(int8: FastEncoder) -> None:
    first = encode_cached(int8, TEXTS)
    assert encode_cached(int8, list(TEXTS)) is first
    assert not first.flags.writeable


def test_torch_fallback_when_export_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("exporter cannot trace this model")

    monkeypatch.setattr(enc, "export_onnx", broken)
    fallback = FastEncoder(backend="onnx-int8", cache_dir=tmp_path)
    assert fallback.backend == "torch" and "exporter cannot trace" in fallback.details()["encoder_fallback"]
    assert fallback.encode(["hello"]).shape == (1, 384)


def _fake_model(
    tmp_path: Path, *, config: str | None = '{"model_type": "bert"}', weights: bool = True
) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    if config is not None:
        (folder / "config.json").write_text(config)
    if weights:
        (folder / "model.safetensors").write_bytes(b"\0" * 16)
    (folder / "vocab.txt").write_text("[PAD]\n")
    return folder


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nope", "not found"),
        (lambda p: (p / "file.bin").write_bytes(b"x") and p / "file.bin", "is a file, not a model folder"),
        (lambda p: _fake_model(p, config=None), "no config.json"),
        (lambda p: _fake_model(p, config="{not json"), "not valid JSON"),
        (lambda p: _fake_model(p, config=json.dumps({"hidden": 1})), "no model_type"),
        (lambda p: _fake_model(p, weights=False), "no model weights"),
    ],
)
def test_a_model_path_that_is_not_a_model_is_one_input_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        FastEncoder(make(tmp_path))
    assert "\n" not in str(info.value) and "models.encoder_path" in str(info.value)


def test_bad_options_and_devices() -> None:
    with pytest.raises(InputError, match="unknown encoder backend"):
        FastEncoder(backend="tensorrt")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")
    assert resolve_device("cpu") == "cpu" and resolve_device("auto") in ("cpu", "cuda", "mps")
