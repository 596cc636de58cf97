"""Tokenizer and ONNX plumbing shared by the serving encoder (`harness.text.encoder.FastEncoder`) and the
fine-tuned classifier: a fast tokenizer loaded once, export of a pooled encoder to ONNX with dynamic axes,
int8 dynamic quantisation, an onnxruntime session, and the Hugging Face encoder loaded offline."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import InputError
from harness.text.device import cpu_threads, quiet_progress_bars, set_offline_env

ONNX_OPSET = 17
DEFAULT_MAX_SEQ_LENGTH = 128


# ---- tokenizer + ONNX helpers ---------------------------------------
class TextTokenizer:
    """A Hugging Face fast tokenizer loaded once; returns int64 numpy arrays padded to the batch's longest."""

    def __init__(self, path: Path, *, max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH) -> None:
        set_offline_env()
        from transformers import AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError, TypeError) as exc:
            raise InputError(
                f"cannot load the tokenizer of {str(path)!r} ({type(exc).__name__})",
                where="models.encoder_path",
                fix="save the tokenizer with the model (tokenizer.json / vocab.txt)",
            ) from None
        self.max_seq_length = int(max_seq_length)
        names = list(self._tokenizer.model_input_names)
        optional = ("token_type_ids",) if "token_type_ids" in names else ()
        self.input_names: tuple[str, ...] = ("input_ids", "attention_mask", *optional)

    @property
    def hf(self) -> Any:
        return self._tokenizer

    def __call__(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        encoded = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np"
        )
        return {name: np.asarray(encoded[name], dtype=np.int64) for name in self.input_names}

    def save(self, folder: Path) -> None:
        self._tokenizer.save_pretrained(str(folder))


def export_onnx(module: Any, input_names: Sequence[str], out_path: Path, *, output_name: str) -> None:
    """Export a `PooledEncoder`-like module to ONNX, dynamic batch and sequence axes (atomic write)."""
    import torch

    names = list(input_names)
    dummy = tuple(
        torch.zeros((2, 8), dtype=torch.long)
        if n == "token_type_ids"
        else torch.ones((2, 8), dtype=torch.long)
        for n in names
    )
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {output_name: {0: "batch"}}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    module = module.to("cpu").eval()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        # The TorchScript exporter: needs no onnxscript, and handles HF BERT-style encoders with dynamic axes.
        torch.onnx.export(
            module,
            dummy,
            str(tmp),
            input_names=names,
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    os.replace(tmp, out_path)


def quantize_onnx_int8(src: Path, dst: Path) -> None:
    """onnxruntime dynamic int8 quantisation of the weights (activations quantised at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" hint on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    os.replace(tmp, dst)


def onnx_session(path: Path, *, threads: int | None = None) -> Any:
    """A CPU onnxruntime session; `threads` intra-op threads (default: the cores this process may use)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_hf_encoder(path: Path) -> Any:
    """The bare transformers encoder (`AutoModel`) from a local folder, offline."""
    set_offline_env()
    quiet_progress_bars()
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    try:
        return AutoModel.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(
            f"cannot load model weights from {str(path)!r} ({type(exc).__name__})",
            where="models.encoder_path",
            fix="use a Hugging Face encoder folder (e.g. a BERT / MiniLM / MPNet checkpoint)",
        ) from None
